/** A record's comments: the thread (author, when, edited, the text as typed with its links
 * and its mentions of members, resolved ones dimmed and folded to their first line) and a box
 * to add one (Ctrl+Enter sends; ``@`` and a name's first letters offer the members to mention;
 * what is typed is kept for the tab's session until it is sent). Authors rewrite their
 * own comments; authors and owners resolve, reopen and delete them; viewers read. The record
 * page and the labeling view show it; the pages follow ``comments.changed`` events. */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type Ref } from "react";
import { useCodeDraft } from "../heuristics/useCodeDraft";
import { atLeast, useCommentActions, useMe, useMembers, useRecordComments, useRole } from "../hooks";
import type { RecordComment } from "../types";
import { Badge, Button, ConfirmDialog, ErrorAlert, Spinner } from "../ui";
import { CommentText } from "./CommentText";
import { MentionTextarea } from "./MentionTextarea";
import { useNow, When } from "./time";

/** The longest comment the server takes. */
export const COMMENT_MAX = 10_000;

/** A comment's first line, for where there is room for one. */
export const firstLine = (text: string) => text.trim().split("\n")[0].trim();

/** Ctrl+Enter (or Cmd+Enter) sends; Escape leaves the box (``onEscape``). */
function keys(send: () => void, onEscape: () => void) {
  return (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
    else if (event.key === "Escape") { event.preventDefault(); onEscape(); }
  };
}

/** The record's thread in a panel. ``boxRef``: the box of a new comment (to put the cursor
 * in); ``onHide``: the panel can be closed (the labeling view's). */
export function CommentsPanel({ projectId, recordId, boxRef, onHide, id }: {
  projectId: number; recordId: number; boxRef?: Ref<HTMLTextAreaElement>; onHide?: () => void; id?: string;
}) {
  const thread = useRecordComments(projectId, recordId);
  const me = useMe().data?.name;
  const role = useRole(projectId);
  const members = useMembers(projectId).data;
  const names = useMemo(() => (members ?? []).map((m) => m.user), [members]);
  const now = useNow();
  const comments = thread.data?.data ?? [];
  const open = comments.filter((c) => c.resolved_at === null).length;
  const canWrite = atLeast(role, "annotator");
  return (
    <section className="panel comments-panel" aria-label="comments" id={id}>
      <div className="panel-head">
        <h2>Comments</h2>
        {open > 0 && <Badge tone="accent">{open} open</Badge>}
        {comments.length > open && <span className="small muted">{comments.length - open} resolved</span>}
        <span className="spacer" />
        {onHide && <Button small variant="ghost" aria-label="Hide comments" title="Hide the comments" onClick={onHide}>×</Button>}
      </div>
      <div className="panel-body comments-body">
        {thread.error ? <ErrorAlert error={thread.error} /> : !thread.data ? <Spinner /> : comments.length === 0 ? (
          <p className="faint small comments-none">No comments on this record yet.</p>
        ) : (
          <ol className="comment-list" aria-label="thread">
            {comments.map((comment) => (
              <CommentItem key={comment.id} projectId={projectId} comment={comment} me={me} now={now} members={names}
                canWrite={canWrite} isOwner={atLeast(role, "owner")} />
            ))}
          </ol>
        )}
        {canWrite ? <CommentBox key={recordId} projectId={projectId} recordId={recordId} boxRef={boxRef} />
          : role !== null && <p className="faint small comments-none">Annotators and owners write comments; you read them.</p>}
      </div>
    </section>
  );
}

/** One comment: its author's to rewrite; its author's or an owner's to resolve, reopen or
 * delete (after a confirmation). */
