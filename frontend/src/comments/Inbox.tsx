/** The signed-in user's notifications in the top bar: a bell with the number of unread ones,
 * read again every 30 s and whenever a comment changes in the open project. It opens a panel
 * of the newest ones (who mentioned or answered them, the project, when, the comment's
 * text), each a link to the record's page that marks it read; "Mark all read"; the read ones
 * shown too on demand. Escape, a click elsewhere or focus leaving close the panel. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FocusEvent } from "react";
import { useProjectEvents } from "../events";
import { NOTIFICATIONS_KEY, useMarkRead, useNotifications } from "../hooks";
import type { AppNotification } from "../types";
import { ErrorAlert, Spinner, useToast } from "../ui";
import { Link } from "../ui/Link";
import { relativeTime, useNow, When } from "./time";

/** How many notifications the panel lists first; "Show more" adds as many again. */
const FIRST = 20;
const MOST = 200;

/** ``projectId``: the project open in the page, whose comments are followed as they change. */
export function Inbox({ projectId }: { projectId: number | null }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [all, setAll] = useState(false);
  const [limit, setLimit] = useState(FIRST);
  const unread = useNotifications("unread");
  const listed = useNotifications(all ? "all" : "unread", { limit, enabled: open });
  const mark = useMarkRead();
  const toast = useToast();
  const now = useNow();
  const wrap = useRef<HTMLDivElement>(null);
  const bell = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const count = unread.data?.unread ?? 0;

  const close = (focusBell: boolean) => {
    setOpen(false);
    if (focusBell) bell.current?.focus();
  };
  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const outside = (event: MouseEvent) => {
      if (!wrap.current?.contains(event.target as Node | null)) setOpen(false);
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);
  // focus leaving the bell and its panel closes it
  const onBlur = (event: FocusEvent) => {
    const to = event.relatedTarget as Node | null;
    if (to && !event.currentTarget.contains(to)) setOpen(false);
  };

  const label = count ? `Notifications, ${count.toLocaleString()} unread` : "Notifications";
  const items = listed.data?.data ?? [];
  return (
    <div className="inbox" ref={wrap} onBlur={onBlur}
      onKeyDown={(event) => {
        if (event.key === "Escape" && open) { event.preventDefault(); event.stopPropagation(); close(true); }
      }}>
      {projectId !== null && <FollowComments projectId={projectId} />}
      <button ref={bell} type="button" className="btn ghost inbox-bell" aria-label={label} title={label}
        aria-haspopup="dialog" aria-expanded={open} aria-controls={open ? `${id}-panel` : undefined}
        onClick={() => { if (open) setOpen(false); else { mark.reset(); setOpen(true); } }}>
        <BellIcon />
        {count > 0 && <span className="inbox-count" aria-hidden>{count > 99 ? "99+" : count}</span>}
      </button>
      {open && (
        <div ref={panel} className="inbox-pop" role="dialog" id={`${id}-panel`} aria-label="Notifications" tabIndex={-1}>
          <div className="inbox-head">
            <b>Notifications</b>
            {count > 0 && <span className="badge accent">{count.toLocaleString()} unread</span>}
            <span className="spacer" />
            <button type="button" className="link-button" disabled={!count || mark.isPending}
              onClick={() => mark.mutate({ all: true })}>Mark all read</button>
          </div>
          <label className="check small inbox-filter">
            <input type="checkbox" checked={all} onChange={(e) => { setAll(e.target.checked); setLimit(FIRST); }} />
            Show read ones too
          </label>
          <ErrorAlert error={listed.error ?? mark.error} />
          {!listed.data ? (listed.isFetching && <div className="inbox-note"><Spinner /></div>) : items.length === 0 ? (
            <p className="inbox-note muted">{all ? "No notifications yet." : "Nothing new."}</p>
          ) : (
            <ul className={`inbox-list${listed.isPlaceholderData ? " stale" : ""}`} aria-label="notifications">
              {items.map((item) => (
                <NotificationItem key={item.id} item={item} now={now}
                  onOpen={() => {
                    // the panel closes: a refusal shows as a toast
                    if (!item.read_at) mark.mutate({ ids: [item.id] }, { onError: (error) => toast(`Not marked read: ${error.message}`) });
                    setOpen(false);
                  }} />
              ))}
            </ul>
          )}
          {listed.data && listed.data.count > items.length && (
            <div className="inbox-more small muted">
              Showing the newest {items.length.toLocaleString()} of {listed.data.count.toLocaleString()}
              {limit < MOST && <>{" "}<button type="button" className="link-button" disabled={listed.isFetching}
                onClick={() => setLimit((l) => Math.min(MOST, l + FIRST))}>Show more</button></>}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** One notification: a link to the record's page (opening it marks it read). */
function NotificationItem({ item, now, onOpen }: { item: AppNotification; now: number; onOpen: () => void }) {
  const unread = item.read_at === null;
  const what = item.reason === "mention" ? "mentioned you" : "replied";
  return (
    <li className={unread ? "inbox-item unread" : "inbox-item"}>
      <Link href={`/projects/${item.project_id}/records/${item.record_id}`} className="inbox-link" onClick={onOpen}
        aria-label={`${unread ? "Unread: " : ""}${item.author} ${what} in ${item.project_name}, ${relativeTime(item.created_at, now)}${
          item.resolved ? " (resolved)" : ""}: ${item.excerpt}`}>
        <span className="inbox-dot" aria-hidden />
        <span className="inbox-body">
          <span className="inbox-meta">
            <b className="inbox-author">{item.author}</b> {what}
            <span className="faint" aria-hidden> · </span>
            <span className="inbox-project" title={item.project_name}>{item.project_name}</span>
            <span className="faint" aria-hidden> · </span>
            <span className="inbox-when"><When iso={item.created_at} now={now} /></span>
            {item.resolved && <span className="inbox-resolved">resolved</span>}
          </span>
          <span className="inbox-excerpt">{item.excerpt}</span>
        </span>
      </Link>
    </li>
  );
}

/** The project's comments changing: the notifications are read again (a new one may be there). */
function FollowComments({ projectId }: { projectId: number }) {
  const client = useQueryClient();
  useProjectEvents(projectId, (event) => {
    if (event.type === "comments.changed") void client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
  });
  return null;
}

/** A bell (drawn: emoji fonts are not everywhere). */
function BellIcon() {
  return (
    <svg className="inbox-icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden focusable="false">
      <path d="M8 1.75a4.25 4.25 0 0 0-4.25 4.25v2.6L2.5 11.25h11L12.25 8.6V6A4.25 4.25 0 0 0 8 1.75z"
        fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
      <path d="M6.25 13a1.75 1.75 0 0 0 3.5 0" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}
