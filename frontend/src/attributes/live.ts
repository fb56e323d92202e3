/** The project's attributes in the query cache: the server's answers put in at once, and
 * their runs followed through the project's events. */
import { useQueryClient } from "@tanstack/react-query";
import { useProjectEvents } from "../events";
import type { Attribute, AttributeRun } from "../types";

/** The kind of a computed attribute's runs. */
export const ATTRIBUTE_RUN = "attribute_calculation";

const attributesKey = (projectId: number) => ["projects", projectId, "attributes"];

export const isActive = (run: AttributeRun | null | undefined) =>
  run?.status === "queued" || run?.status === "running";

/** Put an attribute the server answered with into the list (which is read again). */
export function useKeepAttribute(projectId: number): (changed: Attribute) => void {
  const client = useQueryClient();
  return (changed) => {
    client.setQueryData<Attribute[]>(attributesKey(projectId), (old) => old && (
      old.some((a) => a.id === changed.id) ? old.map((a) => (a.id === changed.id ? changed : a))
        : [...old, changed]));
    void client.invalidateQueries({ queryKey: attributesKey(projectId) });
  };
}

/** Attributes follow their runs: progress in place; a run that starts, ends or is replaced
 * reads the attributes (and, once it wrote values, the records) again. */
export function useLiveAttributes(projectId: number): void {
  const client = useQueryClient();
  useProjectEvents(projectId, (event) => {
    if (!event.type.startsWith("run.") || event.data.kind !== ATTRIBUTE_RUN) return;
    client.setQueryData<Attribute[]>(attributesKey(projectId), (old) => old?.map((a) =>
      a.run && a.run.id === event.data.id ? { ...a, run: { ...a.run, ...(event.data as Partial<AttributeRun>) } } : a));
    if (event.type === "run.progress") return;
    void client.invalidateQueries({ queryKey: attributesKey(projectId) });
    void client.invalidateQueries({ queryKey: ["projects", projectId, "runs", event.data.id] });
    if (event.type === "run.succeeded") {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "records"] });
    }
  });
}
