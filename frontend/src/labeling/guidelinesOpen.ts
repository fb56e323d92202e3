/** Whether a task's guidelines panel is open while labeling, remembered per task and user
 * in the browser (localStorage), with which guidelines were shown then. */
import { useEffect, useState } from "react";

/** A short fingerprint of a text (FNV-1a, and its length): guidelines changed or not. */
export function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${(hash >>> 0).toString(16)}.${text.length}`;
}

/** What the browser remembers of a task's guidelines panel: open or closed, and which
 * guidelines were shown then. */
export interface PanelMemory { open: boolean; seen: string }

export const panelKey = (projectId: number, taskId: number, user: string) =>
  `heurist.guidelines.${projectId}.${taskId}.${user}`;

export function readPanel(key: string): PanelMemory | null {
  try {
    const stored = JSON.parse(localStorage.getItem(key) ?? "null") as PanelMemory | null;
    return stored && typeof stored.open === "boolean" && typeof stored.seen === "string" ? stored : null;
  } catch {
    return null;
  }
}

function writePanel(key: string, memory: PanelMemory): void {
  try {
    localStorage.setItem(key, JSON.stringify(memory));
  } catch {
    // storage refused: the panel is remembered for this page only
  }
}

interface PanelState { key: string; seen: string; open: boolean; updated: boolean }

/** Open the first time the user labels a task with guidelines, and again (marked updated)
 * when they changed since the user closed them; otherwise as the user left it. */
function initial(key: string, seen: string): PanelState {
  const stored = readPanel(key);
  if (!stored) return { key, seen, open: true, updated: false };
  if (stored.seen !== seen) return { key, seen, open: true, updated: true };
  return { key, seen, open: stored.open, updated: false };
}

/** The guidelines panel of a task for a user (none before the user is known: nothing is
 * stored then). ``shown``: the task has guidelines, so there is a panel at all. */
export function useGuidelinesPanel(projectId: number, taskId: number, guidelines: string,
  user: string | undefined): { shown: boolean; open: boolean; updated: boolean; toggle: () => void } {
  const key = user ? panelKey(projectId, taskId, user) : "";
  const seen = fingerprint(guidelines);
  const [state, setState] = useState<PanelState>(() => initial(key, seen));
  let current = state;
  if (state.key !== key || state.seen !== seen) {
    current = initial(key, seen);   // another task or user, or the guidelines changed
    setState(current);
  }
  const shown = guidelines.trim() !== "";
  useEffect(() => {
    if (key && shown) writePanel(key, { open: current.open, seen: current.seen });
  }, [key, shown, current.open, current.seen]);
  return {
    shown, open: shown && key !== "" && current.open, updated: current.updated,
    toggle: () => setState((s) => ({ ...s, open: !s.open, updated: false })),
  };
}
