/** The heuristic editor: code with the server's static check as line markers while typing
 * (debounced), save (a new revision), try on a sample (also unsaved code) with per-record
 * results, run on all with live progress and cancel; errors point at their record and line.
 * Unsaved code outlives leaving the editor and reloading the page (useCodeDraft), and a
 * revision saved elsewhere meanwhile does not overwrite it. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { ApiError, get, patch, post } from "../api";
import { useProjectEvents } from "../events";
import { useLookupLists } from "../lookupLists";
import type { Attribute, Heuristic, HeuristicRun, SampleResult, Task } from "../types";
import { Badge, Button, ErrorAlert, Progress, runTone } from "../ui";
import { Link } from "../ui/Link";
import { CodeEditor, type Problem } from "./CodeEditor";
import { useCodeDraft } from "./useCodeDraft";
import { SampleResults } from "./SampleResults";

export const CHECK_DELAY_MS = 400;
export const SAMPLE_SIZE = 10;

/** The line a run's or sample's error message names (``... (line 3): ...``). */
export function lineOf(message: string | null | undefined): number | null {
  const found = /\bline (\d+)\b/.exec(message ?? "");
  return found ? Number(found[1]) : null;
}

/** The line marker of a 422 that names a line of the code (``field: "source"``, ``row``). */
export function problemOf(error: unknown): Problem | null {
  if (error instanceof ApiError && error.field === "source" && error.row !== null) {
    return { line: error.row, message: error.message };
  }
  return null;
}

