/** Import: a table file (CSV, JSONL, Parquet) previewed before it is committed (columns,
 * inferred types, first rows, count), or a CoNLL file; upload progress; errors say row and
 * field. */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, upload } from "../api";
import { navigate } from "../router";
import type { ImportResult } from "../types";
import { Button, ErrorAlert, Field, Progress } from "../ui";

const TYPES = ["text", "category", "integer", "float", "boolean"];

interface Preview {
  columns: { name: string; type: string; existing: boolean }[];
  rows: Record<string, unknown>[];
  records: number;
}

type Stage = { kind: "idle" } | { kind: "uploading"; fraction: number; what: string }
  | { kind: "processing"; what: string };

export function ImportPage({ projectId }: { projectId: number }) {
  const [mode, setMode] = useState<"table" | "conll">("table");
  return (
    <div className="page">
      <div className="page-head">
        <h1>Import</h1>
        <div className="row" role="tablist">
          <Button small variant={mode === "table" ? "primary" : "secondary"} onClick={() => setMode("table")}>CSV, JSONL, Parquet</Button>
          <Button small variant={mode === "conll" ? "primary" : "secondary"} onClick={() => setMode("conll")}>CoNLL (tokens and spans)</Button>
        </div>
      </div>
      {mode === "table" ? <TableImport projectId={projectId} /> : <ConllImport projectId={projectId} />}
    </div>
  );
}

function FilePicker({ file, onFile, accept }: { file: File | null; onFile: (file: File) => void; accept: string }) {
  const [over, setOver] = useState(false);
  return (
    <label className={`dropzone ${over ? "over" : ""}`}
      onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)}
      onDrop={(e) => { e.preventDefault(); setOver(false); if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]); }}>
      <input type="file" accept={accept} style={{ display: "none" }} aria-label="File"
        onChange={(e) => { if (e.target.files?.[0]) onFile(e.target.files[0]); e.target.value = ""; }} />
      {file ? <><b>{file.name}</b> <span className="faint">({formatBytes(file.size)})</span> · choose another</>
        : <>Drop a file here or <span style={{ color: "var(--accent-text)" }}>choose one</span></>}
    </label>
  );
}

function StageBar({ stage }: { stage: Stage }) {
  if (stage.kind === "idle") return null;
  return (
    <div className="stack" style={{ gap: 4 }} aria-live="polite">
      <span className="small muted">{stage.kind === "uploading" ? `${stage.what}: uploading ${Math.round(stage.fraction * 100)}%` : `${stage.what}: the server reads the file…`}</span>
      <Progress value={stage.kind === "uploading" ? stage.fraction : null} label={stage.what} />
    </div>
  );
}

