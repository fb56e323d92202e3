/** Embeddings of the project: create one (model, record or token level, PCA), its run's
 * progress live (run events), its state, delete. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { del, get, post } from "../api";
import { useProjectEvents } from "../events";
import { deletionOf, refreshAfterDeletion } from "../recordDeletion";
import { atLeast, useAttributes, useRole } from "../hooks";
import type { Embedding, Page, Run } from "../types";

interface EmbeddingModel { name: string; description: string }
import { Badge, Button, Empty, ErrorAlert, Field, Progress, runTone, Spinner, useToast } from "../ui";

export function EmbeddingsPage({ projectId }: { projectId: number }) {
  const client = useQueryClient();
  const toast = useToast();
  const role = useRole(projectId);
  const embeddings = useQuery({ queryKey: ["projects", projectId, "embeddings"],
    queryFn: () => get<Page<Embedding>>(`/projects/${projectId}/embeddings`).then((p) => p.data) });
  const runs = useQuery({ queryKey: ["projects", projectId, "runs", "embedding"],
    queryFn: () => get<Page<Run>>(`/projects/${projectId}/runs`, { kind: "embedding", limit: 100 }).then((p) => p.data) });
  useProjectEvents(projectId, (event) => {
    if (deletionOf(event)) refreshAfterDeletion(client, projectId);   // vectors went with the records
    if (!event.type.startsWith("run.") || event.data.kind !== "embedding") return;
    client.setQueryData<Run[]>(["projects", projectId, "runs", "embedding"], (old) =>
      old?.map((run) => (run.id === event.data.id ? { ...run, ...(event.data as Partial<Run>) } : run)));
    if (event.type !== "run.progress") {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "embeddings"] });
      void client.invalidateQueries({ queryKey: ["projects", projectId, "runs", "embedding"] });
    }
  });
  const remove = useMutation({
    mutationFn: (id: number) => del(`/projects/${projectId}/embeddings/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ["projects", projectId, "embeddings"] }),
    onError: (error) => toast((error as Error).message),
  });
  const latestRun = (embedding: Embedding) => runs.data?.find((r) => r.params?.embedding_id === embedding.id);
  return (
    <div className="page">
      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) 300px", gap: 16, alignItems: "start" }}>
        <div className="panel">
          <div className="panel-head"><h2>Embeddings</h2></div>
          {embeddings.isPending ? <Empty><Spinner /></Empty> : embeddings.error ? <div className="panel-body"><ErrorAlert error={embeddings.error} /></div>
            : embeddings.data.length === 0 ? <Empty>No embeddings yet. They power the learners and “similar records”.</Empty> : (
              <table className="table">
                <thead><tr><th>Name</th><th>Attribute</th><th>Level</th><th>Dims</th><th>Vectors</th><th style={{ width: 220 }}>State</th><th /></tr></thead>
                <tbody>
                  {embeddings.data.map((e) => {
                    const run = latestRun(e);
                    const active = run && (run.status === "running" || run.status === "queued");
                    return (
                      <tr key={e.id}>
                        <td><b>{e.name}</b></td><td>{e.attribute}</td><td>{e.level}</td>
                        <td>{e.pca_dims ?? e.dims ?? "—"}</td><td>{e.vectors.toLocaleString()}</td>
                        <td>
                          <div className="row" style={{ flexWrap: "nowrap" }}>
                            <Badge tone={runTone(active ? run.status : e.state)}>{active ? run.status : e.state}</Badge>
                            {active && <><Progress value={run.progress} label={`progress of ${e.name}`} /><span className="small muted nowrap">{run.done_items}/{run.total_items}</span></>}
                          </div>
                          {run?.status === "failed" && run.error && <div className="small" style={{ color: "var(--danger)" }}>{run.error}</div>}
                        </td>
                        <td>{atLeast(role, "owner") && <Button small variant="ghost" aria-label={`Delete ${e.name}`} onClick={() => remove.mutate(e.id)}>×</Button>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
        </div>
        {atLeast(role, "owner") && <NewEmbedding projectId={projectId} />}
      </div>
    </div>
  );
}

function NewEmbedding({ projectId }: { projectId: number }) {
  const client = useQueryClient();
  const attributes = (useAttributes(projectId).data ?? []).filter((a) => a.data_type === "text");
  const [attribute, setAttribute] = useState("");
  const [level, setLevel] = useState<"record" | "token">("record");
  const [pca, setPca] = useState("");
  const [model, setModel] = useState("default");
  const models = useQuery({ queryKey: ["projects", projectId, "embedding-models"],
    queryFn: () => get<{ data: EmbeddingModel[] }>(`/projects/${projectId}/embedding-models`).then((p) => p.data) });
  const chosen = models.data?.find((m) => m.name === model);
  const create = useMutation({
    mutationFn: () => post(`/projects/${projectId}/embeddings`, {
      attribute: attribute || attributes[0]?.name, level, model,
      pca_dims: level === "token" && pca ? Number(pca) : null,
    }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "embeddings"] });
      void client.invalidateQueries({ queryKey: ["projects", projectId, "runs", "embedding"] });
    },
  });
  return (
    <form className="panel" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
      <div className="panel-head"><h2>New embedding</h2></div>
      <div className="panel-body stack">
        <Field label="Text attribute">
          <select className="select" value={attribute || attributes[0]?.name || ""} onChange={(e) => setAttribute(e.target.value)} aria-label="Embedding attribute">
            {attributes.map((a) => <option key={a.id} value={a.name}>{a.name}</option>)}
          </select>
        </Field>
        <Field label="Model" hint={chosen?.description}>
          <select className="select" value={model} onChange={(e) => setModel(e.target.value)} aria-label="Embedding model"
            disabled={!models.data}>
            {(models.data ?? [{ name: "default", description: "" }]).map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
          </select>
        </Field>
        <ErrorAlert error={models.error} />
        <Field label="Level" hint="Token level embeds each stored token (for extraction learners).">
          <select className="select" value={level} onChange={(e) => setLevel(e.target.value as "record" | "token")} aria-label="Embedding level">
            <option value="record">record</option><option value="token">token</option>
          </select>
        </Field>
        {level === "token" && <Field label="PCA dimensions (optional)"><input className="input" type="number" min={2} max={1024} value={pca} onChange={(e) => setPca(e.target.value)} /></Field>}
        <ErrorAlert error={create.error} />
        <Button type="submit" variant="primary" busy={create.isPending} disabled={attributes.length === 0}>Compute embedding</Button>
        <span className="faint small">Models run offline on the workers; an administrator offers more in HEURIST_MODELS_DIR.</span>
      </div>
    </form>
  );
}
