import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Labeling } from "../pages/Labeling";
import { json } from "../testing";
import type { RecordDetail, Task } from "../types";
import { fingerprint, panelKey } from "./guidelinesOpen";
import { linkify } from "./links";

const GUIDELINES = "Judge the review as a whole.\nExamples: https://example.org/guide.\n<script>alert('x')</script>";
const task = (guidelines: string): Task => ({ id: 3, name: "sentiment", kind: "classification", target_attribute: "text",
  auto_run: false, guidelines, labels: [
    { id: 1, name: "positive", color: "#2f9e44", hotkey: null, description: "Happy with the product overall.\nMixed but mostly happy counts." },
    { id: 2, name: "negative", color: "#e03131", hotkey: null, description: "" }] });
const RECORDS = [{ id: 1, external_id: "r1", data: { text: "great phone" } }, { id: 2, external_id: "r2", data: { text: "awful phone" } }];

/** A project with one task and two records; ``user`` an annotator, or the admin. */
function server(guidelines: string, { user }: { user?: string } = {}) {
  const current = { task: task(guidelines) };
  const fetch = vi.fn(async (url: string) => {
    const path = new URL(url, "http://heurist").pathname.replace("/api/v1", "");
    if (path === "/projects/1/events") return new Response(new ReadableStream());
    if (path === "/me") return json(user ? { name: user, is_admin: false } : { name: "admin", is_admin: true });
    if (path === "/projects/1/members") return json(user ? [{ user, role: "annotator" }] : []);
    if (path === "/projects/1/tasks") return json({ data: [current.task], count: 1 });
    if (path === "/projects/1/attributes") return json([]);
    if (["/projects/1/heuristics", "/projects/1/filters", "/projects/1/embeddings"].includes(path)) return json({ data: [], count: 0 });
    if (path === "/projects/1/records") return json({ data: RECORDS, count: RECORDS.length });
    if (path === "/projects/1/tasks/3/next") {
      return json({ task_id: 3, strategy: "random", model: "random sample", count: 2, lease_expires_at: "2026-12-07T19:00:00Z",
        refit_pending: false, stop: null, notes: [], data: RECORDS.map((record) => ({ record, score: 0, reason: "random" })) });
    }
    if (path === "/projects/1/tasks/3/active-learning") {
      return json({ task_id: 3, strategy: "random", ranks_by: "random", strategies: [], batch_size: 20 });
    }
    const one = path.match(/^\/projects\/1\/records\/(\d+)(\/votes)?$/);
    if (one?.[2]) return json({ votes: [], weak_labels: [], weak_run_id: null });
    if (one) {
      const record = RECORDS.find((r) => r.id === Number(one[1]))!;
      const detail: RecordDetail = { ...record, tokens: [], tasks: [{ task_id: 3, task: "sentiment", reference: null,
        reviewed_by: [], manual_labels: [] }] };
      return json(detail);
    }
    return json({ detail: "not here" }, 404);
  });
  return { fetch, current };
}

function renderLabeling(path = "/projects/1/label") {
  window.history.replaceState(null, "", path);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}><Labeling projectId={1} /></QueryClientProvider>);
}

const toggle = () => screen.getByRole("button", { name: /^Guidelines/ });

describe("linkify", () => {
  it("makes http(s) URLs links, leaving the sentence's punctuation out", () => {
    expect(linkify("See https://example.org/a?b=1. Then (http://x.org/y) and https://en.wikipedia.org/wiki/Tar_(file_format), ok"))
      .toEqual([{ text: "See " }, { text: "https://example.org/a?b=1", url: "https://example.org/a?b=1" },
        { text: ". Then (" }, { text: "http://x.org/y", url: "http://x.org/y" }, { text: ") and " },
        { text: "https://en.wikipedia.org/wiki/Tar_(file_format)", url: "https://en.wikipedia.org/wiki/Tar_(file_format)" },
        { text: ", ok" }]);
  });
  it("never links anything else", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<b>", "ftp://example.org", "xhttps://example.org",
      "<a href=\"https://\">x</a>", "http://"]) {
      expect(linkify(text).filter((part) => part.url)).toEqual([]);
    }
    expect(linkify("")).toEqual([]);
  });
  it("tells changed guidelines apart", () => {
    expect(fingerprint("a")).toBe(fingerprint("a"));
    expect(fingerprint("a")).not.toBe(fingerprint("b"));
  });
});

