/** Unsaved code (a heuristic's, a computed attribute's), kept for the browser tab's session
 * (as the API key is), so that leaving the editor or reloading the page does not lose what
 * was typed. A draft is named by its project and an id: a heuristic's id, or another
 * editor's name such as ``attribute-5``. */

export interface Draft {
  source: string;
  /** A heuristic's: the revision the edits started from. */
  revision?: number;
  savedAt: string;
}

const key = (projectId: number, id: number | string) => `heurist.draft.${projectId}.${id}`;

export function readDraft(projectId: number, id: number | string): Draft | null {
  try {
    const stored = sessionStorage.getItem(key(projectId, id));
    const draft = stored ? (JSON.parse(stored) as Draft) : null;
    return draft && typeof draft.source === "string" ? draft : null;
  } catch {
    return null;
  }
}

export function writeDraft(projectId: number, id: number | string, draft: Draft): void {
  try {
    sessionStorage.setItem(key(projectId, id), JSON.stringify(draft));
  } catch {
    // storage full or refused: the draft lives in the editor only, as before
  }
}

export function dropDraft(projectId: number, id: number | string): void {
  sessionStorage.removeItem(key(projectId, id));
}
