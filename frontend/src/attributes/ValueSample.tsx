/** Computed-attribute code tried on a few records: each record's value, or its error with
 * the line; then what the code printed. */
import { format } from "../pages/DataBrowser";
import type { AttributeSample } from "../types";
import { Link } from "../ui/Link";

export function ValueSample({ projectId, sample, outdated }: {
  projectId: number; sample: AttributeSample;
  /** The code was changed since it was tried. */
  outdated: boolean;
}) {
  const failed = sample.results.filter((r) => r.error).length;
  const withValue = sample.results.filter((r) => !r.error && r.value !== null).length;
  return (
    <div className="panel" aria-label="sample values">
      <div className="panel-head">
        <h2>Tried on {sample.results.length} records</h2>
        <span className="small muted" aria-label="sample summary">
          {withValue} with a value · {sample.results.length - withValue - failed} without
          {failed > 0 && <> · <span style={{ color: "var(--danger)" }}>{failed} failed</span></>}
          {" "}· {sample.seconds.toFixed(2)} s{outdated && " · the code changed since"}
        </span>
      </div>
      <table className="table">
        <thead><tr><th style={{ width: "1%" }}>Record</th><th>Value</th></tr></thead>
        <tbody>
          {sample.results.map((r) => (
            <tr key={r.record_id} className={r.error ? "failed" : undefined}>
              <td className="mono nowrap"><Link href={`/projects/${projectId}/records/${r.record_id}`}>{r.external_id}</Link></td>
              <td className="sample-value">
                {r.error ? <span className="run-error">{r.line ? `line ${r.line}: ` : ""}{r.error}</span>
                  : r.value === null ? <span className="faint">no value</span> : format(r.value)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sample.logs && <div className="panel-body"><h3>Printed</h3><pre className="logs">{sample.logs}</pre></div>}
    </div>
  );
}
