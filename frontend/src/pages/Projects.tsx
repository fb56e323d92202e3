import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { del, get, post, upload } from "../api";
import { navigate } from "../router";
import type { Page, Project } from "../types";
import { Button, ConfirmDialog, Empty, ErrorAlert, Field, Spinner, useToast } from "../ui";
import { Link } from "../ui/Link";

export function Projects() {
  const client = useQueryClient();
  const toast = useToast();
  const projects = useQuery({ queryKey: ["projects"],
    queryFn: () => get<Page<Project>>("/projects", { limit: 1000 }) });
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [deleting, setDeleting] = useState<Project | null>(null);
  const create = useMutation({
    mutationFn: () => post<Project>("/projects", { name: name.trim(), description }),
    onSuccess: (project) => {
      setName("");
      setDescription("");
      void client.invalidateQueries({ queryKey: ["projects"] });
      navigate(`/projects/${project.id}/import`);
    },
  });
  const remove = useMutation({
    mutationFn: (project: Project) => del(`/projects/${project.id}`),
    onSuccess: (_, project) => {
      setDeleting(null);
      toast(`Project “${project.name}” deleted`, "info");
      void client.invalidateQueries({ queryKey: ["projects"] });
    },
    onError: (error) => { setDeleting(null); toast((error as Error).message); },
  });
  return (
    <div className="page">
      <div className="page-head"><h1>Projects</h1>
        <span className="muted">{projects.data ? `${projects.data.count}` : ""}</span></div>
      <div style={{ display: "grid", gridTemplateColumns: "1fr 300px", gap: 16, alignItems: "start" }}>
        <div className="panel">
          {projects.isPending ? <Empty><Spinner /></Empty>
            : projects.error ? <div className="panel-body"><ErrorAlert error={projects.error} /></div>
            : projects.data.data.length === 0 ? <Empty>No projects yet. Create one to import data.</Empty>
            : (
              <table className="table">
                <thead><tr><th>Name</th><th>Description</th><th>Created</th><th /></tr></thead>
                <tbody>
                  {projects.data.data.map((p) => (
                    <tr key={p.id} className="clickable" onClick={() => navigate(`/projects/${p.id}/data`)}>
                      <td><Link href={`/projects/${p.id}/data`} onClick={(e) => e.stopPropagation()}><b>{p.name}</b></Link></td>
                      <td className="muted">{p.description}</td>
                      <td className="muted nowrap">{new Date(p.created_at).toLocaleDateString()}</td>
                      <td style={{ textAlign: "right" }}>
                        <Button small variant="ghost" aria-label={`Delete ${p.name}`}
                          onClick={(e) => { e.stopPropagation(); setDeleting(p); }}>Delete</Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
        </div>
        <div className="stack">
        <form className="panel" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
          <div className="panel-head"><h2>New project</h2></div>
          <div className="panel-body stack">
            <Field label="Name">
              <input className="input" value={name} onChange={(e) => setName(e.target.value)} aria-label="Project name" />
            </Field>
            <Field label="Description">
              <textarea className="input" rows={3} value={description} onChange={(e) => setDescription(e.target.value)}
                aria-label="Project description" />
            </Field>
            <ErrorAlert error={create.error} />
            <Button type="submit" variant="primary" busy={create.isPending} disabled={!name.trim()}>Create project</Button>
          </div>
        </form>
        <Restore />
        </div>
      </div>
      <ConfirmDialog open={deleting !== null} title={`Delete “${deleting?.name}”?`} confirm="Delete project"
        busy={remove.isPending} onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}>
        <p className="muted">Its records, labels, heuristics and runs are deleted for good.</p>
      </ConfirmDialog>
    </div>
  );
}

/** A new project from a snapshot archive (the Export panel of a project's Tasks & members). */
function Restore() {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const restore = useMutation({
    mutationFn: () => {
      const form = new FormData();
      form.append("file", file as File);
      if (name.trim()) form.append("name", name.trim());
      return upload<{ project: Project }>("/projects/import-snapshot", form, () => {});
    },
    onSuccess: ({ project }) => {
      void client.invalidateQueries({ queryKey: ["projects"] });
      navigate(`/projects/${project.id}/data`);
    },
  });
  return (
    <form className="panel" aria-label="restore a snapshot" onSubmit={(e) => { e.preventDefault(); restore.mutate(); }}>
      <div className="panel-head"><h2>Restore a snapshot</h2></div>
      <div className="panel-body stack">
        <Field label="Snapshot">
          <input type="file" accept=".zip" aria-label="Snapshot file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        <Field label="Name (else the snapshot's)">
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} aria-label="Name of the restored project" />
        </Field>
        <ErrorAlert error={restore.error} />
        <Button type="submit" busy={restore.isPending} disabled={!file}>Restore</Button>
      </div>
    </form>
  );
}
