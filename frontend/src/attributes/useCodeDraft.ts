/** Code typed in an editor over the code saved (or a new attribute's starter), kept as a
 * draft for the tab's session (heuristics/drafts.ts) until it is saved or discarded. */
import { useEffect, useRef, useState } from "react";
import { type Draft, dropDraft, readDraft, writeDraft } from "../heuristics/drafts";
import { useLeaveWarning } from "../hooks";

export interface CodeDraft {
  source: string;
  setSource: (source: string) => void;
  /** The code shown differs from the code saved. */
  dirty: boolean;
  /** The draft found when the editor opened, while its code is shown unsaved. */
  restored: Draft | null;
  /** Show the saved code again. */
  discard: () => void;
  /** Forget the draft (its code was saved under another name, e.g. a new attribute's). */
  drop: () => void;
}

/** ``saved``: the code the editor shows unless something else was typed. A new ``saved``
 * (one's own save, or someone else's) is shown unless other code was typed meanwhile.
 * ``keep``: whether the user may save, hence whether drafts are kept and leaving asks first. */
export function useCodeDraft(projectId: number, draftId: string, saved: string,
  keep: boolean): CodeDraft {
  const [restored, setRestored] = useState(() => (keep ? readDraft(projectId, draftId) : null));
  const [source, setSource] = useState(restored?.source ?? saved);
  const dirty = source !== saved;

  const shownSaved = useRef(saved);
  useEffect(() => {
    const before = shownSaved.current;
    shownSaved.current = saved;
    setSource((typed) => (typed === before ? saved : typed));
  }, [saved]);

  useEffect(() => {
    if (!keep) return;
    if (dirty) {
      writeDraft(projectId, draftId, { source, savedAt: new Date().toISOString() });
    } else {
      dropDraft(projectId, draftId);
      setRestored(null);
    }
  }, [keep, dirty, source, projectId, draftId]);

  useLeaveWarning(keep && dirty);

  return {
    source, setSource, dirty, restored,
    discard: () => { setSource(saved); setRestored(null); },
    drop: () => dropDraft(projectId, draftId),
  };
}
