/** Whether the comments panel is open while labeling, remembered per project and user in
 * the browser (localStorage); closed until the user first opens it. */
import { useCallback, useState } from "react";

export const commentsPanelKey = (projectId: number, user: string) => `heurist.comments.${projectId}.${user}`;

function read(key: string): boolean {
  try {
    return localStorage.getItem(key) === "open";
  } catch {
    return false;
  }
}

export function useCommentsPanel(projectId: number, user: string | undefined): {
  open: boolean; setOpen: (open: boolean) => void;
} {
  const key = user ? commentsPanelKey(projectId, user) : "";
  const [state, setState] = useState(() => ({ key, open: key ? read(key) : false }));
  let current = state;
  if (state.key !== key) {   // the user is known now, or another one
    current = { key, open: key ? read(key) : false };
    setState(current);
  }
  const setOpen = useCallback((open: boolean) => {
    setState((s) => ({ ...s, open }));
    try {
      if (key) localStorage.setItem(key, open ? "open" : "closed");
    } catch {
      // storage refused: remembered for this page only
    }
  }, [key]);
  return { open: current.open, setOpen };
}
