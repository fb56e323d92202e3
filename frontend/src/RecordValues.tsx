/** The pieces of the forms that edit records' values (one record's, EditRecord; many records'
 * at once, SetValues): an attribute's input by its type, and the manual spans an edit drops. */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { CategoryInput } from "./attributes/ValueChoices";
import type { EditOutcome, Values } from "./recordEditing";
import type { Attribute } from "./types";
import { Badge } from "./ui";
import { GrowingTextarea } from "./ui/GrowingTextarea";

/** A form's typed values (by attribute name), and its number inputs that hold what is not a
 * number (refused before anything is sent). */
export function useTypedValues(initial: () => Values) {
  const [values, setValues] = useState<Values>(initial);
  const [notNumbers, setNotNumbers] = useState<ReadonlySet<string>>(new Set());
  /** ``name`` is typed ``value``; ``notNumber``: its number input holds what is not a number */
  const set = useCallback((name: string, value: string, notNumber = false) => {
    setValues((all) => ({ ...all, [name]: value }));
    setNotNumbers((all) => {
      if (all.has(name) === notNumber) return all;
      const next = new Set(all);
      if (notNumber) next.add(name);
      else next.delete(name);
      return next;
    });
  }, []);
  return { values, setValues, notNumbers, setNotNumbers, set };
}

/** The message of a number input that holds what is not a number. */
export const NOT_A_NUMBER = "Not a number: type one, or empty the field to clear the value.";

/** An attribute's input, for its type (text: a growing textarea; category: a text input,
 * with the values of project ``valuesOf`` to choose from when given; integer, float: a number;
 * boolean: true, false or ``empty``); its error (a refused value) under it, then ``children``.
 * ``onChange`` gets whether a number input holds what is not a number (the browser reports it
 * empty). */
export function ValueField({ attribute, value, changed, error, focus, disabled, onChange, valuesOf, placeholder,
  empty = "(empty)", children }: {
  attribute: Attribute; value: string; changed?: boolean; error: string | null; focus: boolean;
  disabled: boolean; onChange: (name: string, value: string, notNumber?: boolean) => void;
  valuesOf?: number; placeholder?: string; empty?: string; children?: ReactNode;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement & HTMLTextAreaElement & HTMLSelectElement>(null);
  useEffect(() => { if (focus) input.current?.focus(); }, [focus]);
  const { name, data_type: type } = attribute;
  const common = {
    id, ref: input, readOnly: disabled, placeholder, "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
  };
  return (
    <>
      <div className="edit-label">
        <label htmlFor={id}>{name}</label>
        <span className="faint small">{type}</span>
        {changed && <Badge tone="accent">changed</Badge>}
      </div>
      <div className="edit-value">
        {type === "text" ? <GrowingTextarea {...common} value={value} onChange={(text) => onChange(name, text)} />
          : type === "boolean" ? (
            <select id={id} ref={input} aria-invalid={common["aria-invalid"]} aria-describedby={common["aria-describedby"]}
              className="select" value={value} disabled={disabled}
              onChange={(e) => onChange(name, e.target.value)}>
              <option value="">{empty}</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : type === "integer" || type === "float" ? (
            <input {...common} className="input" type="number" step={type === "integer" ? 1 : "any"}
              inputMode={type === "integer" ? "numeric" : "decimal"} value={value}
              onChange={(e) => onChange(name, e.target.value, e.target.validity?.badInput ?? false)} />
          ) : type === "category" && valuesOf !== undefined ? (
            <CategoryInput projectId={valuesOf} attribute={attribute} value={value} onChange={(text) => onChange(name, text)}
              id={id} inputRef={input} readOnly={disabled} placeholder={placeholder} invalid={Boolean(error)}
              describedBy={common["aria-describedby"]} />
          ) : <input {...common} className="input" type="text" value={value} onChange={(e) => onChange(name, e.target.value)} />}
        {error && <div id={`${id}-error`} className="field-error" role="alert">{error}</div>}
        {children}
      </div>
    </>
  );
}

/** The manual spans an edit deletes (the text they covered changes): a table of those the
 * server lists (at most 100), and how many more. */
export function DroppedSpans({ outcome }: { outcome: EditOutcome }) {
  const more = outcome.spans_dropped - outcome.dropped_spans.length;
  return <>
    <table className="table dropped-spans" aria-label="dropped spans">
      <thead><tr><th>Task</th><th>Label</th><th>Text</th><th>Annotator</th></tr></thead>
      <tbody>
        {outcome.dropped_spans.map((span, i) => (
          <tr key={i}>
            <td>{span.task}</td><td><b>{span.label}</b></td><td>“{span.text}”</td>
            <td className="nowrap">{span.annotator}{span.is_gold && <> <Badge tone="gold">gold</Badge></>}</td>
          </tr>
        ))}
      </tbody>
    </table>
    {more > 0 && <p className="small muted">…and {more.toLocaleString()} more.</p>}
  </>;
}
