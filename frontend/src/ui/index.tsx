/** Heurist's components: small, consistent, keyboard-friendly. */
import {
  createContext, useCallback, useContext, useEffect, useRef, useState,
  type ButtonHTMLAttributes, type ReactNode,
} from "react";

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: "primary" | "secondary" | "danger" | "danger-solid" | "ghost";
  small?: boolean;
  busy?: boolean;
};

export function Button({ variant = "secondary", small, busy, className, children, disabled,
  ...rest }: ButtonProps) {
  const classes = ["btn", variant === "danger-solid" ? "danger solid" : variant,
    small ? "sm" : "", className ?? ""].join(" ");
  return (
    <button type="button" className={classes} disabled={disabled || busy} {...rest}>
      {busy && <span className="spinner" aria-hidden />}
      {children}
    </button>
  );
}

export function Field({ label, hint, children }: { label: string; hint?: ReactNode;
  children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <small className="hint">{hint}</small>}
    </label>
  );
}

export function Badge({ tone, children, title }: { tone?: "accent" | "ok" | "danger" | "warn" | "gold";
  children: ReactNode; title?: string }) {
  return <span className={`badge ${tone ?? ""}`} title={title}>{children}</span>;
}

export function Swatch({ color }: { color: string }) {
  return <span className="swatch" style={{ background: color }} />;
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd>{children}</kbd>;
}

export function Progress({ value, label }: { value: number | null; label?: string }) {
  const known = value !== null && Number.isFinite(value);
  return (
    <div className={`progress ${known ? "" : "indeterminate"}`} role="progressbar"
      aria-label={label} aria-valuenow={known ? Math.round(value * 100) : undefined}
      aria-valuemin={0} aria-valuemax={100}>
      <div style={known ? { width: `${Math.max(2, value * 100)}%` } : undefined} />
    </div>
  );
}

export function Spinner() {
  return <span className="spinner" role="status" aria-label="loading" />;
}

export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  return <div className="alert error" role="alert">{(error as Error).message ?? String(error)}</div>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** A confirmation dialog for destructive actions; while ``busy`` (the action on its way)
 * it cannot be cancelled. ``cancel``: its cancel button's name; ``primary``: the confirm
 * button is a step on (a form's), not the action; ``wide``: for a form. */
export function ConfirmDialog({ open, title, children, confirm, onConfirm, onCancel, busy, cancel = "Cancel",
  disabled, primary, wide }: {
  open: boolean; title: string; children: ReactNode; confirm: string;
  onConfirm: () => void; onCancel: () => void; busy?: boolean; cancel?: string;
  /** the confirm button is disabled (busy: it spins as well) */
  disabled?: boolean; primary?: boolean; wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal?.();
      // a field marked refused is where to look (not the first one, which opening focuses)
      dialog.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    }
    if (!open && dialog.open) dialog.close?.();
  }, [open]);
  return (
    <dialog ref={ref} className={wide ? "dialog wide" : "dialog"} onCancel={(e) => { e.preventDefault(); if (!busy) onCancel(); }}>
      <div className="dialog-body">
        <h2>{title}</h2>
        {children}
      </div>
      <div className="dialog-foot">
        <Button disabled={busy} onClick={onCancel}>{cancel}</Button>
        <Button variant={primary ? "primary" : "danger-solid"} busy={busy} disabled={disabled}
          onClick={onConfirm}>{confirm}</Button>
      </div>
    </dialog>
  );
}

interface Toast { id: number; text: string; tone: "error" | "info" }
const ToastContext = createContext<(text: string, tone?: Toast["tone"]) => void>(() => {});

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback((text: string, tone: Toast["tone"] = "error") => {
    const id = next.current++;
    setToasts((all) => [...all.slice(-3), { id, text, tone }]);
    window.setTimeout(() => dismiss(id), tone === "error" ? 8000 : 3000);
  }, [dismiss]);
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.tone}`} role={t.tone === "error" ? "alert" : "status"}>
            <span style={{ flex: 1 }}>{t.text}</span>
            <button aria-label="dismiss" onClick={() => dismiss(t.id)}>×</button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** Show a message to the user: errors stay 8 s, notes 3 s. */
export function useToast() {
  return useContext(ToastContext);
}

export const runTone = (status: string) =>
  status === "succeeded" ? "ok" : status === "failed" ? "danger"
    : status === "cancelled" ? undefined : "accent";
