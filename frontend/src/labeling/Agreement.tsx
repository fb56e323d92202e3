/** A task's agreement between annotators, as the server computes it for every kind of task:
 * the overall value with its metric and reading, how many records it is computed on, each
 * pair of annotators' agreement as a matrix, each label's agreement, and (classification)
 * the label pairs annotators most often split a record over. */
import { percent } from "../heuristics/StatsTable";
import type { Task, TaskKind } from "../types";
import { Badge, Swatch } from "../ui";

export type AgreementReading = "reliable" | "tentative" | "unreliable";

export interface AgreementReport {
  task_id: number; kind: TaskKind; metric: "krippendorff_alpha" | "span_f1";
  /** null when no record has labels of two annotators, or without variation (``note`` says) */
  value: number | null; reading: AgreementReading | null;
  /** records labelled by two annotators or more (what ``value`` is computed on) */
  records: number;
  /** records labelled by one annotator or more */
  labelled_records: number;
  annotators: AnnotatorAgreement[];
  pairs: { a: string; b: string; records: number; agreement: number | null; kappa: number | null }[];
  labels: { label: string; count: number; agreement: number | null; alpha: number | null }[];
  confusions: { a: string; b: string; count: number }[];
  note: string | null;
}

export interface AnnotatorAgreement {
  name: string; records: number; shared: number; agreement: number | null;
  gold_records: number; gold_agreement: number | null;
}

const READINGS = "Krippendorff (2004): α ≥ 0.800 reliable, ≥ 0.667 tentative conclusions only, "
  + "below unreliable; 1 is perfect agreement, 0 what chance alone gives";

const METRIC_HINT: Record<TaskKind, string> = {
  classification: "Krippendorff's alpha (nominal) of the labels, over the records labelled by two "
    + `annotators or more (gold labels left out). Readings, after ${READINGS}.`,
  multilabel: "Binary Krippendorff's alpha over every yes/no decision of a label on a record, by "
    + "the annotators who labelled or reviewed it (gold labels left out). Readings, after "
    + `${READINGS}.`,
  extraction: "F1 of exactly the same spans (same start, end and label) between two annotators, "
    + "pooled over every pair and every record both annotated; a record reviewed with nothing "
    + "marked counts as annotated (gold labels left out). 1: they mark the same spans.",
};

const READING_TONE: Record<AgreementReading, "ok" | "warn" | "danger"> =
  { reliable: "ok", tentative: "warn", unreliable: "danger" };

/** An alpha or F1 value, three decimals as Krippendorff's thresholds are written. */
export const decimal = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : value.toFixed(3).replace("-", "−");

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What a pair's agreement is, per kind: a share of records, or an F1. */
const PAIR_MEANING: Record<TaskKind, string> = {
  classification: "the share of the records both labelled that they gave the same label",
  multilabel: "the share of the records both labelled that they gave the same set of labels",
  extraction: "the F1 of exactly the same spans on the records both annotated",
};

/** A cell's background: red at 50% or less (what two coin tosses reach on two labels),
 * through yellow at 75%, to green at 100%; light enough for the text on it. */
export function agreementColor(value: number): string {
  const t = Math.min(1, Math.max(0, (value - 0.5) / 0.5));
  return `hsl(${Math.round(t * 120)} 70% 86%)`;
}

export function AgreementSummary({ report }: { report: AgreementReport }) {
  const alpha = report.metric === "krippendorff_alpha";
  const done = report.kind === "extraction" ? "annotated" : "labelled";
  return (
    <div className="agreement-summary">
      <div className="agreement-value" aria-label="overall agreement">
        <span className="agreement-metric" title={METRIC_HINT[report.kind]}>
          {alpha ? "Krippendorff's α" : "Span F1 between annotators"}</span>{" "}
        <b className="agreement-number">{decimal(report.value)}</b>
        {alpha && report.reading && <>{" — "}
          <Badge tone={READING_TONE[report.reading]} title={`Readings, after ${READINGS}`}>
            {report.reading}</Badge></>}
      </div>
      <p className="small muted agreement-basis">
        on {plural(report.records, "record")} {done} by two annotators or more, of{" "}
        {report.labelled_records} {done}</p>
      {report.note && <p className="small muted" role="status">{report.note}</p>}
    </div>
  );
}

/** Each pair of annotators who share a record: rows and columns the annotators (those who
 * share one), each cell the pair's agreement; "—" where they share none. */
