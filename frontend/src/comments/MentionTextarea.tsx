/** A comment's textarea that completes mentions: ``@`` and the first letters of a member's
 * name list the project's members whose names start so (at most 8, case aside); the arrows
 * move in the list, Enter or Tab put ``@name `` in place of what was typed, Escape closes the
 * list (only the list: the next Escape is the box's own), a click on a name takes it. The
 * textarea keeps its role (a text box) and says the list is there (aria-expanded,
 * aria-controls, aria-activedescendant). */
import { useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type Ref,
  type TextareaHTMLAttributes } from "react";
import { useMe, useMembers } from "../hooks";
import type { Role } from "../types";
import { GrowingTextarea } from "../ui/GrowingTextarea";
import { matchingNames, mentionFragment } from "./mentions";

/** How many members the list shows at most. */
export const MENTION_CHOICES = 8;

type Props = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange"> & {
  projectId: number; value: string; onChange: (value: string) => void; ref?: Ref<HTMLTextAreaElement>;
};

export function MentionTextarea({ projectId, value, onChange, ref, onKeyDown, onBlur, onSelect, ...rest }: Props) {
  const listId = `${useId()}-mentions`;
  const members = useMembers(projectId).data;
  const me = useMe().data?.name;
  const area = useRef<HTMLTextAreaElement | null>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  /** where the ``@`` of a list closed with Escape is (it stays closed for that mention) */
  const [dismissed, setDismissed] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);
  /** the caret's place once an inserted name is in the box */
  const place = useRef<number | null>(null);
  const [below, setBelow] = useState(true);

  const roles = useMemo(() => new Map<string, Role>((members ?? []).map((m) => [m.user, m.role])), [members]);
  const names = useMemo(() => [...roles.keys()].filter((name) => name !== me), [roles, me]);
  const fragment = focused && caret !== null && !rest.readOnly ? mentionFragment(value, caret) : null;
  const choices = fragment ? matchingNames(names, fragment.query, MENTION_CHOICES) : [];
  const shown = fragment !== null && choices.length > 0 && fragment.start !== dismissed;
  const current = Math.min(active, Math.max(0, choices.length - 1));
  const query = fragment?.query;

  // a new fragment: the first name is marked again
  useLayoutEffect(() => setActive(0), [query]);
  // the list opens below the box where there is room for it, else above it
  useLayoutEffect(() => {
    if (!shown || !area.current) return;
    const box = area.current.getBoundingClientRect();
    setBelow(window.innerHeight - box.bottom >= 240 || box.top < 240);
  }, [shown]);
  useLayoutEffect(() => {
    if (place.current === null || !area.current) return;
    area.current.setSelectionRange(place.current, place.current);
    setCaret(place.current);
    place.current = null;
  }, [value]);

  const readCaret = () => setCaret(area.current?.selectionStart ?? null);
  const take = (name: string) => {
    if (!fragment || caret === null) return;
    const inserted = `@${name} `;
    // the rest of a word the caret is in goes with what was typed ("@bo|b" takes "@bob", once)
    const after = value.slice(caret).replace(/^[\p{L}\p{N}_]+/u, "");
    place.current = fragment.start + inserted.length;
    onChange(value.slice(0, fragment.start) + inserted + (after.startsWith(" ") ? after.slice(1) : after));
  };
  const keys = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (shown && !event.nativeEvent.isComposing) {
      const plain = !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey;
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && plain) {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((current + step + choices.length) % choices.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && plain) {
        event.preventDefault();
        take(choices[current]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();   // the list closes; the box (and what is around it) stays
        event.stopPropagation();
        setDismissed(fragment.start);
        return;
      }
    }
    onKeyDown?.(event);
  };

  return (
    <div className="mention-wrap">
      <GrowingTextarea {...rest} value={value}
        ref={(node) => {
          area.current = node;
          if (typeof ref === "function") ref(node);
          else if (ref) (ref as { current: HTMLTextAreaElement | null }).current = node;
        }}
        aria-autocomplete="list" aria-haspopup="listbox" aria-expanded={shown}
        aria-controls={shown ? listId : undefined}
        aria-activedescendant={shown ? `${listId}-${current}` : undefined}
        onChange={(next) => {
          const at = area.current?.selectionStart ?? next.length;
          const started = mentionFragment(next, at)?.start ?? null;
          if (started !== dismissed) setDismissed(null);
          setCaret(at);
          onChange(next);
        }}
        onSelect={(event) => { readCaret(); onSelect?.(event); }}
        onFocus={(event) => { setFocused(true); readCaret(); rest.onFocus?.(event); }}
        onBlur={(event) => { setFocused(false); onBlur?.(event); }}
        onKeyDown={keys} />
      {shown && (
        <ul className={`mention-pop ${below ? "below" : "above"}`} role="listbox" id={listId}
          aria-label="Members to mention">
          {choices.map((name, i) => (
            <li key={name} id={`${listId}-${i}`} role="option" aria-selected={i === current}
              className={i === current ? "active" : undefined}
              onMouseDown={(event) => event.preventDefault()} onMouseEnter={() => setActive(i)}
              onClick={() => take(name)}>
              <span className="mention-name">@{name}</span>
              {roles.get(name) && <>{" "}<span className="mention-role">{roles.get(name)}</span></>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
