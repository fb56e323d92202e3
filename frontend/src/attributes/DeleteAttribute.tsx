/** Delete a computed attribute (owners), after a confirmation that says what goes with it. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { del } from "../api";
import type { Attribute } from "../types";
import { Button, ConfirmDialog, ErrorAlert } from "../ui";

export function DeleteAttribute({ projectId, attribute, onDeleted }: {
  projectId: number; attribute: Attribute; onDeleted: () => void;
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
      <Button small variant="danger" onClick={() => setConfirming(true)}>Delete</Button>
      <ConfirmDialog open={confirming} title={`Delete the attribute ${attribute.name}?`} confirm="Delete attribute"
        busy={remove.isPending} onCancel={() => { setConfirming(false); remove.reset(); }}
        onConfirm={() => remove.mutate()}>
        <p>Its code, and its value in every record, go with it; a run of it under way is cancelled.
          Labeling functions that read <code>record[{JSON.stringify(attribute.name)}]</code> fail until it is back.</p>
        <ErrorAlert error={remove.error} />
      </ConfirmDialog>
    </>
  );
}
