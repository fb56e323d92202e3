/** Heurist's components: small, consistent, keyboard-friendly. */
import {
  createContext, useCallback, useContext, useEffect, useId, useRef, useState,
  type ButtonHTMLAttributes, type FocusEvent, type KeyboardEvent, type ReactNode,
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

/** An action of a ``MenuButton``'s menu. */
export interface MenuAction {
  label: string; onSelect: () => void;
  /** destructive: shown in the danger colour */
  danger?: boolean;
}

/** A button that opens a menu of actions (WAI-ARIA's menu button). Enter, Space or ArrowDown
 * open it on its first action, ArrowUp on its last; the arrows, Home and End move in it;
 * Escape closes it, focus back on the button; Tab or a click elsewhere closes it. Choosing
 * an action puts focus back on the button first (a dialog it opens gives it back there). */
export function MenuButton({ label, actions, disabled, title }: {
  label: string; actions: MenuAction[]; disabled?: boolean; title?: string;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [focused, setFocused] = useState(0);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
  useEffect(() => { if (open) items()[focused]?.focus(); }, [open, focused]);
  useEffect(() => { if (disabled || !actions.length) setOpen(false); }, [disabled, actions.length]);

  const show = (at: number) => {
    setFocused(Math.max(0, Math.min(at, actions.length - 1)));
    setOpen(true);
  };
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onMenuKey = (event: KeyboardEvent) => {
    const last = actions.length - 1;
    const at = { ArrowDown: focused === last ? 0 : focused + 1, ArrowUp: focused === 0 ? last : focused - 1,
      Home: 0, End: last }[event.key];
    if (at !== undefined) {
      event.preventDefault();
      setFocused(at);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "Tab") {
      setOpen(false);
    }
  };
  // focus leaving the button and its menu closes it
  const onBlur = (event: FocusEvent) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOpen(false);
  };

  return (
    <div className="menu-wrap" onBlur={onBlur}>
      <button ref={button} type="button" className="btn secondary" id={`${id}-button`} aria-haspopup="menu"
        aria-expanded={open} aria-controls={open ? `${id}-menu` : undefined} disabled={disabled || !actions.length}
        title={title} onClick={() => (open ? setOpen(false) : show(0))}
        onKeyDown={(event) => {
          if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
          event.preventDefault();
          show(event.key === "ArrowDown" ? 0 : actions.length - 1);
        }}>
        {label}<span className="caret" aria-hidden>▾</span>
      </button>
      {open && (
        <div ref={menu} className="menu" role="menu" id={`${id}-menu`} aria-labelledby={`${id}-button`} onKeyDown={onMenuKey}>
          {actions.map((action, i) => (
            <button key={action.label} type="button" role="menuitem" tabIndex={i === focused ? 0 : -1}
              className={action.danger ? "menu-item danger" : "menu-item"} onFocus={() => setFocused(i)}
              onClick={() => { close(); action.onSelect(); }}>
              {action.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** What was typed was overtaken by someone else's save (told as it happened, or by the
 * server refusing the save): it is kept until the user loads their version (what was typed
 * discarded) or keeps their own changes on it (saved over theirs next). ``title`` says what
 * happened, ``children`` the details; ``theirs``: their version is known here (keeping one's
 * changes on it needs it). One notice for every editor that saves over a revision. */
export function EditConflict({ label, title, children, theirs, keepTitle, onLoadTheirs, onKeepMine }: {
  label: string; title: string; children: ReactNode; theirs: boolean; keepTitle?: string;
  onLoadTheirs: () => void; onKeepMine: () => void;
}) {
  return (
    <div className="alert error stack edit-conflict" role="alert" aria-label={label}>
      <div><b>{title}</b>{children}</div>
      <div className="row">
        <Button small onClick={onLoadTheirs}>Load their version</Button>
        <Button small disabled={!theirs} onClick={onKeepMine}
          title={theirs ? keepTitle : "their version is being read"}>Keep my changes on their version</Button>
      </div>
    </div>
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
