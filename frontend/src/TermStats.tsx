/** Where the terms of a lookup list occur and which reference labels they meet there: the
 * noisy terms (their labelled records or places carry mixed labels) and the dead ones
 * (found nowhere), worst first, with a button to remove a term; and, in a classification or
 * multi-label task, the words the list lacks that signal a label, with a button to add one.
 * Counted on the server on demand (every record is read), for the task chosen. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { get, patch } from "./api";
import { useTasks } from "./hooks";
import type { LookupList, TermCount, TermStatistics, TermSuggestions as Suggestions } from "./types";
import { Button, ErrorAlert, Spinner } from "./ui";
import { Link } from "./ui/Link";

const SHOWN = 200;

type Shown = "all" | "noisy" | "dead";

const percent = (share: number) => `${Math.round(share * 100)} %`;

/** The data browser's address for the records whose ``attribute`` holds ``term``. */
const recordsHolding = (projectId: number, term: string, attribute: string) =>
  `/projects/${projectId}/data?${new URLSearchParams({ q: term, in: attribute })}`;

function labelsText(t: TermCount, unit: string) {
  const named = Object.entries(t.labels).sort((a, b) => b[1] - a[1]).map(([label, n]) => `${label} ${n}`);
  const bare = t.labelled - Object.values(t.labels).reduce((sum, n) => sum + n, 0);
  if (unit === "places" && bare > 0) named.push(`no span ${bare}`);
  return named.join(" · ");
}