export function EditorPanel({ projectId, heuristic, task, attributes, canEdit }: {
  projectId: number; heuristic: Heuristic; task: Task; attributes: Attribute[]; canEdit: boolean;
}) {
  const client = useQueryClient();
  const revision = heuristic.revision;
  const draft = useCodeDraft(projectId, heuristic.id, revision.source, canEdit, revision.number);
  const { source, setSource, dirty, restored, newer } = draft;
  const [checked, setChecked] = useState<{ source: string; error: unknown } | null>(null);
  const [runId, setRunId] = useState<number | null>(null);
  const learner = heuristic.kind === "active_learner";
  const lists = useLookupLists(projectId);
  const read = (lists.data ?? []).filter((l) => l.read_by.some((r) => r.id === heuristic.id));
  const names = useMemo(() => [...attributes.map((a) => a.name), ...task.labels.map((l) => l.name),
    ...(lists.data?.length ? ["knowledge", ...lists.data.map((l) => l.name)] : [])],
  [attributes, task, lists.data]);

  // the server's static check, a moment after typing stops
  useEffect(() => {
    if (checked?.source === source) return;
    const timer = window.setTimeout(() => {
      post(`/projects/${projectId}/heuristics/check`, { task_id: task.id, source, kind: heuristic.kind })
        .then(() => setChecked({ source, error: null }))
        .catch((error) => setChecked({ source, error }));
    }, CHECK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [source, projectId, task.id, heuristic.kind, checked?.source]);

  const refresh = () => {
    void client.invalidateQueries({ queryKey: ["projects", projectId, "heuristics"] });
    void client.invalidateQueries({ queryKey: ["projects", projectId, "stats"] });
  };
  const save = useMutation({
    mutationFn: () => {
      draft.saving(source);
      return patch<Heuristic>(`/projects/${projectId}/heuristics/${heuristic.id}`, { source });
    },
    onSuccess: refresh,
  });
  const sample = useMutation({
    mutationFn: () => post<SampleResult>(`/projects/${projectId}/heuristics/${heuristic.id}/sample`,
      { source, n: SAMPLE_SIZE }),
  });
  const start = useMutation({
    mutationFn: () => post<HeuristicRun>(`/projects/${projectId}/heuristics/${heuristic.id}/runs`),
    onSuccess: (run) => { setRunId(run.id); refresh(); },
  });
  const shownRunId = runId ?? heuristic.last_run?.id ?? null;
  const run = useQuery({
    queryKey: ["projects", projectId, "runs", shownRunId],
    queryFn: () => get<HeuristicRun>(`/projects/${projectId}/runs/${shownRunId}`),
    enabled: shownRunId !== null,
  });
  useProjectEvents(projectId, (event) => {
    if (!event.type.startsWith("run.") || event.data.id !== shownRunId) return;
    client.setQueryData<HeuristicRun>(["projects", projectId, "runs", shownRunId],
      (old) => old && { ...old, ...(event.data as Partial<HeuristicRun>) });
    if (event.type !== "run.progress") {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "runs", shownRunId] });
      refresh();
    }
  });
  const cancel = useMutation({
    mutationFn: () => post(`/projects/${projectId}/runs/${shownRunId}/cancel`),
    onSuccess: () => client.invalidateQueries({ queryKey: ["projects", projectId, "runs", shownRunId] }),
  });

  const current = run.data;
  const active = current && (current.status === "queued" || current.status === "running");
  const problems = useMemo(() => {
    const found: Problem[] = [];
    const checkProblem = checked?.source === source ? problemOf(checked.error) : null;
    if (checkProblem) found.push(checkProblem);
    const saveProblem = problemOf(save.error);
    if (saveProblem && !dirty) found.push(saveProblem);
    const sampleError = sample.data?.results.find((r) => r.error);
    if (sampleError?.line) found.push({ line: sampleError.line, message: `record ${sampleError.external_id}: ${sampleError.error}` });
    if (current?.status === "failed" && !dirty) {
      const line = lineOf(current.error);
      if (line) found.push({ line, message: current.error ?? "" });
    }
    return found;
  }, [checked, source, save.error, dirty, sample.data, current]);
  const checkError = checked?.source === source ? checked.error : null;

  return (
    <div className="stack editor-panel">
      <div className="row">
        {canEdit && <Button variant="primary" busy={save.isPending} disabled={!dirty} onClick={() => save.mutate()}>
          {dirty ? "Save" : "Saved"}
        </Button>}
        {!learner && <Button busy={sample.isPending} onClick={() => sample.mutate()}>Try on {SAMPLE_SIZE} records</Button>}
        {canEdit && <Button busy={start.isPending} disabled={dirty || Boolean(active)} title={dirty ? "save first" : undefined}
          onClick={() => start.mutate()}>Run on all records</Button>}
        <span className="spacer" />
        <span className="small" aria-label="check">
          {checked?.source !== source ? <span className="faint">checking…</span>
            : checkError ? <span style={{ color: "var(--danger)" }}>{(checkError as Error).message}</span>
              : <span style={{ color: "var(--ok)" }}>✓ {learner ? "learner" : "function"} found</span>}
        </span>
      </div>
      {dirty && (restored || newer !== null) && (
        <div className="alert info" role="status" aria-label="unsaved changes">
          <span>
            {newer !== null
              ? `Revision #${newer} was saved while you edited; your unsaved code is kept (Save makes it the next revision).`
              : `Unsaved code from ${new Date(restored!.savedAt).toLocaleString()} restored (edited from revision #${restored!.revision}${restored!.revision !== revision.number ? `; the latest is #${revision.number}` : ""}).`}
          </span>{" "}
          <Button small onClick={draft.discard}>
            Discard and show #{revision.number}
          </Button>
        </div>
      )}
      <CodeEditor value={source} onChange={setSource} names={names} problems={problems} label="heuristic source" readOnly={!canEdit} />
      {read.length > 0 && <div className="small muted" aria-label="lookup lists read">
        {`Its saved code reads the lookup list${read.length === 1 ? "" : "s"} `}
        {read.map((l, i) => <span key={l.id}>{i > 0 && ", "}<Link href={`/projects/${projectId}/lists?list=${l.id}`}>{l.name}</Link>
          {` (${l.n_terms.toLocaleString()} terms, version ${l.version})`}</span>)}
        {" — the list's term statistics show its noisy terms."}
      </div>}
      <ErrorAlert error={save.error} />
      <ErrorAlert error={start.error} />
      {current && (
        <div className="run-state" aria-label="latest run">
          <div className="row" style={{ flexWrap: "nowrap" }}>
            <b className="nowrap">Run #{current.id}</b>
            <Badge tone={runTone(current.status)}>{current.status}</Badge>
            {active && <>
              <Progress value={current.progress} label="run progress" />
              <span className="small muted nowrap">{current.done_items}/{current.total_items}</span>
              <Button small variant="danger" busy={cancel.isPending} onClick={() => cancel.mutate()}>Cancel</Button>
            </>}
            {current.status === "succeeded" && <span className="small muted">{current.total_items} records</span>}
          </div>
          {current.status === "failed" && current.error && <div className="alert error" role="alert">{current.error}</div>}
          {current.status === "succeeded" && heuristic.out_of_date.length > 0 && <div className="alert info" role="status" aria-label="out of date">
            {`Its votes are out of date: ${heuristic.out_of_date.join("; ")}. Run it again to update them.`}
          </div>}
        </div>
      )}
      <ErrorAlert error={sample.error} />
      {sample.data && <SampleResults result={sample.data} />}
    </div>
  );
}
