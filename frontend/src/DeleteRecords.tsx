/** Deleting records (owners): those the data browser's filter matches, or the record a page
 * shows, after a confirmation that says what goes with them; the server's refusal (a run
 * under way, a selection that changed since it was counted) is shown in the dialog. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { del, post } from "./api";
import type { Filters, Names } from "./filters";
import { refreshAfterDeletion, type RecordsDeleted } from "./recordDeletion";
import {
  isRecounted, onSelection, records, selectionOf, SelectionWords, type Selection,
} from "./recordSelection";
import type { RecordDetail } from "./types";
import { Button, ConfirmDialog, ErrorAlert, useToast } from "./ui";
import { Link } from "./ui/Link";

/** What goes with deleted records (``labels``: how many manual labels, where known), and
 * where a copy can be kept. */
function Consequences({ projectId, one, labels }: { projectId: number; one: boolean; labels?: number }) {
  const manual = labels === undefined ? "manual labels (gold ones too), "
    : labels === 1 ? (one ? "manual label, " : "1 manual label, ")
      : labels ? `${labels.toLocaleString()} manual labels (gold ones too), ` : "";
  return <>
    <p>{one ? "Its" : "Their"} {manual}reviews, heuristics' votes, weak labels, tokens, vectors and computed
      attribute values go with {one ? "it" : "them"}; the tasks' statistics are counted again.</p>
    <p><b>This cannot be undone.</b> A project snapshot (an export on
      the <Link href={`/projects/${projectId}/settings`}>Tasks &amp; members</Link> page) keeps a copy.</p>
  </>;
}

/** The action's name: "Delete 3 records", "Delete all 30 records". */
export const deleteTitle = (selection: Selection) => onSelection("Delete", selection);

/** The confirmation of "Delete N records…" (``deleteTitle``) for the records ``filters``
 * match, shown while ``open`` (``onClose``: it closed); ``count`` is the number shown, sent as
 * ``expected`` so that nothing goes when the selection changed meanwhile. Offered once the
 * exact count is known (``count`` null until then) and some records match
 * (``selectionOf(...).offered``). ``onChanged``: the list is to be read again (records went,
 * or it changed since it was counted). */
export function DeleteRecords({ projectId, filters, count: known, names, open: confirming, onClose, onChanged }: {
  projectId: number; filters: Filters; count: number | null; names: Names; open: boolean; onClose: () => void;
  onChanged: () => void;
}) {
  const client = useQueryClient();
  const toast = useToast();
  const selection = selectionOf(filters, known);
  const { count, conditions } = selection;
  // what would go, asked as the dialog opens: the labels among it, or a refusal to come
  const preview = useQuery({
    queryKey: ["projects", projectId, "records", "deletion", conditions, count],
    queryFn: () => post<RecordsDeleted>(`/projects/${projectId}/records/delete`,
      { filter: { conditions }, dry_run: true }),
    enabled: confirming, retry: false, gcTime: 0,
  });
  const remove = useMutation({
    mutationFn: (expected: number) => post<RecordsDeleted>(`/projects/${projectId}/records/delete`,
      { filter: { conditions }, expected }),
    onSuccess: (result) => {
      remove.reset();
      onClose();
      toast(`Deleted ${records(result.deleted)}${result.manual_labels ? ` and ${result.manual_labels.toLocaleString()} manual label${result.manual_labels === 1 ? "" : "s"}` : ""}; ${records(result.record_count)} left.`, "info");
      refreshAfterDeletion(client, projectId);
      onChanged();
    },
    onError: (error) => { if (isRecounted(error)) onChanged(); },
  });
  return (
    <ConfirmDialog open={confirming} title={`${deleteTitle(selection)}?`} busy={remove.isPending}
      confirm={remove.isPending ? "Deleting…" : `Delete ${records(count)}`}
      onCancel={() => { onClose(); remove.reset(); }} onConfirm={() => remove.mutate(count)}>
      <SelectionWords selection={selection} filters={filters} names={names}
        everything={`Every record of the project is deleted (${records(count)}); its tasks, heuristics and lookup lists stay.`}>
        are deleted; the other records stay.
      </SelectionWords>
      <Consequences projectId={projectId} one={false} labels={preview.data?.manual_labels} />
      {remove.isPending && <p className="muted" role="status">Deleting {records(count)}…</p>}
      <ErrorAlert error={remove.error ?? (remove.isIdle ? preview.error : null)} />
    </ConfirmDialog>
  );
}

/** "Delete record" for the record a page shows. */
export function DeleteRecord({ projectId, record, onDeleted }: {
  projectId: number; record: RecordDetail; onDeleted: () => void;
}) {
  const client = useQueryClient();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const labels = record.tasks.reduce((n, t) => n + t.manual_labels.length, 0);
  const remove = useMutation({
    mutationFn: () => del(`/projects/${projectId}/records/${record.id}`),
    onSuccess: () => {
      setConfirming(false);
      toast(`Deleted record ${record.external_id}.`, "info");
      onDeleted();
      client.removeQueries({ queryKey: ["projects", projectId, "records", record.id] });
      refreshAfterDeletion(client, projectId);
    },
  });
  return (
    <>
      <Button variant="danger" onClick={() => { remove.reset(); setConfirming(true); }}>Delete record</Button>
      <ConfirmDialog open={confirming} title={`Delete record ${record.external_id}?`} busy={remove.isPending}
        confirm={remove.isPending ? "Deleting…" : "Delete record"}
        onCancel={() => { setConfirming(false); remove.reset(); }} onConfirm={() => remove.mutate()}>
        <Consequences projectId={projectId} one labels={labels} />
        <ErrorAlert error={remove.error} />
      </ConfirmDialog>
    </>
  );
}
