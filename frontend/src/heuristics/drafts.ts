/** Unsaved heuristic code, kept for the browser tab's session (as the API key is), so that
 * leaving the editor or reloading the page does not lose what was typed. */

export interface Draft {
  source: string;
  /** The revision the edits started from. */
  revision: number;
  savedAt: string;
}

const key = (projectId: number, heuristicId: number) => `heurist.draft.${projectId}.${heuristicId}`;

export function readDraft(projectId: number, heuristicId: number): Draft | null {
  try {
    const stored = sessionStorage.getItem(key(projectId, heuristicId));
    const draft = stored ? (JSON.parse(stored) as Draft) : null;
    return draft && typeof draft.source === "string" ? draft : null;
  } catch {
    return null;
  }
}

export function writeDraft(projectId: number, heuristicId: number, draft: Draft): void {
  try {
    sessionStorage.setItem(key(projectId, heuristicId), JSON.stringify(draft));
  } catch {
    // storage full or refused: the draft lives in the editor only, as before
  }
}

export function dropDraft(projectId: number, heuristicId: number): void {
  sessionStorage.removeItem(key(projectId, heuristicId));
}
