/** A computed attribute: its latest run ("Compute again"), its code ("Save and compute
 * again") tried on records, a link to its values in the data browser, and "Delete". Unsaved code is
 * kept as a draft, and stays in the editor when the server refuses it. */
import { useMutation } from "@tanstack/react-query";
import { useMemo } from "react";
import { patch, post } from "../api";
import { filtersToSearch, NO_FILTERS } from "../filters";
import { lineOf } from "../heuristics/EditorPanel";
import type { Attribute } from "../types";
import { Badge, Button, ErrorAlert } from "../ui";
import { Link } from "../ui/Link";
import { AttributeCode } from "./AttributeCode";
import { DeleteAttribute } from "./DeleteAttribute";
import { isActive, useKeepAttribute } from "./live";
import { RunState } from "./RunState";
import { useCodeDraft } from "../heuristics/useCodeDraft";

export function AttributeEditor({ projectId, attribute, names, canEdit, canTry, onDeleted }: {
  projectId: number; attribute: Attribute; names: string[]; canEdit: boolean; canTry: boolean;
  onDeleted: () => void;
}) {
  const keep = useKeepAttribute(projectId);
  const draft = useCodeDraft(projectId, `attribute-${attribute.id}`, attribute.source ?? "", canEdit);
  const path = `/projects/${projectId}/attributes/${attribute.id}`;
  const save = useMutation({ mutationFn: (source: string) => patch<Attribute>(path, { source }), onSuccess: keep });
  const again = useMutation({ mutationFn: () => post<Attribute>(`${path}/runs`), onSuccess: keep });
  const run = attribute.run;
  // the failed run's line, marked while the code it ran is shown
  const failedLine = run?.status === "failed" && !draft.dirty ? lineOf(run.error) : null;
  const problems = useMemo(() => (failedLine ? [{ line: failedLine, message: run?.error ?? "" }] : undefined),
    [failedLine, run?.error]);
  return (
    <div className="panel" aria-label={`attribute ${attribute.name}`}>
      <div className="panel-head">
        <h2>{attribute.name}</h2>
        <Badge>{attribute.data_type}</Badge>
        <code className="small">record[{JSON.stringify(attribute.name)}]</code>
        <span className="spacer" />
        <Link href={`/projects/${projectId}/data${filtersToSearch({ ...NO_FILTERS, sort: attribute.name })}`}>
          Show in the data browser</Link>
        {canEdit && <DeleteAttribute projectId={projectId} attribute={attribute} onDeleted={onDeleted} />}
      </div>
      <div className="panel-body stack">
        <div className="row" style={{ alignItems: "flex-start", flexWrap: "nowrap" }} aria-label="latest run">
          <b className="nowrap" style={{ lineHeight: "20px" }}>Latest run</b>
          <div style={{ flex: 1, minWidth: 0 }}>
            {run ? <RunState projectId={projectId} run={run} /> : <span className="faint">not computed yet</span>}
            {run?.status === "failed" && <div className="small muted">The records keep the values they had before this run.</div>}
          </div>
          {canEdit && <Button small busy={again.isPending} disabled={isActive(run) || draft.dirty}
            title={isActive(run) ? "a run is under way" : draft.dirty ? "save the code first" : "run the saved code over every record"}
            onClick={() => again.mutate()}>Compute again</Button>}
        </div>
        <ErrorAlert error={again.error} />
        <AttributeCode projectId={projectId} draft={draft} dataType={attribute.data_type} names={names}
          canEdit={canEdit} canTry={canTry} discardLabel="Discard and show the saved code"
          refused={{ error: save.error, source: save.variables }}
          problems={problems}
          actions={canEdit && <Button variant="primary" busy={save.isPending} disabled={!draft.dirty}
            onClick={() => save.mutate(draft.source)}>{draft.dirty ? "Save and compute again" : "Saved"}</Button>} />
        {!canEdit && <span className="faint small">Only the project's owners change the code.</span>}
      </div>
    </div>
  );
}
