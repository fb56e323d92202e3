/** The project's open comments where records are browsed: "N open comments" narrows the list
 * to the records that have one; beside it, the newest open comments (the record, linked to its
 * page, the author, when, the first line). Nothing is shown while no comment is open. */
import { useState, type FocusEvent } from "react";
import { useProjectComments } from "../hooks";
import { Link } from "../ui/Link";
import { CommentIcon } from "./CommentCount";
import { firstLine } from "./CommentThread";
import { useNow, When } from "./time";

/** How many of the newest open comments the list shows. */
const NEWEST = 8;

/** ``filtered``: the list shows the records with open comments already; ``onFilter``: narrow
 * it to them; ``suffix``: the list's filter, carried to a record's page (its way back). */
export function OpenComments({ projectId, filtered, onFilter, suffix }: {
  projectId: number; filtered: boolean; onFilter: () => void; suffix: string;
}) {
  const comments = useProjectComments(projectId, { state: "open", limit: NEWEST });
  const [listed, setListed] = useState(false);
  const now = useNow();
  const open = comments.data?.open ?? 0;
  if (!open) return null;
  const newest = comments.data?.data ?? [];
  const words = `${open.toLocaleString()} open comment${open === 1 ? "" : "s"}`;
  // focus leaving the control and its list closes the list
  const onBlur = (event: FocusEvent) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setListed(false);
  };
  return (
    <span className="open-comments" onBlur={onBlur}
      onKeyDown={(event) => { if (event.key === "Escape" && listed) { event.stopPropagation(); setListed(false); } }}>
      <button type="button" className="open-comments-filter" aria-pressed={filtered} aria-label={words}
        title={filtered ? "The list shows the records with open comments" : "Show only the records with open comments"}
        onClick={onFilter}>
        <CommentIcon /> {words}
      </button>
      <button type="button" className="open-comments-toggle" aria-expanded={listed} aria-haspopup="dialog"
        aria-label="Newest open comments" title="The newest open comments" onClick={() => setListed((l) => !l)}>▾</button>
      {listed && (
        // focusable, so that a click inside it keeps it open
        <div className="comments-pop" role="dialog" aria-label="newest open comments" tabIndex={-1}>
          <div className="comments-pop-head">
            <b>Newest open comments</b>
            <span className="spacer" />
            {!filtered && <button type="button" className="link-button" onClick={() => { setListed(false); onFilter(); }}>
              Show their records</button>}
          </div>
          <ul className="comments-pop-list">
            {newest.map((comment) => (
              <li key={comment.id}>
                <div className="comments-pop-meta">
                  <span className="muted">record <Link className="mono comments-pop-record"
                    href={`/projects/${projectId}/records/${comment.record_id}${suffix}`}
                    title="Open the record">{comment.record_external_id}</Link></span>
                  <span>{comment.author}</span>
                  <span className="faint"><When iso={comment.created_at} now={now} /></span>
                </div>
                <div className="comments-pop-line" title={comment.text}>{firstLine(comment.text)}</div>
              </li>
            ))}
          </ul>
          {open > newest.length && <div className="comments-pop-more small muted">
            …and {(open - newest.length).toLocaleString()} older</div>}
        </div>
      )}
    </span>
  );
}
