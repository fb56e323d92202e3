/** Keyboard of the labeling view: label hotkeys (a label's own, else 1..9 by position),
 * next/previous, undo, nothing to mark, gold, the guidelines, the comment box (C, unless a
 * label's own hotkey is C). */
import type { Label } from "../types";

export type KeyAction =
  | { type: "label"; label: Label }
  | { type: "next" } | { type: "previous" } | { type: "undo" }
  | { type: "nothing" } | { type: "gold" } | { type: "guidelines" } | { type: "comment" };

export interface KeyLike {
  key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean;
  target?: EventTarget | null;
}

/** Each label's hotkey: its own if set, else the first free digit 1..9 in label order. */
export function labelHotkeys(labels: Label[]): Map<string, Label> {
  const keys = new Map<string, Label>();
  for (const label of labels) {
    if (label.hotkey) keys.set(label.hotkey.toLowerCase(), label);
  }
  let digit = 1;
  for (const label of labels) {
    if (label.hotkey) continue;
    while (digit <= 9 && keys.has(String(digit))) digit++;
    if (digit > 9) break;
    keys.set(String(digit), label);
  }
  return keys;
}

export function hotkeyOf(keys: Map<string, Label>, label: Label): string | undefined {
  for (const [key, l] of keys) if (l.id === label.id) return key;
  return undefined;
}

/** Whether a key goes to a field being typed in (no shortcut then). */
export function typing(target: EventTarget | null | undefined): boolean {
  const element = target as HTMLElement | null;
  if (!element || !element.tagName) return false;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName) || element.isContentEditable;
}

/** What a key press does, or null (typing in a field, or an unbound key). */
export function keyAction(event: KeyLike, keys: Map<string, Label>): KeyAction | null {
  if (typing(event.target)) return null;
  const command = event.ctrlKey || event.metaKey;
  if (command && !event.altKey && event.key.toLowerCase() === "z") return { type: "undo" };
  if (command || event.altKey) return null;
  switch (event.key) {
    case "ArrowRight": return { type: "next" };
    case "ArrowLeft": return { type: "previous" };
    case "Enter": return { type: "nothing" };
  }
  const label = keys.get(event.key.toLowerCase());
  if (label) return { type: "label", label };
  if (event.key === "u") return { type: "undo" };
  if (event.key === "g") return { type: "gold" };
  if (event.key === "?") return { type: "guidelines" };
  if (event.key === "c") return { type: "comment" };
  return null;
}
