/** Import: a table file (CSV, JSONL, Parquet) previewed before it is committed (columns,
 * inferred types, first rows, count, notes on what was assumed), or a CoNLL file; options
 * (delimiter, header, encoding, unique ids, constants) and labels from a column re-run the
 * preview; upload progress; errors say row and field and keep what was typed. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ApiError, upload } from "../api";
import { navigate } from "../router";
import { useTasks } from "../hooks";
import type { ImportResult } from "../types";
import { Badge, Button, ErrorAlert, Field, Progress } from "../ui";
import { DEFAULT_OPTIONS, type Existing, hasTask, type ImportOptions, type LabelColumn, NO_LABELS, optionFields } from "./importOptions";

const TYPES = ["text", "category", "integer", "float", "boolean"];

interface Preview {
  columns: { name: string; type: string; existing: boolean }[];
  rows: Record<string, unknown>[];
  records: number;
  notes?: string[];
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

const DELIMITERS: [string, string][] = [["", "detect"], [",", "comma ,"], [";", "semicolon ;"], ["tab", "tab"], ["|", "pipe |"]];

function Notes({ notes }: { notes?: string[] }) {
  if (!notes?.length) return null;
  return (
    <div className="stack" style={{ gap: 4 }} aria-label="notes">
      {notes.map((note) => <div key={note} className="alert info" role="note">{note}</div>)}
    </div>
  );
}

function OptionsPanel({ options, onChange }: { options: ImportOptions; onChange: (options: ImportOptions) => void }) {
  const set = (change: Partial<ImportOptions>) => onChange({ ...options, ...change });
  const setConstant = (index: number, change: Partial<{ key: string; value: string }>) =>
    set({ constants: options.constants.map((c, i) => (i === index ? { ...c, ...change } : c)) });
  return (
    <div className="panel" aria-label="Options">
      <div className="panel-head"><h2>Options</h2><span className="muted">the preview follows each change</span></div>
      <div className="panel-body stack">
        <div className="row" style={{ alignItems: "flex-end" }}>
          <Field label="Delimiter">
            <select className="select" aria-label="Delimiter" value={options.delimiter} onChange={(e) => set({ delimiter: e.target.value })}>
              {DELIMITERS.map(([value, name]) => <option key={value} value={value}>{name}</option>)}
            </select>
          </Field>
          <Field label="Header row">
            <select className="select" aria-label="Header row" value={options.header}
              onChange={(e) => set({ header: e.target.value as ImportOptions["header"] })}>
              <option value="auto">detect</option><option value="yes">yes</option><option value="no">no (column_1, column_2, …)</option>
            </select>
          </Field>
          <Field label="Encoding">
            <input className="input" aria-label="Encoding" list="encodings" placeholder="auto" style={{ width: 110 }}
              value={options.encoding} onChange={(e) => set({ encoding: e.target.value })} />
            <datalist id="encodings">{["auto", "utf-8", "utf-16", "latin-1", "cp1252"].map((e) => <option key={e} value={e} />)}</datalist>
          </Field>
          <label className="check" title="an id already used becomes <id>-2, <id>-3, …">
            <input type="checkbox" checked={options.generateIds} onChange={(e) => set({ generateIds: e.target.checked })} /> make repeated ids unique
          </label>
        </div>
        <div className="stack" style={{ gap: 6 }}>
          <span className="small muted">Constant attributes, added to every record</span>
          {options.constants.map((c, i) => (
            <div className="row" key={i}>
              <input className="input" aria-label={`Constant ${i + 1} name`} placeholder="name" value={c.key} style={{ width: 160 }}
                onChange={(e) => setConstant(i, { key: e.target.value })} />
              <span className="muted">=</span>
              <input className="input" aria-label={`Constant ${i + 1} value`} placeholder="value" value={c.value} style={{ width: 220 }}
                onChange={(e) => setConstant(i, { value: e.target.value })} />
              <Button small onClick={() => set({ constants: options.constants.filter((_, j) => j !== i) })}>Remove</Button>
            </div>
          ))}
          <div><Button small onClick={() => set({ constants: [...options.constants, { key: "", value: "" }] })}>Add constant</Button></div>
        </div>
      </div>
    </div>
  );
}

const NEW_TASK = "new";

function LabelsPanel({ projectId, columns, labels, onChange }: {
  projectId: number; columns: string[]; labels: LabelColumn; onChange: (labels: LabelColumn) => void;
}) {
  const tasks = (useTasks(projectId).data ?? []).filter((t) => t.kind !== "extraction");
  const task = tasks.find((t) => t.id === labels.taskId);
  const creating = labels.newTask !== null;
  const set = (change: Partial<LabelColumn>) => onChange({ ...labels, ...change });
  const choose = (value: string) => set(value === NEW_TASK
    ? { taskId: null, newTask: labels.column && !tasks.some((t) => t.name === labels.column) ? labels.column : "" }
    : { taskId: value ? Number(value) : null, newTask: null });
  return (
    <div className="panel" aria-label="Labels from a column">
      <div className="panel-head"><h2>Labels from a column</h2><span className="muted">its values become manual labels of a task, not an attribute</span></div>
      <div className="panel-body row" style={{ alignItems: "flex-end" }}>
        <Field label="Label column">
          <select className="select" aria-label="Label column" value={labels.column} disabled={!columns.length}
            onChange={(e) => set({ column: e.target.value })}>
            <option value="">none</option>
            {columns.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </Field>
        <Field label="Task" hint={labels.column && !task && !creating ? "Choose the task the labels are for, or a new one." : undefined}>
          <select className="select" aria-label="Label task" value={creating ? NEW_TASK : labels.taskId ?? ""}
            onChange={(e) => choose(e.target.value)}>
            <option value="">{tasks.length ? "choose a task" : "no classification task yet"}</option>
            {tasks.map((t) => <option key={t.id} value={t.id}>{t.name} ({t.kind})</option>)}
            <option value={NEW_TASK}>new task of the column's values…</option>
          </select>
        </Field>
        {creating && (
          <Field label="New task" hint="its labels: the column's values, in the order they first appear; multi-label with a separator or JSON lists">
            <input className="input" aria-label="New task name" placeholder="task name" style={{ width: 160 }}
              value={labels.newTask ?? ""} onChange={(e) => set({ newTask: e.target.value })} />
          </Field>
        )}
        {(task?.kind === "multilabel" || creating) && (
          <Field label="Separator" hint="between labels in a value; JSON lists are read as lists">
            <input className="input" aria-label="Label separator" placeholder="|" style={{ width: 80 }}
              value={labels.separator} onChange={(e) => set({ separator: e.target.value })} />
          </Field>
        )}
        <label className="check"><input type="checkbox" checked={labels.gold} onChange={(e) => set({ gold: e.target.checked })} /> labels are gold</label>
      </div>
    </div>
  );
}

function TableImport({ projectId }: { projectId: number }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [idColumn, setIdColumn] = useState("");
  const [existing, setExisting] = useState<Existing>("refuse");
  const [options, setOptions] = useState<ImportOptions>(DEFAULT_OPTIONS);
  const [labels, setLabels] = useState<LabelColumn>(NO_LABELS);
  const [types, setTypes] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [columnNames, setColumnNames] = useState<string[]>([]);
  const [stage, setStage] = useState<Stage>({ kind: "idle" });
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const latest = useRef(0);
  const [previewing, setPreviewing] = useState(false);

  const fields: Record<string, string> = {
    id_column: idColumn, ...(idColumn && existing !== "refuse" ? { existing } : {}), ...optionFields(options, labels),
  };
  const fieldsKey = JSON.stringify(fields);

  async function send<T>(path: string, what: string, sent: Record<string, string>, chosen: File): Promise<T> {
    const form = new FormData();
    form.set("file", chosen);
    for (const [name, value] of Object.entries(sent)) if (value) form.set(name, value);
    setStage({ kind: "uploading", fraction: 0, what });
    try {
      return await upload<T>(path, form, (fraction) =>
        setStage(fraction >= 1 ? { kind: "processing", what } : { kind: "uploading", fraction, what }));
    } finally {
      setStage({ kind: "idle" });
    }
  }

  // the preview follows the file and every option; a late answer to an older request is
  // dropped, and the import waits for the preview of what it sends
  useEffect(() => {
    if (!file) return;
    const sent: Record<string, string> = JSON.parse(fieldsKey);
    const request = ++latest.current;
    setPreviewing(true);
    const timer = setTimeout(() => {
      setError(null);
      setResult(null);
      send<Preview>(`/projects/${projectId}/records/import/preview`, "Preview", sent, file).then((p) => {
        if (request !== latest.current) return;
        setPreviewing(false);
        setPreview(p);
        // the id and label columns are no attributes, so not among the preview's columns
        const names = p.columns.map((c) => c.name);
        const chosen = (column: string | undefined) => (column && !names.includes(column) ? [column] : []);
        setColumnNames([...chosen(sent.id_column), ...names, ...chosen(sent.label_column)]);
        setTypes(Object.fromEntries(p.columns.map((c) => [c.name, c.type])));
      }, (failure) => {
        if (request !== latest.current) return;
        setPreviewing(false);
        setPreview(null);
        setError(failure);
      });
    }, 250);
    return () => clearTimeout(timer);
  }, [file, fieldsKey, projectId]);

  async function commit() {
    if (!file || !preview) return;
    setError(null);
    const changed = Object.fromEntries(preview.columns.filter((c) => !c.existing && types[c.name] !== c.type)
      .map((c) => [c.name, types[c.name]]));
    try {
      const done = await send<ImportResult>(`/projects/${projectId}/records/import`, "Import",
        { ...fields, types: Object.keys(changed).length ? JSON.stringify(changed) : "" }, file);
      latest.current++;
      setPreviewing(false);
      setResult(done);
      setPreview(null);
      setFile(null);
      setColumnNames([]); // the columns were the imported file's; options and task stay
      setIdColumn("");
      // a task made by this import is the task of the next one's labels
      setLabels({ ...labels, column: "", ...(labels.newTask !== null && done.task_id !== null ? { taskId: done.task_id, newTask: null } : {}) });
      void client.invalidateQueries({ queryKey: ["projects", projectId] });
    } catch (failure) {
      setError(failure);
    }
  }

  const labelColumn = fields.label_column ?? "";
  const columns = preview?.columns.filter((c) => c.name !== idColumn && c.name !== labelColumn) ?? [];
  const waitsForTask = labels.column !== "" && !hasTask(labels);
  return (
    <div className="stack">
      <div className="panel">
        <div className="panel-body stack">
          <FilePicker file={file} accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,.parquet,.pq"
            onFile={(chosen) => { setFile(chosen); setIdColumn(""); setLabels({ ...labels, column: "" }); }} />
          <div className="row" style={{ alignItems: "flex-end" }}>
            <Field label="Id column" hint="Stable ids of the records; without one they are numbered.">
              <select className="select" value={idColumn} disabled={!columnNames.length} aria-label="Id column"
                onChange={(e) => setIdColumn(e.target.value)}>
                <option value="">none (number the records)</option>
                {columnNames.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            </Field>
            <Field label="Rows naming existing records" hint="By the id column: a file that grew, or corrected values.">
              <select className="select" value={idColumn ? existing : "refuse"} disabled={!idColumn} aria-label="Rows naming existing records"
                onChange={(e) => setExisting(e.target.value as Existing)}>
                <option value="refuse">refuse the file</option>
                <option value="skip">skip them (add only new rows)</option>
                <option value="update">update those records' values</option>
              </select>
            </Field>
            <span className="spacer" />
            <Button variant="primary" disabled={!preview || previewing || waitsForTask || stage.kind !== "idle"} busy={stage.kind !== "idle" && preview !== null}
              onClick={() => void commit()}>
              {preview ? `Import ${preview.records.toLocaleString()} ${idColumn && existing !== "refuse" ? "rows" : "records"}` : "Import"}
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
              Imported {result.records.toLocaleString()} records{result.attributes.length ? `; new attributes: ${result.attributes.join(", ")}` : ""}
              {result.manual_labels ? `; ${result.manual_labels.toLocaleString()} manual labels` : ""}
              {result.updated ? `; ${result.updated.toLocaleString()} records updated` : ""}.{" "}
              <a href={`/projects/${projectId}/data`} onClick={(e) => { e.preventDefault(); navigate(`/projects/${projectId}/data`); }}>Browse them</a>
            </div>
          )}
          {result && <Notes notes={result.notes} />}
        </div>
      </div>
      <div className="grid2" style={{ alignItems: "start" }}>
        <OptionsPanel options={options} onChange={setOptions} />
        <LabelsPanel projectId={projectId} columns={columnNames.filter((c) => c !== idColumn)} labels={labels} onChange={setLabels} />
      </div>
      {preview && <Notes notes={preview.notes} />}
      {preview && (
        <div className="panel">
          <div className="panel-head"><h2>Preview</h2><span className="muted">first {preview.rows.length} of {preview.records.toLocaleString()} records; types are inferred from the whole file and can be changed</span></div>
          <div className="preview">
            <table className="table" aria-label="preview">
              <thead>
                <tr>{idColumn && <th>{idColumn} <span className="faint">id</span></th>}{labelColumn && <th>{labelColumn} <span className="faint">labels</span></th>}{columns.map((c) => <th key={c.name}>{c.name}</th>)}</tr>
                <tr>{idColumn && <th />}{labelColumn && <th />}{columns.map((c) => (
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
                    {labelColumn && <td>{row[labelColumn] === null || row[labelColumn] === undefined ? <span className="faint">—</span> : <Badge tone="accent">{String(row[labelColumn])}</Badge>}</td>}
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
