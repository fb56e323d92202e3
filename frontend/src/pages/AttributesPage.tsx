/** The project's attributes: those imported with the records and those computed by code
 * from each record's other attributes (``def ac(record): ...``), with the latest run of
 * each computed one live. Owners create computed attributes and change their code; every
 * member reads it, and annotators try it on records. The attribute shown is in the address
 * (``?attribute=5``, or ``?attribute=new`` for the form of a new one). */
import { atLeast, useAttributes, useRole } from "../hooks";
import { navigate, useLocation } from "../router";
import { AttributeEditor } from "../attributes/AttributeEditor";
import { AttributesTable } from "../attributes/AttributesTable";
import { useLiveAttributes } from "../attributes/live";
import { NewAttribute } from "../attributes/NewAttribute";
import { Button, Empty, ErrorAlert, Spinner } from "../ui";
import "../heuristics/heuristics.css";
import "../attributes/attributes.css";

export function AttributesPage({ projectId }: { projectId: number }) {
  const role = useRole(projectId);
  const canEdit = atLeast(role, "owner");
  const attributes = useAttributes(projectId);
  useLiveAttributes(projectId);
  const { path, search } = useLocation();
  const chosen = search.get("attribute");
  const select = (id: number | "new" | null) =>
    navigate(id === null ? path : `${path}?attribute=${id}`, { replace: true });
  const shown = attributes.data?.find((a) => a.computed && String(a.id) === chosen) ?? null;
  return (
    <div className="page stack">
      <div className="panel">
        <div className="panel-head">
          <h2>Attributes</h2>
          <span className="small muted">imported with the records, or computed by code from their other attributes</span>
          <span className="spacer" />
          {canEdit && <Button small variant="primary" disabled={chosen === "new"} onClick={() => select("new")}>
            New computed attribute</Button>}
        </div>
        {attributes.isPending ? <Empty><Spinner /></Empty>
          : attributes.error ? <div className="panel-body"><ErrorAlert error={attributes.error} /></div>
            : attributes.data.length === 0 ? <Empty>No attributes yet: import records first.</Empty>
              : <AttributesTable projectId={projectId} attributes={attributes.data} selected={shown?.id ?? null}
                canEdit={canEdit} onDeleted={(a) => { if (a.id === shown?.id) select(null); }} />}
      </div>
      {/* the editors open once the role is known: it decides whether they may change code */}
      {role !== null && attributes.data && <>
        {chosen === "new" && canEdit && <NewAttribute projectId={projectId} attributes={attributes.data}
          onCreated={select} onClose={() => select(null)} />}
        {shown && <AttributeEditor key={shown.id} projectId={projectId} attribute={shown}
          names={attributes.data.map((a) => a.name)} canEdit={canEdit} canTry={atLeast(role, "annotator")}
          onDeleted={() => select(null)} />}
      </>}
    </div>
  );
}
