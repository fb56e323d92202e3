/** Every attribute of the project: its name, type, where its values come from, a computed
 * one's latest run, and the labeling functions that read it; a computed one's name links to
 * its code. Owners delete any. */
import type { Attribute } from "../types";
import { Badge } from "../ui";
import { Link } from "../ui/Link";
import { Readers } from "../heuristics/Readers";
import { DeleteAttribute } from "./DeleteAttribute";
import { RunState } from "./RunState";

export function AttributesTable({ projectId, attributes, selected, canEdit, onDeleted }: {
  projectId: number; attributes: Attribute[]; selected: number | null; canEdit: boolean;
  onDeleted: (attribute: Attribute) => void;
}) {
  return (
    <table className="table attributes-table" aria-label="attributes">
      <thead><tr><th>Name</th><th>Type</th><th>Values</th><th style={{ width: "45%" }}>Latest run</th><th>Read by</th>
        {canEdit && <th aria-label="actions" />}</tr></thead>
      <tbody>
        {attributes.map((a) => (
          <tr key={a.id} data-attribute={a.name} className={a.id === selected ? "selected" : undefined}>
            <td>{a.computed
              ? <Link href={`/projects/${projectId}/attributes?attribute=${a.id}`} title="show its code"><b>{a.name}</b></Link>
              : <b>{a.name}</b>}</td>
            <td>{a.data_type}</td>
            <td>{a.computed ? <Badge tone="accent">computed</Badge> : <span className="muted">imported</span>}</td>
            <td>{a.run ? <RunState projectId={projectId} run={a.run} />
              : a.computed && <span className="faint">not computed yet</span>}</td>
            <td className="small"><Readers projectId={projectId} readers={a.read_by ?? []} /></td>
            {canEdit && <td className="actions">
              <DeleteAttribute projectId={projectId} attribute={a} named onDeleted={() => onDeleted(a)} /></td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