function TableImport({ projectId }: { projectId: number }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [idColumn, setIdColumn] = useState("");
  const [types, setTypes] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [stage, setStage] = useState<Stage>({ kind: "idle" });
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImportResult | null>(null);

  async function send<T>(path: string, what: string, fields: Record<string, string>, chosen: File): Promise<T> {
    const form = new FormData();
    form.set("file", chosen);
    for (const [name, value] of Object.entries(fields)) if (value) form.set(name, value);
    setStage({ kind: "uploading", fraction: 0, what });
    try {
      return await upload<T>(path, form, (fraction) =>
        setStage(fraction >= 1 ? { kind: "processing", what } : { kind: "uploading", fraction, what }));
    } finally {
      setStage({ kind: "idle" });
    }
  }

  async function loadPreview(chosen: File, id: string) {
    setError(null);
    setResult(null);
    try {
      const p = await send<Preview>(`/projects/${projectId}/records/import/preview`, "Preview", { id_column: id }, chosen);
      setPreview(p);
      setTypes(Object.fromEntries(p.columns.map((c) => [c.name, c.type])));
    } catch (failure) {
      setPreview(null);
      setError(failure);
    }
  }

  async function commit() {
    if (!file || !preview) return;
    setError(null);
    const changed = Object.fromEntries(preview.columns.filter((c) => !c.existing && types[c.name] !== c.type)
      .map((c) => [c.name, types[c.name]]));
    try {
      const done = await send<ImportResult>(`/projects/${projectId}/records/import`, "Import",
        { id_column: idColumn, types: Object.keys(changed).length ? JSON.stringify(changed) : "" }, file);
      setResult(done);
      setPreview(null);
      setFile(null);
      void client.invalidateQueries({ queryKey: ["projects", projectId] });
    } catch (failure) {
      setError(failure);
    }
  }

  const columns = preview?.columns.filter((c) => c.name !== idColumn) ?? [];
  return (
    <div className="stack">
      <div className="panel">
        <div className="panel-body stack">
          <FilePicker file={file} accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,.parquet,.pq"
            onFile={(chosen) => { setFile(chosen); setIdColumn(""); void loadPreview(chosen, ""); }} />
          <div className="row" style={{ alignItems: "flex-end" }}>
            <Field label="Id column" hint="Stable ids of the records; without one they are numbered.">
              <select className="select" value={idColumn} disabled={!preview} aria-label="Id column"
                onChange={(e) => { setIdColumn(e.target.value); if (file) void loadPreview(file, e.target.value); }}>
                <option value="">none (number the records)</option>
                {preview?.columns.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
              </select>
            </Field>
            <span className="spacer" />
            <Button variant="primary" disabled={!preview || stage.kind !== "idle"} busy={stage.kind !== "idle" && preview !== null}
              onClick={() => void commit()}>
              {preview ? `Import ${preview.records.toLocaleString()} records` : "Import"}
            </Button>
          </div>
          <StageBar stage={stage} />
          {error instanceof ApiError && (error.row !== null || error.field !== null) ? (
            <div className="alert error" role="alert">
              <b>{error.row !== null ? `Row ${error.row}` : ""}{error.row !== null && error.field ? ", " : ""}{error.field ? `field “${error.field}”` : ""}:</b> {error.message}
            </div>
          ) : <ErrorAlert error={error} />}
          {result && (
            <div className="alert ok" role="status">
              Imported {result.records.toLocaleString()} records{result.attributes.length ? `; new attributes: ${result.attributes.join(", ")}` : ""}.{" "}
              <a href={`/projects/${projectId}/data`} onClick={(e) => { e.preventDefault(); navigate(`/projects/${projectId}/data`); }}>Browse them</a>
            </div>
          )}
        </div>
      </div>
      {preview && (
        <div className="panel">
          <div className="panel-head"><h2>Preview</h2><span className="muted">first {preview.rows.length} of {preview.records.toLocaleString()} records; types are inferred from the whole file and can be changed</span></div>
          <div className="preview">
            <table className="table" aria-label="preview">
              <thead>
                <tr>{idColumn && <th>{idColumn} <span className="faint">id</span></th>}{columns.map((c) => <th key={c.name}>{c.name}</th>)}</tr>
                <tr>{idColumn && <th />}{columns.map((c) => (
                  <th key={c.name}>
                    <select className="select" style={{ height: 24 }} aria-label={`Type of ${c.name}`} value={types[c.name]}
                      disabled={c.existing} title={c.existing ? "an existing attribute keeps its type" : undefined}
                      onChange={(e) => setTypes({ ...types, [c.name]: e.target.value })}>
                      {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
                    </select>
                  </th>))}</tr>
              </thead>
              <tbody>
                {preview.rows.map((row, i) => (
                  <tr key={i}>{idColumn && <td className="mono">{String(row[idColumn] ?? "")}</td>}
                    {columns.map((c) => <td key={c.name} title={String(row[c.name] ?? "")}>{row[c.name] === null || row[c.name] === undefined ? <span className="faint">—</span> : String(row[c.name])}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}

function ConllImport({ projectId }: { projectId: number }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [fields, setFields] = useState({ text_attribute: "text", task: "ner", annotator: "conll" });
  const [gold, setGold] = useState(false);
  const [stage, setStage] = useState<Stage>({ kind: "idle" });
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  async function submit() {
    if (!file) return;
    const form = new FormData();
    form.set("file", file);
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    form.set("gold", String(gold));
    setError(null);
    setStage({ kind: "uploading", fraction: 0, what: "Import" });
    try {
      setResult(await upload<ImportResult>(`/projects/${projectId}/records/import-conll`, form,
        (f) => setStage(f >= 1 ? { kind: "processing", what: "Import" } : { kind: "uploading", fraction: f, what: "Import" })));
      setFile(null);
      void client.invalidateQueries({ queryKey: ["projects", projectId] });
    } catch (failure) {
      setError(failure);
    } finally {
      setStage({ kind: "idle" });
    }
  }
  return (
    <div className="panel"><div className="panel-body stack">
      <FilePicker file={file} onFile={setFile} accept=".conll,.txt,.iob,.bio,.tsv" />
      <div className="row" style={{ alignItems: "flex-end" }}>
        {(["text_attribute", "task", "annotator"] as const).map((name) => (
          <Field key={name} label={name.replace("_", " ")}>
            <input className="input" value={fields[name]} aria-label={name} onChange={(e) => setFields({ ...fields, [name]: e.target.value })} />
          </Field>
        ))}
        <label className="check"><input type="checkbox" checked={gold} onChange={(e) => setGold(e.target.checked)} /> tags are gold</label>
        <span className="spacer" />
        <Button variant="primary" disabled={!file} busy={stage.kind !== "idle"} onClick={() => void submit()}>Import</Button>
      </div>
      <StageBar stage={stage} />
      <ErrorAlert error={error} />
      {result && <div className="alert ok" role="status">Imported {result.records.toLocaleString()} sentences with {result.manual_labels.toLocaleString()} spans.</div>}
    </div></div>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}
