/** A computed attribute's code: the editor (read-only for those who may not save), the
 * actions given (create, save), "Try on 10 records" with each record's value or error, and
 * the lines that a refusal, a tried record or the latest run names, marked in the code. */
import { useMutation } from "@tanstack/react-query";
import { type ReactNode, useMemo } from "react";
import { post } from "../api";
import { CodeEditor, type Problem } from "../heuristics/CodeEditor";
import { problemOf, SAMPLE_SIZE } from "../heuristics/EditorPanel";
import type { AttributeSample, AttributeType } from "../types";
import { Button, ErrorAlert, Spinner } from "../ui";
import type { CodeDraft } from "../heuristics/useCodeDraft";
import { ValueSample } from "./ValueSample";

export function AttributeCode({ projectId, draft, dataType, names, canEdit, canTry, actions,
  refused, problems, discardLabel }: {
  projectId: number; draft: CodeDraft; dataType: AttributeType;
  /** Completed while typing: the attributes' names. */
  names: string[]; canEdit: boolean; canTry: boolean; actions?: ReactNode;
  /** What the server refused of the actions (shown under them), and the code it was for. */
  refused?: { error: unknown; source: string | undefined };
  /** Other lines to mark, e.g. the failed run's. */
  problems?: Problem[];
  discardLabel: string;
}) {
  const sample = useMutation({
    mutationFn: (source: string) => post<AttributeSample>(`/projects/${projectId}/attributes/sample`,
      { source, data_type: dataType, n: SAMPLE_SIZE }),
  });
  const triedNow = sample.variables === draft.source;
  const refusedError = refused?.source === draft.source ? refused.error : null;
  const marks = useMemo(() => {
    const found: (Problem | null)[] = [...(problems ?? [])];
    found.push(problemOf(refusedError));
    if (triedNow) {
      found.push(problemOf(sample.error));
      const failed = sample.data?.results.find((r) => r.error && r.line);
      if (failed) found.push({ line: failed.line!, message: `record ${failed.external_id}: ${failed.error}` });
    }
    return found.filter((p): p is Problem => p !== null);
  }, [problems, refusedError, triedNow, sample.error, sample.data]);

  return (
    <div className={canTry ? "attribute-code" : undefined}>
      <div className="stack">
        {draft.restored && draft.dirty && (
          <div className="alert info row" role="status" aria-label="unsaved changes">
            <span>Unsaved code from {new Date(draft.restored.savedAt).toLocaleString()} restored.</span>
            <Button small onClick={draft.discard}>{discardLabel}</Button>
          </div>
        )}
        <CodeEditor value={draft.source} onChange={draft.setSource} names={names} problems={marks}
          label="attribute code" readOnly={!canEdit} />
        <div className="row">
          {actions}
          {canTry && <Button busy={sample.isPending} onClick={() => sample.mutate(draft.source)}>
            Try on {SAMPLE_SIZE} records</Button>}
        </div>
        <ErrorAlert error={refused?.error} />
      </div>
      {canTry && <div className="stack">
        <ErrorAlert error={sample.error} />
        {sample.isPending ? <div className="sample-hint" role="status"><Spinner /> Running the code on {SAMPLE_SIZE} random records…</div>
          : sample.data ? <ValueSample projectId={projectId} sample={sample.data} outdated={!triedNow} />
            : !sample.error && <div className="sample-hint">Try the code on {SAMPLE_SIZE} random records: each one's value, or its error and line, shows here. Nothing is stored.</div>}
      </div>}
    </div>
  );
}
