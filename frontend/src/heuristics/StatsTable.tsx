/** A task's heuristics with their live statistics against the reference labels: coverage,
 * hits, TP/FP/FN, precision with its Wilson interval as a bar, recall (over every record with
 * the reference label; where it differs, the recall where the heuristic votes beneath it), F1,
 * overlaps, conflicts and the state of the latest run (and why its votes are out of date);
 * sortable by any column. */
import { useState } from "react";
import type { Heuristic, HeuristicStats } from "../types";
import { Badge, Progress, runTone } from "../ui";
import { Link } from "../ui/Link";

export type SortKey = "name" | "coverage" | "hits" | "tp" | "fp" | "fn" | "precision" | "recall"
  | "f1" | "overlaps" | "conflicts";

export const RECALL_HINT = "Recall: share of records labelled L that it votes L (abstains count as misses)";
const WHERE_VOTING_HINT = "Recall where it votes: the same share over only the records it votes on";

const COLUMNS: [SortKey, string, string?][] = [["name", "Heuristic"], ["coverage", "Coverage"],
  ["hits", "Hits"], ["tp", "TP"], ["fp", "FP"],
  ["fn", "FN", "False negatives: records labelled L that it does not vote L, abstains included"],
  ["precision", "Precision", "Precision: share of its votes for L on labelled records that are right"],
  ["recall", "Recall", RECALL_HINT], ["f1", "F1"], ["overlaps", "Overlaps"], ["conflicts", "Conflicts"]];

export const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;

function sortValue(h: Heuristic, s: HeuristicStats | undefined, key: SortKey): number | string {
  if (key === "name") return h.name.toLowerCase();
  if (!s) return -1;
  if (key === "coverage" || key === "hits" || key === "overlaps" || key === "conflicts") return s[key] ?? -1;
  return s.total[key] ?? -1;
}

/** Recall, and beneath it the recall where the heuristic votes when the two differ. */
export function RecallCell({ recall, whereVoting }: { recall: number | null;
  whereVoting: number | null | undefined }) {
  return (
    <>
      <span className="num" title={RECALL_HINT}>{percent(recall)}</span>
      {whereVoting !== null && whereVoting !== undefined && whereVoting !== recall &&
        <div className="small faint" title={WHERE_VOTING_HINT}>{percent(whereVoting)} where it votes</div>}
    </>
  );
}

/** Precision as a number with its 95% Wilson interval drawn as a bar on 0–100%. */
export function PrecisionBar({ precision, low, high }: { precision: number | null;
  low: number | null; high: number | null }) {
  if (precision === null) return <span className="faint">—</span>;
  return (
    <span className="precision" title={`95% interval ${percent(low)} – ${percent(high)}`}>
      <span className="num">{percent(precision)}</span>
      <span className="wilson" aria-label={`interval ${percent(low)} to ${percent(high)}`}>
        <span className="range" style={{ left: `${(low ?? 0) * 100}%`, width: `${((high ?? 0) - (low ?? 0)) * 100}%` }} />
        <span className="point" style={{ left: `${precision * 100}%` }} />
      </span>
    </span>
  );
}

export function StatsTable({ projectId, heuristics, stats }: { projectId: number;
  heuristics: Heuristic[]; stats: HeuristicStats[] }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "name", desc: false });
  const byId = new Map(stats.map((s) => [s.heuristic_id, s]));
  const rows = [...heuristics].sort((a, b) => {
    const x = sortValue(a, byId.get(a.id), sort.key);
    const y = sortValue(b, byId.get(b.id), sort.key);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return sort.desc ? -order : order;
  });
  const header = (key: SortKey, name: string, hint?: string) => {
    const active = sort.key === key;
    return (
      <th key={key} aria-sort={active ? (sort.desc ? "descending" : "ascending") : "none"}>
        <button className="sort" title={hint} onClick={() => setSort({ key, desc: active ? !sort.desc : key !== "name" })}>
          {name}{active ? (sort.desc ? " ↓" : " ↑") : ""}
        </button>
      </th>
    );
  };
  return (
    <table className="table stats-table" aria-label="heuristics statistics">
      <thead><tr>{COLUMNS.map(([key, name, hint]) => header(key, name, hint))}<th>Latest run</th></tr></thead>
      <tbody>
        {rows.map((h) => {
          const s = byId.get(h.id);
          const run = h.last_run;
          const active = run && (run.status === "queued" || run.status === "running");
          return (
            <tr key={h.id} data-heuristic={h.name}>
              <td>
                <Link href={`/projects/${projectId}/heuristics/${h.id}`}><b>{h.name}</b></Link>
                <div className="small faint">{h.kind === "active_learner" ? "learner" : "labeling function"} · rev {h.revision.number}</div>
              </td>
              {s ? <>
                <td>{percent(s.coverage)}</td><td>{s.hits}</td>
                <td>{s.total.tp}</td><td>{s.total.fp}</td><td>{s.total.fn}</td>
                <td><PrecisionBar precision={s.total.precision} low={s.total.precision_low} high={s.total.precision_high} /></td>
                <td><RecallCell recall={s.total.recall} whereVoting={s.total.recall_where_voting} /></td>
                <td>{percent(s.total.f1)}</td>
                <td>{percent(s.overlaps)}</td><td>{percent(s.conflicts)}</td>
              </> : <td colSpan={10} className="faint">no output of the current revision yet</td>}
              <td>
                {run ? <div className="row" style={{ flexWrap: "nowrap" }}>
                  <Badge tone={runTone(run.status)}>{run.status}</Badge>
                  {active && <Progress value={run.progress} label={`progress of ${h.name}`} />}
                </div> : <span className="faint">never run</span>}
                {run?.status === "succeeded" && h.out_of_date.length > 0 && <div className="small" style={{ color: "var(--warn)" }}
                  aria-label={`${h.name} is out of date`} title="its votes are out of date: run it again">
                  {h.out_of_date.join("; ")}</div>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
