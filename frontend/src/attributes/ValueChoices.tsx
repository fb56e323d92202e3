/** A category's value typed or chosen from the project's values (``GET .../attributes/{id}/values``),
 * each with how many records hold it: the filter bar's condition on a category and the form
 * that sets many records' values use it. What is typed narrows the list (asked of the server
 * when the list it gave is not every value); a value no record has can be typed all the same. */
import { useEffect, useId, useState, type CSSProperties, type KeyboardEvent, type Ref } from "react";
import { useAttributeValues } from "../hooks";
import type { Attribute, ValueCount } from "../types";

/** How long typing pauses before the server is asked for the values containing it. */
export const VALUES_SEARCH_DELAY_MS = 250;
/** The longest text the server looks for among the values. */
const SEARCH_MAX = 200;

/** ``value`` once it has stayed the same for ``delay`` ms. */
function useSettled<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

const contains = (value: ValueCount, text: string) =>
  String(value.value).toLowerCase().includes(text.trim().toLowerCase());

export interface ValueChoices {
  /** the values to choose from, the most frequent first */
  values: ValueCount[];
  /** what the list leaves out, in words ("the 100 most frequent of 2,345 values: type to narrow"), or null */
  more: string | null;
  loading: boolean;
}

/** The values of ``attribute`` to offer while ``typed`` is typed: every one (the most frequent
 * first) until what is typed is not one of them; then those containing it, from the list at
 * hand when it is complete, else from the server once typing pauses. */
export function useValueChoices(projectId: number, attribute: Attribute, typed: string,
  { enabled = true }: { enabled?: boolean } = {}): ValueChoices {
  const all = useAttributeValues(projectId, attribute.id, { enabled });
  const known = all.data?.values ?? [];
  const narrowing = typed.trim() !== "" && !known.some((v) => String(v.value) === typed);
  const search = useSettled(narrowing ? typed.trim().slice(0, SEARCH_MAX) : "", VALUES_SEARCH_DELAY_MS);
  const asked = enabled && all.data !== undefined && !all.data.complete && search !== "";
  const found = useAttributeValues(projectId, attribute.id, { search, enabled: asked });
  if (!all.data) return { values: [], more: null, loading: all.isPending && enabled };
  if (!narrowing) {
    const { values, distinct } = all.data;
    return { values, loading: false,
      more: all.data.complete ? null : `the ${values.length.toLocaleString()} most frequent of ${distinct.toLocaleString()} values: type to narrow` };
  }
  if (all.data.complete || !found.data) {
    return { values: known.filter((v) => contains(v, typed)), more: null, loading: asked && found.isFetching };
  }
  const values = found.data.values.filter((v) => contains(v, typed));
  return { values, loading: found.isFetching,
    more: found.data.complete ? null : `${values.length.toLocaleString()} of ${found.data.distinct.toLocaleString()} values containing it` };
}

/** A value with the number of records holding it: "train (1,586)". */
export const withCount = (value: ValueCount) => `${String(value.value)} (${value.count.toLocaleString()})`;

/** A text input for a category's value with the project's values to choose from (a combobox:
 * a click, typing or ArrowDown opens the list; the arrows move in it, Enter takes the value
 * marked, Escape closes the list). Focus alone does not open it (a dialog opening on it). */
export function CategoryInput({ projectId, attribute, value, onChange, inputRef, id, label, className = "input",
  style, readOnly, placeholder, invalid, describedBy }: {
  projectId: number; attribute: Attribute; value: string; onChange: (value: string) => void;
  inputRef?: Ref<HTMLInputElement>; id?: string; label?: string; className?: string;
  style?: CSSProperties; readOnly?: boolean; placeholder?: string; invalid?: boolean; describedBy?: string;
}) {
  const listId = `${useId()}-values`;
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const choices = useValueChoices(projectId, attribute, value);
  const { values } = choices;
  const shown = open && !readOnly && (values.length > 0 || choices.loading || choices.more !== null
    || value.trim() !== "");
  useEffect(() => setActive(-1), [value, values.length]);

  const choose = (choice: ValueCount) => {
    onChange(String(choice.value));
    setOpen(false);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (readOnly) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { setOpen(true); return; }
      if (!values.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((at) => (at < 0 && step < 0 ? values.length - 1 : (at + step + values.length) % values.length));
    } else if (event.key === "Enter" && shown && active >= 0 && values[active]) {
      event.preventDefault();
      choose(values[active]);
    } else if (event.key === "Escape" && shown) {
      event.preventDefault();   // the list closes, not the dialog around it
      event.stopPropagation();
      setOpen(false);
    } else if (event.key === "Tab") {
      setOpen(false);
    }
  };

  return (
    <div className="combo">
      <input id={id} ref={inputRef} className={className} style={style} type="text" value={value}
        role="combobox" aria-label={label} aria-autocomplete="list" aria-expanded={shown}
        aria-controls={shown ? listId : undefined} aria-activedescendant={shown && active >= 0 ? `${listId}-${active}` : undefined}
        aria-invalid={invalid || undefined} aria-describedby={describedBy} autoComplete="off"
        readOnly={readOnly} placeholder={placeholder}
        onChange={(e) => { onChange(e.target.value); setOpen(true); }}
        onClick={() => setOpen(true)} onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown} />
      {shown && (
        <div className="combo-pop">
          <ul role="listbox" id={listId} aria-label={`values of ${attribute.name}`}>
            {values.map((choice, i) => (
              <li key={String(choice.value)} id={`${listId}-${i}`} role="option" aria-selected={i === active}
                className={i === active ? "active" : undefined}
                onMouseDown={(e) => e.preventDefault()} onClick={() => choose(choice)}>
                <span className="combo-value">{String(choice.value)}</span>{" "}
                <span className="combo-count">({choice.count.toLocaleString()})</span>
              </li>
            ))}
          </ul>
          {choices.loading && !values.length && <div className="combo-note">looking for values…</div>}
          {!choices.loading && !values.length && value.trim() !== "" && (
            <div className="combo-note">No record has a value like this yet.</div>
          )}
          {choices.more && <div className="combo-note">{choices.more}</div>}
        </div>
      )}
    </div>
  );
}
