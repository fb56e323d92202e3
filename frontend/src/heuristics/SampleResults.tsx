/** A sample's outcome per record: text, output, reference label, error; then the printed
 * logs and a summary. */
import type { SampleResult } from "../types";
import { Badge } from "../ui";

export function referenceText(reference: unknown): string {
  if (reference === null || reference === undefined) return "—";
  if (typeof reference === "string") return reference;
  if (Array.isArray(reference)) {
    return reference.map((r) => (typeof r === "string" ? r : (r as { label?: string }).label ?? JSON.stringify(r))).join(", ") || "—";
  }
  return JSON.stringify(reference);
}

export function SampleResults({ result }: { result: SampleResult }) {
  const { summary } = result;
  const failed = result.results.filter((r) => r.error).length;
  return (
    <div className="panel" aria-label="sample results">
      <div className="panel-head">
        <h2>Sample</h2>
        <span className="small muted" aria-label="sample summary">
          {summary.records} records · {summary.hits} with output · {summary.records - summary.hits - failed} abstained
          {failed > 0 && <> · <span style={{ color: "var(--danger)" }}>{failed} failed</span></>}
          {summary.agreement !== null && <> · agrees with the reference on {summary.agreed} of {summary.compared} ({Math.round(summary.agreement * 100)}%)</>}
          {" "}· {result.seconds.toFixed(2)} s
        </span>
      </div>
      <table className="table">
        <thead><tr><th>Record</th><th>Text</th><th>Output</th><th>Reference</th></tr></thead>
        <tbody>
          {result.results.map((r) => (
            <tr key={r.record_id} className={r.error ? "failed" : undefined}>
              <td className="mono">{r.external_id}</td>
              <td className="sample-text">{r.text ?? ""}</td>
              <td>
                {r.error ? <span style={{ color: "var(--danger)" }}>{r.line ? `line ${r.line}: ` : ""}{r.error}</span>
                  : r.outputs.length === 0 ? <span className="faint">abstains</span>
                    : r.outputs.map((o, k) => <Badge key={k} tone="accent">{o.text ? `${o.text} → ` : ""}{o.label}</Badge>)}
              </td>
              <td>{referenceText(r.reference)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.logs && <div className="panel-body"><h3>Printed</h3><pre className="logs">{result.logs}</pre></div>}
    </div>
  );
}
