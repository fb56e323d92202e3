/** The labeling functions whose code reads something (a lookup list, an attribute), each a
 * link to its editor. */
import type { Reader } from "../types";
import { Link } from "../ui/Link";

export function Readers({ projectId, readers }: { projectId: number; readers: Reader[] }) {
  return <>{readers.map((r, i) => <span key={r.id}>{i > 0 && ", "}
    <Link href={`/projects/${projectId}/heuristics/${r.id}`}>{r.name}</Link></span>)}</>;
}
