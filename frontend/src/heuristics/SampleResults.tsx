/** A sample's outcome per record: text, output, reference label, error; then the printed
 * logs and a summary. */
import { useQueries } from "@tanstack/react-query";
import { get } from "../api";
import type { RecordDetail, SampleResult, Task } from "../types";
import { Badge } from "../ui";

export function referenceText(reference: unknown): string {
  if (reference === null || reference === undefined) return "—";
  if (typeof reference === "string") return reference;
  if (Array.isArray(reference)) {
    return reference.map((r) => (typeof r === "string" ? r : (r as { label?: string }).label ?? JSON.stringify(r))).join(", ") || "—";
  }
  return JSON.stringify(reference);
}

export function SampleResults({ projectId, task, result }: { projectId: number; task: Task;
  result: SampleResult }) {
  const details = useQueries({ queries: result.results.map((r) => ({
    queryKey: ["projects", projectId, "records", r.record_id],
    queryFn: () => get<RecordDetail>(`/projects/${projectId}/records/${r.record_id}`),
  })) });
  const voted = result.results.filter((r) => r.outputs.length > 0).length;
  const failed = result.results.filter((r) => r.error).length;
  const attribute = task.target_attribute;
  return (
    <div className="panel" aria-label="sample results">
      <div className="panel-head">
        <h2>Sample</h2>
        <span className="small muted" aria-label="sample summary">
          {result.results.length} records · {voted} with output · {result.results.length - voted - failed} abstained
          {failed > 0 && <> · <span style={{ color: "var(--danger)" }}>{failed} failed</span></>} · {result.seconds.toFixed(2)} s
        </span>
      </div>
      <table className="table">
        <thead><tr><th>Record</th><th>Text</th><th>Output</th><th>Reference</th></tr></thead>
        <tbody>
          {result.results.map((r, i) => {
            const detail = details[i]?.data;
            const text = detail ? String((attribute ? detail.data[attribute] : Object.values(detail.data).find((v) => typeof v === "string")) ?? "") : "…";
            const reference = detail?.tasks.find((t) => t.task_id === task.id)?.reference;
            return (
              <tr key={r.record_id} className={r.error ? "failed" : undefined}>
                <td className="mono">{r.external_id}</td>
                <td className="sample-text">{text}</td>
                <td>
                  {r.error ? <span style={{ color: "var(--danger)" }}>{r.line ? `line ${r.line}: ` : ""}{r.error}</span>
                    : r.outputs.length === 0 ? <span className="faint">abstains</span>
                      : r.outputs.map((o, k) => <Badge key={k} tone="accent">{o.text ? `${o.text} → ` : ""}{o.label}</Badge>)}
                </td>
                <td>{detail ? referenceText(reference) : "…"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {result.logs && <div className="panel-body"><h3>Printed</h3><pre className="logs">{result.logs}</pre></div>}
    </div>
  );
}
