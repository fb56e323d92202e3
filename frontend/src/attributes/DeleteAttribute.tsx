/** Delete an attribute, imported or computed (owners), after a confirmation that says what
 * goes with it; the server's refusal (a task labels its spans, an embedding is made of it)
 * is shown in the dialog. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { del } from "../api";
import type { Attribute } from "../types";
import { Readers } from "../heuristics/Readers";
import { Button, ConfirmDialog, ErrorAlert } from "../ui";

export function DeleteAttribute({ projectId, attribute, onDeleted, named }: {
  projectId: number; attribute: Attribute; onDeleted: () => void;
  /** the button names its attribute (in a list of them) */
  named?: boolean;
}) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => del(`/projects/${projectId}/attributes/${attribute.id}`),
    onSuccess: () => {
      setConfirming(false);
      onDeleted();
      void client.invalidateQueries({ queryKey: ["projects", projectId, "attributes"] });
      void client.invalidateQueries({ queryKey: ["projects", projectId, "records"] });
    },
  });
  return (
    <>
      <Button small variant="danger" onClick={() => setConfirming(true)}
        aria-label={named ? `Delete ${attribute.name}` : undefined}>Delete</Button>
      <ConfirmDialog open={confirming} title={`Delete the attribute ${attribute.name}?`} confirm="Delete attribute"
        busy={remove.isPending} onCancel={() => { setConfirming(false); remove.reset(); }}
        onConfirm={() => remove.mutate()}>
        {attribute.computed
          ? <p>Its code, and its value in every record, go with it; a run of it under way is cancelled.</p>
          : <p>Its value in every record goes with it{attribute.data_type === "text" && ", with its tokens"}:
            only importing the records again brings it back.</p>}
        {attribute.read_by?.length
          ? <p>{attribute.read_by.length === 1 ? "The labeling function that reads"
            : `${attribute.read_by.length} labeling functions that read`} <code>record[{JSON.stringify(attribute.name)}]</code>{" "}
            {attribute.read_by.length === 1 ? "fails" : "fail"} until it is back:{" "}
            <Readers projectId={projectId} readers={attribute.read_by} />.</p>
          : <p>No labeling function reads it now.</p>}
        <ErrorAlert error={remove.error} />
      </ConfirmDialog>
    </>
  );
}
