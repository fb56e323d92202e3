/** Code typed in an editor over the code saved (a heuristic's revision, a computed
 * attribute's code, a new attribute's starter), kept as a draft for the tab's session
 * (drafts.ts) until it is saved or discarded. One rule for every code editor. */
import { useEffect, useRef, useState } from "react";
import { type Draft, dropDraft, readDraft, writeDraft } from "./drafts";
import { useLeaveWarning } from "../hooks";

export interface CodeDraft {
  source: string;
  setSource: (source: string) => void;
  /** The code shown differs from the code saved. */
  dirty: boolean;
  /** The draft found when the editor opened, while its code is shown unsaved. */
  restored: Draft | null;
  /** The revision saved by someone else while unsaved code was shown (it is kept). */
  newer: number | null;
  /** The revision the code shown was edited from (what a save that refuses to overwrite
   * someone else's sends). */
  base: number | undefined;
  /** Show the saved code again. */
  discard: () => void;
  /** Forget the draft (its code was saved under another name, e.g. a new attribute's). */
  drop: () => void;
  /** Say that this code is being saved: its revision, when it comes, is one's own. */
  saving: (source: string) => void;
  /** Keep the code typed, edited now from the revision saved (someone else's): the next save
   * replaces it. */
  rebase: () => void;
}

/** ``saved``: the code the editor shows unless something else was typed; ``revision``: its
 * number, where saved code has revisions (a draft remembers the one it was edited from). A
 * new ``saved`` (one's own save, or someone else's) is shown unless other code was typed
 * meanwhile; then the typed code stays and ``newer`` names the revision. ``keep``: whether
 * the user may save, hence whether drafts are kept and leaving asks first. */
export function useCodeDraft(projectId: number, draftId: number | string, saved: string,
  keep: boolean, revision?: number): CodeDraft {
  const [restored, setRestored] = useState(() => (keep ? readDraft(projectId, draftId) : null));
  const [source, setSource] = useState(restored?.source ?? saved);
  const [newer, setNewer] = useState<number | null>(null);
  const dirty = source !== saved;

  const typed = useRef(source);
  typed.current = source;
  const shownSaved = useRef(saved);
  const sentToSave = useRef<string | null>(null);
  /** The revision the unsaved code was edited from. */
  const [base, setBase] = useState(restored?.revision ?? revision);
  useEffect(() => {
    const before = shownSaved.current;
    if (before === saved) {
      // a new revision of the same code: what is shown is of it
      if (typed.current === saved) setBase(revision);
      return;
    }
    shownSaved.current = saved;
    if (typed.current === before || typed.current === saved) {
      setSource(saved);
      setBase(revision);
    } else if (saved === sentToSave.current) {
      setBase(revision);   // one's own save, typed on since
    } else if (revision !== undefined) {
      setNewer(revision);
    }
  }, [saved, revision]);

  useEffect(() => {
    if (!keep) return;
    if (dirty) {
      writeDraft(projectId, draftId, { source, revision: base, savedAt: new Date().toISOString() });
    } else {
      dropDraft(projectId, draftId);
      setRestored(null);
      setNewer(null);
    }
  }, [keep, dirty, source, base, projectId, draftId]);

  useLeaveWarning(keep && dirty);

  return {
    source, setSource, dirty, restored, newer, base,
    discard: () => {
      setSource(saved);
      setBase(revision);
      setNewer(null);
      setRestored(null);
    },
    drop: () => dropDraft(projectId, draftId),
    saving: (code) => { sentToSave.current = code; },
    rebase: () => {
      setBase(revision);
      setNewer(null);
      setRestored(null);
    },
  };
}