function CommentItem({ projectId, comment, me, now, members, canWrite, isOwner }: {
  projectId: number; comment: RecordComment; me: string | undefined; now: number; members: readonly string[];
  canWrite: boolean; isOwner: boolean;
}) {
  const resolved = comment.resolved_at !== null;
  const [expanded, setExpanded] = useState(!resolved);
  useEffect(() => setExpanded(!resolved), [resolved]);   // resolved: folded; reopened: shown
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(comment.text);
  const [confirming, setConfirming] = useState(false);
  const { change, remove } = useCommentActions(projectId, comment.record_id);
  const mine = me !== undefined && comment.author === me;
  const canEdit = canWrite && mine;
  const canResolve = canWrite && (mine || isOwner);
  const edit = () => { setText(comment.text); change.reset(); setEditing(true); };
  const save = () => {
    if (!text.trim() || change.isPending) return;
    if (text === comment.text) { setEditing(false); return; }
    change.mutate({ id: comment.id, text }, { onSuccess: () => setEditing(false) });
  };
  const over = text.length > COMMENT_MAX;
  return (
    <li className={`comment${resolved ? " resolved" : ""}`} aria-label={`comment by ${comment.author}`}>
      <div className="comment-head">
        <b className="comment-author">{comment.author}</b>
        <span className="muted small"><When iso={comment.created_at} now={now} /></span>
        {comment.edited_at && <span className="faint small" title={`edited ${new Date(comment.edited_at).toLocaleString()}`}>edited</span>}
        {resolved && (
          <span className="comment-resolved small" title={`resolved ${new Date(comment.resolved_at!).toLocaleString()}`}>
            ✓ resolved by {comment.resolved_by ?? "someone"}</span>
        )}
      </div>
      {editing ? (
        <div className="comment-edit">
          <MentionTextarea projectId={projectId} rows={2} value={text} aria-label="Edit comment" autoFocus aria-invalid={change.isError || over || undefined}
            onChange={(value) => { setText(value); if (change.isError) change.reset(); }}
            onKeyDown={keys(save, () => { setEditing(false); change.reset(); })} />
          <ErrorAlert error={change.error} />
          <div className="row comment-actions">
            <Button small variant="primary" busy={change.isPending} disabled={!text.trim()} onClick={save}>Save</Button>
            <Button small variant="ghost" disabled={change.isPending} onClick={() => { setEditing(false); change.reset(); }}>Cancel</Button>
            <span className="spacer" />
            <span className="small faint">{over ? `${text.length.toLocaleString()} / ${COMMENT_MAX.toLocaleString()}` : "Ctrl+Enter saves · Esc cancels"}</span>
          </div>
        </div>
      ) : expanded ? (
        <CommentText text={comment.text} members={members} me={me} className="comment-text" />
      ) : (
        <div className="comment-folded">
          <span className="comment-line">{firstLine(comment.text)}</span>
          <Button small variant="ghost" className="comment-fold" aria-expanded={false} aria-label="Show comment"
            title="Show the whole comment" onClick={() => setExpanded(true)}>more</Button>
        </div>
      )}
      {!editing && expanded && (resolved || canEdit || canResolve) && (
        <div className="row comment-actions">
          {resolved && <Button small variant="ghost" className="comment-fold" aria-expanded aria-label="Fold comment"
            title="Fold the resolved comment to its first line" onClick={() => setExpanded(false)}>less</Button>}
          {canEdit && <Button small variant="ghost" onClick={edit}>Edit</Button>}
          {canResolve && (
            <Button small variant="ghost" busy={change.isPending} onClick={() => change.mutate({ id: comment.id, resolved: !resolved })}>
              {resolved ? "Reopen" : "Resolve"}</Button>
          )}
          {canResolve && <Button small variant="ghost" className="comment-delete" onClick={() => { remove.reset(); setConfirming(true); }}>Delete</Button>}
        </div>
      )}
      {!editing && <ErrorAlert error={change.error} />}
      <ConfirmDialog open={confirming} title="Delete comment" confirm="Delete" busy={remove.isPending}
        onConfirm={() => remove.mutate(comment.id, { onSuccess: () => setConfirming(false) })}
        onCancel={() => setConfirming(false)}>
        <p>Delete {mine ? "your" : `${comment.author}’s`} comment? It cannot be undone.</p>
        <blockquote className="comment-quote">{firstLine(comment.text)}</blockquote>
        <ErrorAlert error={remove.error} />
      </ConfirmDialog>
    </li>
  );
}

/** A new comment: kept as a draft until it is sent (a reload or another record keep it);
 * a refusal is shown under it, the text kept. */
function CommentBox({ projectId, recordId, boxRef }: { projectId: number; recordId: number;
  boxRef?: Ref<HTMLTextAreaElement> }) {
  const draft = useCodeDraft(projectId, `comment-${recordId}`, "", true);
  const { add } = useCommentActions(projectId, recordId);
  const area = useRef<HTMLTextAreaElement | null>(null);
  const text = draft.source;
  const send = () => {
    if (!text.trim() || add.isPending) return;
    add.mutate(text, { onSuccess: () => draft.discard() });
  };
  const over = text.length > COMMENT_MAX;
  return (
    <div className="comment-box">
      <MentionTextarea projectId={projectId} ref={(node) => {
        area.current = node;
        if (typeof boxRef === "function") boxRef(node);
        else if (boxRef) (boxRef as { current: HTMLTextAreaElement | null }).current = node;
      }} rows={2} value={text} aria-label="New comment" readOnly={add.isPending}
        placeholder="Ask or note something about this record…" aria-invalid={add.isError || over || undefined}
        onChange={(value) => { draft.setSource(value); if (add.isError) add.reset(); }}
        onKeyDown={keys(send, () => area.current?.blur())} />
      <ErrorAlert error={add.error} />
      <div className="row comment-actions">
        <Button small variant="primary" busy={add.isPending} disabled={!text.trim()} onClick={send}>Comment</Button>
        <span className="spacer" />
        <span className="small faint" aria-label="comment length">
          {over || text.length > COMMENT_MAX * 0.9 ? `${text.length.toLocaleString()} / ${COMMENT_MAX.toLocaleString()}` : "Ctrl+Enter sends"}</span>
      </div>
    </div>
  );
}