describe("the guidelines panel while labeling", () => {
  it("opens the first time, shows the text safely with its links and the labels' descriptions", async () => {
    vi.stubGlobal("fetch", server(GUIDELINES, { user: "ann" }).fetch);
    renderLabeling();
    const panel = await screen.findByRole("region", { name: "guidelines" });
    const text = panel.querySelector(".guidelines-text")!;
    expect(text.textContent).toBe(GUIDELINES);   // line breaks kept (pre-wrap), the <script> as text
    expect(panel.querySelector("script")).toBeNull();
    const link = within(panel).getByRole("link", { name: "https://example.org/guide" });
    expect(link).toHaveAttribute("href", "https://example.org/guide");
    expect(link).toHaveAttribute("target", "_blank");
    expect(link).toHaveAttribute("rel", "noopener noreferrer");
    const labels = within(panel).getByLabelText("label descriptions");
    expect(labels).toHaveTextContent("positive1Happy with the product overall.");
    expect(labels).toHaveTextContent("negative2no description");
    expect(toggle()).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByLabelText("keyboard")).toHaveTextContent("show / hide the guidelines");
    expect(JSON.parse(localStorage.getItem(panelKey(1, 3, "ann"))!)).toEqual({ open: true, seen: fingerprint(GUIDELINES) });
  });

  it("toggles with ? and the button, and remembers it for the task", async () => {
    vi.stubGlobal("fetch", server(GUIDELINES, { user: "ann" }).fetch);
    const first = renderLabeling();
    await screen.findByRole("region", { name: "guidelines" });
    await screen.findByText("great phone");
    fireEvent.keyDown(window, { key: "?" });
    expect(screen.queryByRole("region", { name: "guidelines" })).toBeNull();
    expect(toggle()).toHaveAttribute("aria-expanded", "false");
    fireEvent.click(toggle());
    expect(screen.getByRole("region", { name: "guidelines" })).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Hide guidelines" }));
    expect(screen.queryByRole("region", { name: "guidelines" })).toBeNull();
    // ? typed into a field is text, not a toggle
    fireEvent.keyDown(screen.getByPlaceholderText("Search text…"), { key: "?" });
    expect(screen.queryByRole("region", { name: "guidelines" })).toBeNull();
    first.unmount();

    renderLabeling();   // the page again (a reload): closed as it was left
    await screen.findByText("great phone");
    expect(toggle()).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("region", { name: "guidelines" })).toBeNull();
    fireEvent.keyDown(window, { key: "?" });
    expect(await screen.findByRole("region", { name: "guidelines" })).toBeInTheDocument();
    expect(screen.getByText("great phone")).toBeInTheDocument();   // no label given, no record skipped
  });

  it("opens again, marked updated, when the guidelines changed since it was closed", async () => {
    localStorage.setItem(panelKey(1, 3, "ann"), JSON.stringify({ open: false, seen: fingerprint("older ones") }));
    vi.stubGlobal("fetch", server(GUIDELINES, { user: "ann" }).fetch);
    renderLabeling();
    const panel = await screen.findByRole("region", { name: "guidelines" });
    expect(within(panel).getByText("updated")).toBeInTheDocument();
  });

  it("is there in the active-learning queue too", async () => {
    vi.stubGlobal("fetch", server(GUIDELINES, { user: "ann" }).fetch);
    renderLabeling("/projects/1/label?mode=al");
    await screen.findByLabelText("reason");
    expect(screen.getByRole("region", { name: "guidelines" })).toHaveTextContent("Judge the review as a whole.");
    fireEvent.keyDown(window, { key: "?" });
    expect(screen.queryByRole("region", { name: "guidelines" })).toBeNull();
  });

  it("gives each label button its description as its title and a short line", async () => {
    vi.stubGlobal("fetch", server(GUIDELINES, { user: "ann" }).fetch);
    renderLabeling();
    await screen.findByText("great phone");
    const positive = screen.getByRole("button", { name: /^positive/ });
    expect(positive).toHaveAttribute("title", "Happy with the product overall.\nMixed but mostly happy counts.");
    expect(positive).toHaveTextContent("Happy with the product overall.");   // the first line, where there is room
    expect(positive).not.toHaveTextContent("Mixed but");
    expect(positive).toHaveAccessibleName("positive1");   // the line is not read out as its name
    expect(screen.getByRole("button", { name: /^negative/ })).not.toHaveAttribute("title");
  });

  it("is no panel without guidelines: owners are told they can write some, annotators nothing", async () => {
    vi.stubGlobal("fetch", server("  ").fetch);
    const owner = renderLabeling();
    await screen.findByText("great phone");
    const hint = await screen.findByLabelText("no guidelines");
    expect(within(hint).getByRole("link", { name: /Write some/ })).toHaveAttribute("href", "/projects/1/settings?task=3");
    expect(screen.queryByRole("region", { name: "guidelines" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Guidelines/ })).toBeNull();
    fireEvent.keyDown(window, { key: "?" });
    expect(screen.queryByRole("region", { name: "guidelines" })).toBeNull();
    owner.unmount();

    vi.stubGlobal("fetch", server("", { user: "ann" }).fetch);
    renderLabeling();
    await screen.findByText("great phone");
    await act(async () => { await new Promise((resolve) => setTimeout(resolve, 20)); });
    expect(screen.queryByLabelText("no guidelines")).toBeNull();
    expect(screen.queryByRole("button", { name: /^Guidelines/ })).toBeNull();
  });
});

describe("a description as a label's title", () => {
  it("shows on the buttons of many labels as a title only", async () => {
    const api = server("", { user: "ann" });
    api.current.task = { ...api.current.task, labels: Array.from({ length: 10 }, (_, i) =>
      ({ id: i + 1, name: `l${i}`, color: "#000", hotkey: null, description: `means ${i}` })) };
    vi.stubGlobal("fetch", api.fetch);
    renderLabeling();
    await screen.findByText("great phone");
    const button = screen.getByRole("button", { name: /^l3/ });
    expect(button).toHaveAttribute("title", "means 3");
    expect(button).not.toHaveTextContent("means 3");
    await waitFor(() => expect(screen.getAllByRole("button", { name: /^l\d/ })).toHaveLength(10));
  });
});
