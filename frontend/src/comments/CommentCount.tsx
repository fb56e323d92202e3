/** A record's comments in a row of the data browser: a speech bubble with the open ones'
 * count (accented), or, when every one is resolved, a muted bubble with their count; nothing
 * when the record has none. It links to the record's page, at its comments. */
import { Link } from "../ui/Link";

/** Where the record's page shows its comments (the part of its address after ``#``). */
export const COMMENTS_ANCHOR = "comments";

/** "2 open comments, 1 resolved", "1 open comment", "3 resolved comments" ("" for none). */
export function commentCountWords(comments: number, open: number): string {
  const resolved = comments - open;
  const of = (n: number, what: string) => `${n.toLocaleString()} ${what}${n === 1 ? "" : "s"}`;
  if (open > 0) return of(open, "open comment") + (resolved > 0 ? `, ${resolved.toLocaleString()} resolved` : "");
  return resolved > 0 ? of(resolved, "resolved comment") : "";
}

/** ``href``: the record's page (with the list's filter, its way back); the link adds the
 * anchor of its comments. A click opens it and nothing else (not the row's own click). */
export function CommentCount({ comments = 0, open = 0, href }: { comments?: number; open?: number; href: string }) {
  const words = commentCountWords(comments, open);
  if (!words) return null;
  return (
    <Link href={`${href}#${COMMENTS_ANCHOR}`} className={`comment-count ${open > 0 ? "open" : "resolved"}`}
      title={words} aria-label={words} onClick={(event) => event.stopPropagation()}>
      <CommentIcon /><span>{(open > 0 ? open : comments).toLocaleString()}</span>
    </Link>
  );
}

/** A speech bubble (drawn: emoji fonts are not everywhere). */
export function CommentIcon() {
  return (
    <svg className="comment-icon" width="13" height="13" viewBox="0 0 16 16" aria-hidden focusable="false">
      <path d="M2.5 2.5h11a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H7l-3.5 3v-3h-1a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1z"
        fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}
