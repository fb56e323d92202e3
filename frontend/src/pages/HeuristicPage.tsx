/** One heuristic: its statistics row, the editor, a learner's threshold, and its revisions
 * with a diff against the current one. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { get } from "../api";
import { atLeast, useAttributes, useRole, useTasks } from "../hooks";
import type { Heuristic, Revision } from "../types";
import { Empty, ErrorAlert, Spinner } from "../ui";
import { Link } from "../ui/Link";
import { EditorPanel } from "../heuristics/EditorPanel";
import { LearnerPanel } from "../heuristics/LearnerPanel";
import { RevisionDiff } from "../heuristics/RevisionDiff";
import { StatsTable } from "../heuristics/StatsTable";
import { useHeuristics, useLiveHeuristics, useStats } from "./HeuristicsPage";

export function HeuristicPage({ projectId, heuristicId }: { projectId: number; heuristicId: number }) {
  const role = useRole(projectId);
  const heuristic = useQuery({ queryKey: ["projects", projectId, "heuristics", "one", heuristicId],
    queryFn: () => get<Heuristic>(`/projects/${projectId}/heuristics/${heuristicId}`) });
  const tasks = useTasks(projectId);
  const attributes = useAttributes(projectId);
  const task = tasks.data?.find((t) => t.id === heuristic.data?.task_id) ?? null;
  const all = useHeuristics(projectId, task?.id ?? null);
  const stats = useStats(projectId, task?.id ?? null);
  useLiveHeuristics(projectId);
  if (heuristic.error) return <div className="page"><ErrorAlert error={heuristic.error} /></div>;
  if (!heuristic.data || !task || !attributes.data) return <div className="page"><Empty><Spinner /></Empty></div>;
  const h = all.data?.find((x) => x.id === heuristicId) ?? heuristic.data;
  return (
    <div className="page stack">
      <div className="page-head row">
        <Link href={`/projects/${projectId}/heuristics?task=${task.id}`}>← Heuristics of {task.name}</Link>
        <h1>{h.name}</h1>
        <span className="small muted">{h.kind === "active_learner" ? "learner" : "labeling function"} · revision {h.revision.number}</span>
      </div>
      <div className="panel" style={{ overflowX: "auto" }}>
        <StatsTable projectId={projectId} heuristics={[h]} stats={stats.data ?? []} />
      </div>
      <div className="editor-layout">
        <EditorPanel key={h.id} projectId={projectId} heuristic={h} task={task} attributes={attributes.data} canEdit={atLeast(role, "owner")} />
        <div className="stack">
          {h.kind === "active_learner" && <LearnerPanel key={h.id} projectId={projectId} heuristic={h} task={task} canEdit={atLeast(role, "owner")} />}
          <Revisions projectId={projectId} heuristic={h} />
        </div>
      </div>
    </div>
  );
}

function Revisions({ projectId, heuristic }: { projectId: number; heuristic: Heuristic }) {
  const revisions = useQuery({ queryKey: ["projects", projectId, "heuristics", "revisions", heuristic.id, heuristic.revision.number],
    queryFn: () => get<Revision[]>(`/projects/${projectId}/heuristics/${heuristic.id}/revisions`) });
  const [shown, setShown] = useState<number | null>(null);
  const old = revisions.data?.find((r) => r.number === shown);
  return (
    <div className="panel" aria-label="revisions">
      <div className="panel-head"><h2>Revisions</h2></div>
      <div className="rev-list">
        {[...(revisions.data ?? [])].reverse().map((r) => (
          <button key={r.number} className={`rev-item ${shown === r.number ? "active" : ""}`}
            disabled={r.number === heuristic.revision.number} onClick={() => setShown(shown === r.number ? null : r.number)}>
            <b>#{r.number}</b> <span className="small muted">{new Date(r.created_at).toLocaleString()}</span>
            {r.number === heuristic.revision.number ? <span className="small faint"> current</span> : <span className="small"> diff</span>}
          </button>
        ))}
      </div>
      {old && <div className="panel-body"><RevisionDiff before={old.source} after={heuristic.revision.source} /></div>}
    </div>
  );
}