export function PairMatrix({ report }: { report: AgreementReport }) {
  const names = report.annotators.filter((a) => a.shared > 0).map((a) => a.name);
  if (report.pairs.length === 0 || names.length < 2) return null;
  const pairs = new Map(report.pairs.map((p) => [`${p.a}\u0000${p.b}`, p]));
  const pairOf = (a: string, b: string) => pairs.get(`${a}\u0000${b}`) ?? pairs.get(`${b}\u0000${a}`);
  const extraction = report.kind === "extraction";
  const done = extraction ? "annotated" : "labelled";
  const cellTitle = (a: string, b: string, p: AgreementReport["pairs"][number]) => [
    `${a} and ${b}: ${plural(p.records, "record")} both ${done}`,
    extraction ? `span F1 ${percent(p.agreement)}` : `${percent(p.agreement)} ${report.kind === "multilabel"
      ? "with the same set of labels" : "with the same label"}`,
    ...(extraction ? [] : [`Cohen's κ ${p.kappa === null ? "undefined" : decimal(p.kappa)}`]),
  ].join("; ");
  return (
    <figure className="agreement-matrix">
      <figcaption className="small muted">
        Between two annotators: {PAIR_MEANING[report.kind]}, from red at 50% or less to green at
        100% (hover a cell for the records{extraction ? "" : " and Cohen's κ"}).</figcaption>
      <div className="agreement-matrix-scroll">
        <table className="table" aria-label="agreement between annotators">
          <thead><tr><th aria-label="annotator" />
            {names.map((n) => <th key={n} scope="col" title={n}><span className="agreement-name">{n}</span></th>)}</tr></thead>
          <tbody>{names.map((row) => (
            <tr key={row}>
              <th scope="row" title={row}><span className="agreement-name">{row}</span></th>
              {names.map((col) => {
                if (col === row) return <td key={col} className="agreement-cell diagonal" aria-label={`${row} with themself`} />;
                const p = pairOf(row, col);
                if (!p) return <td key={col} className="agreement-cell none" title={`${row} and ${col} share no record`}>—</td>;
                return (
                  <td key={col} className="agreement-cell" title={cellTitle(row, col, p)}
                    style={p.agreement === null ? undefined : { background: agreementColor(p.agreement) }}>
                    {percent(p.agreement)}</td>
                );
              })}
            </tr>
          ))}</tbody>
        </table>
      </div>
    </figure>
  );
}

/** Each label's agreement: how often it was given where two annotators or more labelled,
 * and how often the others followed; for multi-label tasks its own alpha. */
export function LabelAgreement({ report, task }: { report: AgreementReport; task: Task }) {
  if (report.records === 0 || report.labels.length === 0) return null;
  const colors = new Map(task.labels.map((l) => [l.name, l.color]));
  const extraction = report.kind === "extraction";
  return (
    <table className="table agreement-labels" aria-label="agreement per label">
      <thead><tr><th>Label</th>
        <th className="num" title={extraction ? "Spans of the label on the records two annotators or more annotated"
          : "Times the label was given on the records two annotators or more labelled"}>{extraction ? "Spans" : "Given"}</th>
        <th className="num" title={extraction ? "F1 of exactly the same spans of the label, pooled over the pairs of annotators"
          : "When an annotator gives the label, the share of the record's other annotators who give it too"}>
          {extraction ? "Span F1" : "Others agree"}</th>
        {report.kind === "multilabel" && <th className="num" title="Binary Krippendorff's alpha of the label's yes/no decisions">α</th>}
      </tr></thead>
      <tbody>{report.labels.map((l) => (
        <tr key={l.label}>
          <td><span className="row agreement-label">{colors.has(l.label) && <Swatch color={colors.get(l.label)!} />}{l.label}</span></td>
          <td className="num">{l.count}</td>
          <td className="num">{percent(l.agreement)}</td>
          {report.kind === "multilabel" && <td className="num">{decimal(l.alpha)}</td>}
        </tr>
      ))}</tbody>
    </table>
  );
}

/** The label pairs annotators most often split a record over (classification). */
export function Confusions({ report }: { report: AgreementReport }) {
  if (report.confusions.length === 0) return null;
  return (
    <div className="agreement-confusions">
      <div className="small muted">Labels annotators split a record over, most frequent first:</div>
      <ul aria-label="confusions">{report.confusions.map((c) => (
        <li key={`${c.a}\u0000${c.b}`}><b>{c.a} / {c.b}</b>: {plural(c.count, "record")} split</li>
      ))}</ul>
    </div>
  );
}
