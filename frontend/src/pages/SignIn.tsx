import { useState } from "react";
import { request } from "../api";
import type { User } from "../types";
import { Button, ErrorAlert, Field } from "../ui";

/** Sign in with an API key; it is kept for this browser tab's session only. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await request<User>("GET", "/me", { key: key.trim() });
      onSignedIn(key.trim());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="signin">
      <div className="panel">
        <form onSubmit={submit}>
          <div className="row" style={{ gap: 10 }}>
            <img src="/favicon.svg" width={28} height={28} alt="" />
            <div>
              <h1>Heurist</h1>
              <div className="muted small">Weak supervision with active learning</div>
            </div>
          </div>
          <Field label="API key" hint={<>The first admin key is printed when the server starts and kept in <code>var/admin.key</code>.</>}>
            <input className="input" type="password" autoFocus autoComplete="current-password"
              value={key} onChange={(e) => setKey(e.target.value)} aria-label="API key" />
          </Field>
          <ErrorAlert error={error} />
          <Button type="submit" variant="primary" busy={busy} disabled={!key.trim()}>Sign in</Button>
          <div className="faint small">Kept for this browser session only. <a href="/docs">API docs</a></div>
        </form>
      </div>
    </div>
  );
}
