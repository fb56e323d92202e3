/** Adds the text selected in a record to one of the project's lookup lists, as refinery's
 * labeling view does: select words, pick a list, Add. Owners only (they change lists).
 * Mount one per record (its selection belongs to it). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { get, patch } from "../api";
import { cleanTerm, useLookupLists } from "../lookupLists";
import type { LookupList } from "../types";
import { Button, useToast } from "../ui";

/** The text selected inside ``within`` as a term ("" when the selection is elsewhere). */
export function selectedText(within: HTMLElement | null): string {
  const selection = window.getSelection();
  if (!within || !selection || selection.rangeCount === 0 || selection.isCollapsed) return "";
  const range = selection.getRangeAt(0);
  return within.contains(range.commonAncestorContainer) ? cleanTerm(selection.toString()) : "";
}

export function AddToList({ projectId, children }: { projectId: number; children: ReactNode }) {
  const client = useQueryClient();
  const toast = useToast();
  const lists = useLookupLists(projectId, 60_000).data ?? [];   // names only: no refetch per record
  const area = useRef<HTMLDivElement>(null);
  const [text, setText] = useState("");
  const [chosen, setChosen] = useState<number | null>(null);
  const list = lists.find((l) => l.id === chosen) ?? lists[0];

  // the latest words selected in the record stay while the list is chosen (a click on the
  // list's menu may clear the page's selection)
  useEffect(() => {
    const follow = () => {
      const selected = selectedText(area.current);
      if (selected) setText(selected);
    };
    document.addEventListener("selectionchange", follow);
    return () => document.removeEventListener("selectionchange", follow);
  }, []);

  const add = useMutation({
    mutationFn: async () => {
      const url = `/projects/${projectId}/lookup-lists/${list!.id}`;
      const held = (await get<LookupList>(url)).terms.includes(text);
      return { held, changed: await patch<LookupList>(url, { add: [text] }) };
    },
    onSuccess: ({ held, changed }) => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "lookup-lists"] });
      toast(held ? `“${text}” is in ${changed.name} already`
        : `Added “${text}” to ${changed.name} (version ${changed.version})`, "info");
      setText("");
    },
    onError: (error) => toast((error as Error).message),
  });

  return (
    <div className="stack">
      <div ref={area}>{children}</div>
      {lists.length > 0 && (
        <div className="row small" role="group" aria-label="add to a lookup list">
          {text ? <>
            <span>Add <b className="mono">“{text.length > 60 ? `${text.slice(0, 60)}…` : text}”</b> to</span>
            <select className="select" aria-label="Lookup list" value={list?.id}
              onChange={(e) => setChosen(Number(e.target.value))}>
              {lists.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </select>
            <Button small busy={add.isPending} disabled={text.length > 500}
              onMouseDown={(e) => e.preventDefault()} onClick={() => add.mutate()}>Add</Button>
          </> : <span className="faint">Select words of the text to add them to a lookup list.</span>}
        </div>
      )}
    </div>
  );
}
