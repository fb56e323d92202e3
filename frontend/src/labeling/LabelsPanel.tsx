/** Beside the record: every manual label (by annotator, gold marked, new ones flagged), the
 * reference, the reviews, the heuristics' votes and the weak label. */
import { useQuery } from "@tanstack/react-query";
import { get } from "../api";
import type { ManualLabel, RecordDetail, Task } from "../types";
import { Badge, Button, Swatch } from "../ui";

export interface Vote { heuristic_id: number; heuristic: string; label: string; confidence: number;
  vote: boolean; token_start: number | null; token_end: number | null; text: string | null }
export interface RecordVotes { votes: Vote[]; weak_labels: { label: string; confidence: number;
  token_start: number | null; token_end: number | null; text: string | null }[]; weak_run_id: number | null }

export function LabelsPanel({ projectId, task, detail, me, fresh, canGold, onGold, onDelete, title }: {
  title?: string;
  projectId: number; task: Task; detail: RecordDetail | undefined; me: string | undefined;
  fresh: Set<number>; canGold: boolean; onGold: (label: ManualLabel) => void;
  onDelete?: (label: ManualLabel) => void;
}) {
  const entry = detail?.tasks.find((t) => t.task_id === task.id);
  const votes = useQuery({
    queryKey: ["projects", projectId, "records", detail?.id, "votes", task.id],
    queryFn: () => get<RecordVotes>(`/projects/${projectId}/records/${detail!.id}/votes`, { task_id: task.id }),
    enabled: detail !== undefined, staleTime: 30_000,
  });
  const color = (name: string) => task.labels.find((l) => l.name === name)?.color ?? "#868e96";
  const reference = entry?.reference;
  return (
    <aside className="stack">
      <div className="panel">
        <div className="panel-head"><h2>{title ?? "Manual labels"}</h2></div>
        <div className="panel-body side-list" aria-label="labels of the record">
          <div className="side-item reference-row"><span className="muted">Reference</span>
            <span aria-label="reference">{formatReference(reference).split(", ").map((part, i) => (
              // a long reference wraps between its labels, not inside one
              <span key={i}>{i > 0 && ", "}<span className="nowrap">{part}</span></span>))}</span></div>
          {entry?.manual_labels.length === 0 && <span className="faint">No labels yet.</span>}
          {entry?.manual_labels.map((label) => (
            <div key={label.id} className="side-item" data-fresh={fresh.has(label.id) || undefined}>
              <span className="row" style={{ gap: 6, minWidth: 0 }}>
                <Swatch color={color(label.label)} />
                <b>{label.label}</b>
                {label.text && <span className="muted" style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>“{label.text}”</span>}
              </span>
              <span className="row" style={{ gap: 4, flexWrap: "nowrap" }}>
                {fresh.has(label.id) && <Badge tone="ok">new</Badge>}
                {label.is_gold && <Badge tone="gold">gold</Badge>}
                <span className="muted small">{label.annotator === me ? "you" : label.annotator}</span>
                {canGold && !label.is_gold && <Button small variant="ghost" title="Make this label gold" onClick={() => onGold(label)}>★</Button>}
                {onDelete && (label.annotator === me || canGold) && <Button small variant="ghost" title="Delete" aria-label={`Delete ${label.label}`} onClick={() => onDelete(label)}>×</Button>}
              </span>
            </div>
          ))}
          {entry && entry.reviewed_by.length > 0 && (
            <div className="small muted">Done by {entry.reviewed_by.join(", ")}</div>
          )}
        </div>
      </div>
      <div className="panel">
        <div className="panel-head"><h2>Heuristics</h2></div>
        <div className="panel-body side-list" aria-label="heuristics">
          {votes.error && <span className="faint">Votes unavailable: {(votes.error as Error).message}</span>}
          {votes.data && (
            <div className="side-item"><span className="muted">Weak label</span>
              <span aria-label="weak label">{votes.data.weak_run_id === null ? <span className="faint">no weak supervision run</span>
                : votes.data.weak_labels.length === 0 ? <span className="faint">none</span>
                : votes.data.weak_labels.map((w, i) => (
                  <span key={i} className="row" style={{ gap: 4, display: "inline-flex" }}>
                    <Swatch color={color(w.label)} />{w.label}{w.text ? ` “${w.text}”` : ""} <span className="faint">{w.confidence.toFixed(2)}</span>
                  </span>))}
              </span></div>
          )}
          {votes.data?.votes.length === 0 && <span className="faint">No heuristic votes on this record.</span>}
          {votes.data?.votes.map((v, i) => (
            <div key={i} className="side-item" style={{ opacity: v.vote ? 1 : 0.55 }}>
              <span className="row" style={{ gap: 6 }}><Swatch color={color(v.label)} />{v.label}{v.text ? <span className="muted">“{v.text}”</span> : null}</span>
              <span className="muted small nowrap">{v.heuristic} · {v.confidence.toFixed(2)}{v.vote ? "" : " (below threshold)"}</span>
            </div>
          ))}
        </div>
      </div>
    </aside>
  );
}

export function formatReference(reference: unknown): string {
  if (reference === null || reference === undefined) return "—";
  if (Array.isArray(reference)) {
    if (reference.length === 0) return "nothing";
    return reference.map((r) => (Array.isArray(r) ? `${r[0]} [${r.slice(1).join("–")}]` : String(r))).join(", ");
  }
  return String(reference);
}
