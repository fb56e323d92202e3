/** The shell: sign-in gate, top bar (project, notifications, user, role, sign-out) and the page
 * routes. */
import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { storedKey, storeKey } from "./api";
import { atLeast, useMe, useProject, useRole } from "./hooks";
import { match, navigate, useLocation } from "./router";
import { Badge, Button, Spinner } from "./ui";
import { Link } from "./ui/Link";
import { SignIn } from "./pages/SignIn";
import { Projects } from "./pages/Projects";
import { DataBrowser } from "./pages/DataBrowser";
import { RecordPage } from "./pages/RecordPage";
import { Labeling } from "./pages/Labeling";
import { ImportPage } from "./pages/ImportPage";
import { SettingsPage } from "./pages/SettingsPage";
import { EmbeddingsPage } from "./pages/EmbeddingsPage";
import { LookupListsPage } from "./pages/LookupListsPage";
import { HeuristicsPage } from "./pages/HeuristicsPage";
import { Inbox } from "./comments/Inbox";

// the editors bring CodeMirror: loaded when a heuristic or the attributes are opened
const HeuristicPage = lazy(() => import("./pages/HeuristicPage").then((m) => ({ default: m.HeuristicPage })));
const AttributesPage = lazy(() => import("./pages/AttributesPage").then((m) => ({ default: m.AttributesPage })));

export function App() {
  const [key, setKey] = useState(storedKey());
  const client = useQueryClient();
  useEffect(() => {
    const signedOut = () => { setKey(null); client.clear(); };
    window.addEventListener("heurist:signed-out", signedOut);
    return () => window.removeEventListener("heurist:signed-out", signedOut);
  }, [client]);
  if (!key) return <SignIn onSignedIn={(k) => { storeKey(k); setKey(k); }} />;
  return <Shell onSignOut={() => { storeKey(null); client.clear(); setKey(null); navigate("/"); }} />;
}

const TABS: [string, string][] = [["data", "Data"], ["attributes", "Attributes"], ["label", "Label"],
  ["heuristics", "Heuristics"], ["lists", "Lookup lists"], ["import", "Import"], ["embeddings", "Embeddings"],
  ["settings", "Tasks & members"]];

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { path } = useLocation();
  const me = useMe();
  const projectMatch = match("/projects/:id/:tab", path) ?? match("/projects/:id/:tab/:rest", path)
    ?? match("/projects/:id", path);
  const projectId = projectMatch ? Number(projectMatch.id) : null;
  useEffect(() => {
    if (projectMatch && !projectMatch.tab) navigate(`/projects/${projectMatch.id}/data`, { replace: true });
  }, [projectMatch]);
  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/" className="brand">
          <img src="/favicon.svg" width={20} height={20} alt="" /> Heurist
        </Link>
        {projectId !== null && <ProjectCrumb id={projectId} />}
        <span className="spacer" />
        <div className="whoami">
          {me.data ? <>
            <Inbox projectId={projectId} />
            <span aria-label="user name" style={{ color: "var(--text)", fontWeight: 500 }}>{me.data.name}</span>
            {projectId !== null ? <RoleBadge projectId={projectId} /> : me.data.is_admin && <Badge tone="accent">admin</Badge>}
          </> : <Spinner />}
          <Button small variant="ghost" onClick={onSignOut}>Sign out</Button>
        </div>
      </header>
      <main className="main">
        {projectId !== null && projectMatch?.tab
          ? <ProjectArea id={projectId} tab={projectMatch.tab} rest={projectMatch.rest} />
          : path === "/" ? <Projects /> : <NotFound />}
      </main>
    </div>
  );
}

function RoleBadge({ projectId }: { projectId: number }) {
  const role = useRole(projectId);
  return role ? <Badge tone={role === "owner" ? "accent" : undefined} title="your role in this project">{role}</Badge> : null;
}

function ProjectCrumb({ id }: { id: number }) {
  const project = useProject(id);
  return (
    <nav className="crumbs" aria-label="breadcrumb">
      <Link href="/">Projects</Link><span>/</span>
      <b>{project.data?.name ?? "…"}</b>
    </nav>
  );
}

function ProjectArea({ id, tab, rest }: { id: number; tab: string; rest?: string }) {
  const project = useProject(id);
  const role = useRole(id);
  if (project.error) {
    return <div className="page"><div className="alert error" role="alert">{(project.error as Error).message}</div></div>;
  }
  const tabs = TABS.filter(([t]) => t !== "import" || atLeast(role, "owner"))
    .filter(([t]) => t !== "label" || atLeast(role, "annotator"));
  let body;
  if (tab === "data") body = <DataBrowser projectId={id} />;
  else if (tab === "records" && rest) body = <RecordPage projectId={id} recordId={Number(rest)} />;
  else if (tab === "label") body = <Labeling projectId={id} />;
  else if (tab === "import") body = <ImportPage projectId={id} />;
  else if (tab === "attributes") body = <Suspense fallback={<div className="page"><Spinner /></div>}><AttributesPage projectId={id} /></Suspense>;
  else if (tab === "heuristics" && rest) body = <Suspense fallback={<div className="page"><Spinner /></div>}><HeuristicPage projectId={id} heuristicId={Number(rest)} /></Suspense>;
  else if (tab === "heuristics") body = <HeuristicsPage projectId={id} />;
  else if (tab === "lists") body = <LookupListsPage projectId={id} />;
  else if (tab === "embeddings") body = <EmbeddingsPage projectId={id} />;
  else if (tab === "settings") body = <SettingsPage projectId={id} />;
  else body = <NotFound />;
  const active = tab === "records" ? "data" : tab;
  return (
    <div className="project-layout">
      <nav className="tabs" aria-label="project">
        {tabs.map(([t, name]) => (
          <Link key={t} href={`/projects/${id}/${t}`} className={`tab ${active === t ? "active" : ""}`}>{name}</Link>
        ))}
      </nav>
      <div style={{ minHeight: 0, overflow: "auto" }}>{body}</div>
    </div>
  );
}

function NotFound() {
  return <div className="page"><div className="empty">This page does not exist. <Link href="/">Back to the projects</Link></div></div>;
}
