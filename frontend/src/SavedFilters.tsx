/** A project's saved filters: load one into the filter bar, save the current filter under a
 * name, delete one. A refused save keeps the name typed and says why. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { del, get, post } from "./api";
import {
  apiConditions, isCondition, NO_FILTERS, sameFilters, withoutNulls, type Condition, type Filters,
} from "./filters";
import type { Page } from "./types";
import { Button, ConfirmDialog, ErrorAlert } from "./ui";

export interface SavedFilter {
  id: number; name: string; filter: { conditions: Record<string, unknown>[] }; sort: string;
  seed: number; created_by: string | null; updated_at: string;
}

/** The filter bar's state of a saved filter: its search condition becomes the search text. */
export function filtersOfSaved(saved: SavedFilter): Filters {
  const all = withoutNulls(saved.filter.conditions);
  const search = all.find((c) => c.kind === "search");
  const conditions = all.filter(isCondition) as Condition[];
  return {
    ...NO_FILTERS, conditions, sort: saved.sort || "id", seed: saved.seed,
    search: typeof search?.text === "string" ? search.text : "",
    searchAttribute: typeof search?.attribute === "string" ? search.attribute : "",
  };
}

/** The body that saves ``filters`` as ``name``. */
export function savedFilterBody(name: string, filters: Filters) {
  return { name: name.trim(), filter: { conditions: apiConditions(filters) }, sort: filters.sort || "id",
    seed: filters.seed };
}

export function SavedFilters({ projectId, filters, onLoad, canSave }: {
  projectId: number; filters: Filters; onLoad: (filters: Filters) => void; canSave: boolean;
}) {
  const client = useQueryClient();
  const key = ["projects", projectId, "filters"];
  const saved = useQuery({ queryKey: key,
    queryFn: () => get<Page<SavedFilter>>(`/projects/${projectId}/filters`).then((p) => p.data) });
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const [confirming, setConfirming] = useState(false);
  const save = useMutation({
    mutationFn: () => post<SavedFilter>(`/projects/${projectId}/filters`, savedFilterBody(name, filters)),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: key });
      setNaming(false);
      setName("");
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => del(`/projects/${projectId}/filters/${id}`),
    onSuccess: () => { void client.invalidateQueries({ queryKey: key }); setConfirming(false); },
  });
  // the saved filter the list shows now, if any
  const current = saved.data?.find((s) => sameFilters(filtersOfSaved(s), filters)) ?? null;

  return (
    <>
      <select className="select" aria-label="Saved filters" value={current?.id ?? ""}
        onChange={(e) => {
          const found = saved.data?.find((s) => String(s.id) === e.target.value);
          if (found) onLoad(filtersOfSaved(found));
        }}>
        <option value="">{saved.isLoading ? "saved filters…" : `saved filters (${saved.data?.length ?? 0})`}</option>
        {saved.data?.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
      </select>
      {current && canSave && (
        <Button small variant="ghost" aria-label="Delete saved filter" title={`Delete “${current.name}”`}
          onClick={() => setConfirming(true)}>Delete</Button>
      )}
      {canSave && !naming && <Button small variant="ghost" onClick={() => setNaming(true)}>Save filter…</Button>}
      {naming && (
        <form className="row" onSubmit={(e) => { e.preventDefault(); if (name.trim()) save.mutate(); }}>
          <input className="input" style={{ width: 160 }} aria-label="Filter name" placeholder="name of this filter"
            autoFocus value={name} onChange={(e) => setName(e.target.value)} />
          <Button small variant="primary" type="submit" busy={save.isPending} disabled={!name.trim()}>Save</Button>
          <Button small variant="ghost" onClick={() => { setNaming(false); save.reset(); }}>Cancel</Button>
        </form>
      )}
      <ErrorAlert error={saved.error ?? save.error ?? remove.error} />
      <ConfirmDialog open={confirming} title="Delete saved filter" confirm="Delete" busy={remove.isPending}
        onConfirm={() => current && remove.mutate(current.id)} onCancel={() => setConfirming(false)}>
        Delete the saved filter “{current?.name}”? The records stay as they are.
      </ConfirmDialog>
    </>
  );
}
