/** The heuristics workspace of a task: the statistics table (live over SSE), new heuristics
 * from the task's templates, and weak supervision over them. */
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { get, patch, post } from "../api";
import { useProjectEvents } from "../events";
import { deletionOf, refreshAfterDeletion } from "../recordDeletion";
import { atLeast, useRole, useTasks } from "../hooks";
import { navigate, useLocation } from "../router";
import type { Heuristic, HeuristicRun, HeuristicStats, Page, Task, Template } from "../types";
import { Button, Empty, ErrorAlert, Spinner, useToast } from "../ui";
import { StatsTable } from "../heuristics/StatsTable";
import "../heuristics/heuristics.css";
import { WeakSupervisionPanel } from "../heuristics/WeakSupervisionPanel";

export const useHeuristics = (projectId: number, taskId: number | null) => useQuery({
  queryKey: ["projects", projectId, "heuristics", taskId],
  queryFn: () => get<Page<Heuristic>>(`/projects/${projectId}/heuristics`, { task_id: taskId }).then((p) => p.data),
  enabled: taskId !== null,
});

export const useStats = (projectId: number, taskId: number | null) => useQuery({
  queryKey: ["projects", projectId, "stats", taskId],
  queryFn: () => get<{ data: HeuristicStats[] }>(`/projects/${projectId}/tasks/${taskId}/stats`).then((p) => p.data),
  enabled: taskId !== null,
});

/** Statistics and heuristics follow runs, labels, stats events and deleted records. */
export function useLiveHeuristics(projectId: number): void {
  const client = useQueryClient();
  useProjectEvents(projectId, (event) => {
    if (deletionOf(event)) {
      refreshAfterDeletion(client, projectId);
      return;
    }
    if (event.type === "run.progress") {
      client.setQueriesData<Heuristic[]>({ queryKey: ["projects", projectId, "heuristics"] }, (old) =>
        Array.isArray(old) ? old.map((h) => h.last_run?.id === event.data.id
          ? { ...h, last_run: { ...h.last_run!, ...(event.data as object) } } : h) : old);
      return;
    }
    if (event.type.startsWith("run.") || event.type === "stats.changed" || event.type === "labels.changed") {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "heuristics"] });
      void client.invalidateQueries({ queryKey: ["projects", projectId, "stats"] });
      if (event.type.startsWith("run.")) void client.invalidateQueries({ queryKey: ["projects", projectId, "weak-supervision"] });
    }
  });
}

export function useChosenTask(projectId: number): Task | null {
  const tasks = useTasks(projectId).data ?? [];
  const { search } = useLocation();
  const wanted = Number(search.get("task"));
  return tasks.find((t) => t.id === wanted) ?? tasks[0] ?? null;
}

export function HeuristicsPage({ projectId }: { projectId: number }) {
  const tasks = useTasks(projectId);
  const task = useChosenTask(projectId);
  const role = useRole(projectId);
  const heuristics = useHeuristics(projectId, task?.id ?? null);
  const stats = useStats(projectId, task?.id ?? null);
  useLiveHeuristics(projectId);
  if (tasks.isPending) return <div className="page"><Empty><Spinner /></Empty></div>;
  if (!task) return <div className="page"><Empty>No task yet: add one under “Tasks & members”.</Empty></div>;
  return (
    <div className="page stack">
      <div className="page-head row">
        <h1>Heuristics</h1>
        <select className="select" aria-label="Task" value={task.id}
          onChange={(e) => navigate(`/projects/${projectId}/heuristics?task=${e.target.value}`)}>
          {(tasks.data ?? []).map((t) => <option key={t.id} value={t.id}>{t.name} ({t.kind})</option>)}
        </select>
        <span className="spacer" />
        {atLeast(role, "owner") && <NewFromTemplate projectId={projectId} task={task} />}
      </div>
      <div className="panel">
        <div className="panel-head"><h2>Statistics against the reference labels</h2>
          {stats.data?.[0] && <span className="small muted">{stats.data[0].n_reference} records with a reference label</span>}
          <span className="spacer" />
          {atLeast(role, "owner") && heuristics.data && <>
            <KeepCurrent projectId={projectId} task={task} />
            <RunOutOfDate projectId={projectId} task={task} heuristics={heuristics.data} />
          </>}</div>
        {heuristics.isPending || stats.isPending ? <Empty><Spinner /></Empty>
          : heuristics.error || stats.error ? <div className="panel-body"><ErrorAlert error={heuristics.error ?? stats.error} /></div>
            : heuristics.data!.length === 0 ? <Empty>No heuristics yet. Start from a template.</Empty>
              : <div style={{ overflowX: "auto" }}><StatsTable projectId={projectId} heuristics={heuristics.data!} stats={stats.data!} /></div>}
      </div>
      <WeakSupervisionPanel key={task.id} projectId={projectId} task={task} heuristics={heuristics.data ?? []} canRun={atLeast(role, "owner")} />
    </div>
  );
}