export function TermStats({ projectId, list, canEdit, onChanged }: {
  projectId: number; list: LookupList; canEdit: boolean; onChanged: (changed: LookupList) => void;
}) {
  const client = useQueryClient();
  const tasks = useTasks(projectId);
  const [open, setOpen] = useState(false);
  const [taskId, setTaskId] = useState<number | null>(null);
  const [shown, setShown] = useState<Shown>("all");
  const queryKey = ["projects", projectId, "lookup-lists", list.id, "term-stats", taskId, list.version];
  const stats = useQuery({
    queryKey, enabled: open,
    placeholderData: keepPreviousData, // a new version recounts: the old counts stay till then
    queryFn: () => get<TermStatistics>(`/projects/${projectId}/lookup-lists/${list.id}/term-stats`
      + (taskId === null ? "" : `?task_id=${taskId}`)),
  });
  const remove = useMutation({
    mutationFn: (term: string) => patch<LookupList>(`/projects/${projectId}/lookup-lists/${list.id}`, { remove: [term] }),
    onSuccess: (changed, term) => {
      // the counts of the other terms stand: the new version's are these less the term
      const key = ["projects", projectId, "lookup-lists", list.id, "term-stats", taskId, changed.version];
      if (stats.data) client.setQueryData(key, { ...stats.data, terms: stats.data.terms.filter((t) => t.term !== term) });
      onChanged(changed);
    },
  });
  const data = stats.data;
  const rows = useMemo(() => {
    if (!data) return [];
    // the server sends them the worst first
    return shown === "noisy" ? data.terms.filter((t) => t.noisy) : shown === "dead" ? data.terms.filter((t) => t.found === 0) : data.terms;
  }, [data, shown]);
  if (!open) {
    return (
      <div className="row">
        <Button small onClick={() => setOpen(true)}>Term statistics</Button>
        <span className="small muted">where each term occurs and which reference labels it meets there</span>
      </div>
    );
  }
  const unit = data?.unit ?? "records";
  const noisy = data ? data.terms.filter((t) => t.noisy).length : 0;
  const dead = data ? data.terms.filter((t) => t.found === 0).length : 0;
  return (
    <section className="stack" aria-label="term statistics">
      <div className="row">
        <b>Term statistics</b>
        <label className="small">against the reference labels of{" "}
          <select className="input" aria-label="Task" value={taskId ?? data?.task_id ?? ""}
            onChange={(e) => setTaskId(Number(e.target.value))}>
            {(tasks.data ?? []).map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </select>
        </label>
        <select className="input" aria-label="Show" value={shown} onChange={(e) => setShown(e.target.value as Shown)}>
          <option value="all">every term</option>
          <option value="noisy">noisy terms ({noisy})</option>
          <option value="dead">terms found nowhere ({dead})</option>
        </select>
        <span className="spacer" />
        {stats.isPlaceholderData && <span className="row small muted" role="status"><Spinner /> counting again…</span>}
        <Button small variant="ghost" onClick={() => setOpen(false)}>Hide</Button>
      </div>
      {stats.isFetching && !data && <div className="row small muted"><Spinner /> counting the terms over every record…</div>}
      <ErrorAlert error={stats.error} />
      <ErrorAlert error={remove.error} />
      {data && <>
        <div className="small" aria-label="term statistics summary">
          {`${data.terms.length.toLocaleString()} terms searched in ${data.attribute}; ${data.labelled.toLocaleString()} records of ${data.task_name} have a reference label. `}
          {`${noisy.toLocaleString()} noisy (their labelled ${unit} carry ${data.follows ? `other labels than ${data.follows}` : "mixed labels"}), `}
          {`${dead.toLocaleString()} found nowhere.`}
        </div>
        {rows.length === 0 ? <div className="small muted">No term to show.</div> : (
          <table className="table" aria-label="terms">
            <thead><tr><th>Term</th><th style={{ textAlign: "right" }}>{unit === "places" ? "Places" : "Records"}</th>
              <th style={{ textAlign: "right" }}>Labelled</th><th>Reference labels</th>
              <th style={{ textAlign: "right" }}>{data.follows ? `As ${data.follows}` : "Agreement"}</th>{canEdit && <th />}</tr></thead>
            <tbody>
              {rows.slice(0, SHOWN).map((t) => (
                <tr key={t.term} data-term={t.term}>
                  <td className="mono"><Link href={recordsHolding(projectId, t.term, data.attribute)}
                    title="The records whose text holds it, in the data browser">{t.term}</Link></td>
                  <td style={{ textAlign: "right" }}>{t.found.toLocaleString()}</td>
                  <td style={{ textAlign: "right" }}>{t.labelled.toLocaleString()}</td>
                  <td className="small">{t.found === 0 ? <span className="faint">found nowhere</span>
                    : t.labelled === 0 ? <span className="faint">none labelled</span> : labelsText(t, unit)}</td>
                  <td style={{ textAlign: "right", color: t.noisy ? "var(--warn)" : undefined }}>
                    {t.agreement === null ? <span className="faint">–</span> : percent(t.agreement)}</td>
                  {canEdit && <td><Button small variant="ghost" busy={remove.isPending && remove.variables === t.term}
                    onClick={() => remove.mutate(t.term)} title="Remove the term from the list">Remove</Button></td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {rows.length > SHOWN && <div className="small muted">{`The first ${SHOWN} of ${rows.length.toLocaleString()} shown, the worst first.`}</div>}
        {unit === "records" && <TermSuggestions key={data.task_id} projectId={projectId} list={list} taskId={data.task_id}
          canEdit={canEdit} onChanged={onChanged} />}
        <div className="faint small">{unit === "places"
          ? "A term is found where its words equal consecutive tokens (case kept, the longest term first), as the template “lookup of” matches it."
          : "A term is found in a record that holds its words in a row (any case), as the template “lookup of” matches it."}</div>
      </>}
    </section>
  );
}

/** The words and word pairs the list lacks that signal a label among the task's labelled
 * records (at least three hold each), the best first; owners add one with a click. */
function TermSuggestions({ projectId, list, taskId, canEdit, onChanged }: {
  projectId: number; list: LookupList; taskId: number; canEdit: boolean; onChanged: (changed: LookupList) => void;
}) {
  const task = (useTasks(projectId).data ?? []).find((t) => t.id === taskId);
  const [label, setLabel] = useState<string | null>(null);
  const chosen = label ?? task?.labels[0]?.name ?? null;
  const [asked, setAsked] = useState(false);
  const suggestions = useQuery({
    queryKey: ["projects", projectId, "lookup-lists", list.id, "suggestions", taskId, chosen, list.version],
    enabled: asked && chosen !== null,
    placeholderData: keepPreviousData,
    queryFn: () => get<Suggestions>(`/projects/${projectId}/lookup-lists/${list.id}/suggestions`
      + `?task_id=${taskId}&label=${encodeURIComponent(chosen ?? "")}`),
  });
  const add = useMutation({
    mutationFn: (term: string) => patch<LookupList>(`/projects/${projectId}/lookup-lists/${list.id}`, { add: [term] }),
    onSuccess: onChanged,
  });
  if (!task) return null;
  const found = suggestions.data;
  return (
    <div className="stack" aria-label="term suggestions">
      <div className="row">
        <b className="small">Terms the list lacks</b>
        <label className="small">that signal{" "}
          <select className="input" aria-label="Suggest for label" value={chosen ?? ""} onChange={(e) => setLabel(e.target.value)}>
            {task.labels.map((l) => <option key={l.id} value={l.name}>{l.name}</option>)}
          </select>
        </label>
        {!asked && <Button small onClick={() => setAsked(true)}>Suggest terms</Button>}
        {suggestions.isPlaceholderData && <span className="row small muted" role="status"><Spinner /> reading again…</span>}
      </div>
      {asked && suggestions.isFetching && !found && <div className="row small muted"><Spinner /> reading the labelled records…</div>}
      <ErrorAlert error={suggestions.error} />
      <ErrorAlert error={add.error} />
      {found && (found.data.length === 0
        ? <div className="small muted">{`No word or word pair held by three or more of the ${found.labelled.toLocaleString()} labelled records signals ${found.label} that the list lacks.`}</div>
        : <table className="table" aria-label="suggested terms">
          <thead><tr><th>Term</th><th style={{ textAlign: "right" }}>Labelled records</th>
            <th style={{ textAlign: "right" }}>{`As ${found.label}`}</th><th style={{ textAlign: "right" }}>Records</th>{canEdit && <th />}</tr></thead>
          <tbody>
            {found.data.map((s) => (
              <tr key={s.term} data-suggestion={s.term}>
                <td className="mono"><Link href={recordsHolding(projectId, s.term, found.attribute)}
                  title="The records whose text holds it, in the data browser">{s.term}</Link></td>
                <td style={{ textAlign: "right" }}>{s.support.toLocaleString()}</td>
                <td style={{ textAlign: "right" }}>{percent(s.precision)}</td>
                <td style={{ textAlign: "right" }}>{s.found.toLocaleString()}</td>
                {canEdit && <td><Button small variant="ghost" busy={add.isPending && add.variables === s.term}
                  onClick={() => add.mutate(s.term)} title="Add the term to the list">Add</Button></td>}
              </tr>
            ))}
          </tbody>
        </table>)}
    </div>
  );
}