/** Runs the task's heuristics whose votes are out of date (never run, failed, records added
 * or a lookup list changed since; a learner's labels changed since its fit), as the server
 * judges them. */
function RunOutOfDate({ projectId, task, heuristics }: { projectId: number; task: Task; heuristics: Heuristic[] }) {
  const client = useQueryClient();
  const toast = useToast();
  const due = heuristics.filter((h) => h.out_of_date.length > 0);
  const start = useMutation({
    mutationFn: () => post<{ data: HeuristicRun[]; count: number }>(`/projects/${projectId}/heuristics/runs`,
      { task_id: task.id, heuristic_ids: due.map((h) => h.id) }),
    onSuccess: (started) => {
      toast(started.count ? `${started.count} run${started.count === 1 ? "" : "s"} started` : "Every heuristic is up to date", "info");
      void client.invalidateQueries({ queryKey: ["projects", projectId, "heuristics"] });
    },
    onError: (error) => toast((error as Error).message),
  });
  return (
    <Button small busy={start.isPending} disabled={due.length === 0} onClick={() => start.mutate()}
      title={due.length ? due.map((h) => `${h.name}: ${h.out_of_date.join("; ")}`).join("\n") : "Every heuristic's votes are current"}>
      {due.length ? `Run ${due.length} out of date` : "All up to date"}
    </Button>
  );
}

/** Whether the task's labeling functions run again by themselves once out of date (after
 * an import, a change of a lookup list or of their code); turned on, those out of date run. */
function KeepCurrent({ projectId, task }: { projectId: number; task: Task }) {
  const client = useQueryClient();
  const toast = useToast();
  // the box shows the click at once, until the tasks are read again (or the change fails)
  const [wanted, setWanted] = useState<boolean | null>(null);
  const set = useMutation({
    mutationFn: (on: boolean) => patch<Task>(`/projects/${projectId}/tasks/${task.id}`, { auto_run: on }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "heuristics"] });
      return client.invalidateQueries({ queryKey: ["projects", projectId, "tasks"] });
    },
    onError: (error) => toast((error as Error).message),
    onSettled: () => setWanted(null),
  });
  return (
    <label className="small row nowrap" title="Labeling functions whose votes are out of date run again by themselves after an import of records, a change of a lookup list, or a save of their code. Learners keep their own refit setting.">
      <input type="checkbox" checked={wanted ?? Boolean(task.auto_run)} disabled={set.isPending}
        onChange={(e) => { setWanted(e.target.checked); set.mutate(e.target.checked); }}
        aria-label="Run labeling functions by themselves" />
      Run labeling functions by themselves
    </label>
  );
}

/** A template's button: "Labeling function", "Lookup of cities", "Learner on …". */
export function templateLabel(template: Template): string {
  if (template.kind === "active_learner") return `Learner${template.name.replace(/^learner/, "")}`;
  if (template.name.startsWith("lookup of ")) return `Lookup of ${template.name.slice("lookup of ".length)}`;
  return "Labeling function";
}

function NewFromTemplate({ projectId, task }: { projectId: number; task: Task }) {
  const client = useQueryClient();
  const toast = useToast();
  const templates = useQuery({ queryKey: ["projects", projectId, "templates", task.id],
    queryFn: () => get<{ data: Template[] }>(`/projects/${projectId}/heuristics/templates/${task.id}`).then((p) => p.data) });
  const existing = useHeuristics(projectId, task.id).data ?? [];
  const create = useMutation({
    mutationFn: (template: Template) => {
      const taken = new Set(existing.map((h) => h.name));
      let name = template.name;
      for (let i = 2; taken.has(name); i++) name = `${template.name}_${i}`;
      return post<Heuristic>(`/projects/${projectId}/heuristics`, { task_id: task.id, name,
        source: template.source, kind: template.kind === "active_learner" ? "active_learner" : "labeling_function" });
    },
    onSuccess: (h) => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "heuristics"] });
      navigate(`/projects/${projectId}/heuristics/${h.id}`);
    },
    onError: (error) => toast((error as Error).message),
  });
  return (
    <div className="row" role="group" aria-label="new heuristic">
      <span className="small muted">New from template:</span>
      {(templates.data ?? []).map((t) => (
        <Button key={`${t.kind}-${t.name}`} small busy={create.isPending && create.variables === t} onClick={() => create.mutate(t)}>
          {templateLabel(t)}
        </Button>
      ))}
    </div>
  );
}
