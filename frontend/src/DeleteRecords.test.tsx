import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { stepOver } from "./labeling/deleted";
import { DataBrowser } from "./pages/DataBrowser";
import { Labeling } from "./pages/Labeling";
import { RecordPage } from "./pages/RecordPage";
import { actionsButton, chooseAction, fakeEvents, json } from "./testing";
import type { ManualLabel, RecordDetail, RecordRow, Task } from "./types";

const TASK: Task = { id: 3, name: "sentiment", kind: "classification", target_attribute: "text",
  labels: [{ id: 1, name: "positive", color: "#2f9e44", hotkey: null }, { id: 2, name: "negative", color: "#e03131", hotkey: null }] };
const ATTRIBUTES = [{ id: 1, name: "text", data_type: "text", position: 0 }, { id: 2, name: "stars", data_type: "integer", position: 1 }];
const STARS_1 = [{ kind: "attribute", name: "stars", op: "equals", value: 1 }];

type Write = { method: string; url: string; body: Record<string, unknown> | null };

const label = (id: number, recordId: number, name: string): ManualLabel => ({ id, record_id: recordId, task_id: TASK.id,
  label: name, annotator: "ann", is_gold: false, token_start: null, token_end: null, char_start: null, char_end: null,
  text: null, updated_at: "2026-12-07T10:00:00Z" });

/** The server: five records (r1 and r4 of one star) in memory, filtered by attribute equality;
 * deletions as the API makes them (``expected`` checked); the project's events sent by
 * ``send`` to every listener. */
function server(writes: Write[], { member }: { member?: { user: string; role: string } } = {}) {
  let records: RecordRow[] = [1, 2, 3, 4, 5].map((id) => ({ id, external_id: `r${id}`,
    data: { text: `review ${id} is ${id % 2 ? "great" : "awful"}`, stars: id % 3 === 1 ? 1 : 4 } }));
  const labels = new Map<number, ManualLabel[]>([[2, [label(20, 2, "negative")]]]);
  const events = fakeEvents();
  let counted = true;
  const matching = (filter: string | null) => {
    const conditions = filter ? (JSON.parse(filter).conditions as { name: string; value: unknown }[]) : [];
    return records.filter((r) => conditions.every((c) => r.data[c.name] === c.value));
  };
  const detail = (r: RecordRow): RecordDetail => ({ ...r, tokens: [],
    tasks: [{ task_id: TASK.id, task: TASK.name, reference: null, manual_labels: labels.get(r.id) ?? [], reviewed_by: [] }] });
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    const { pathname, searchParams } = new URL(url, "http://heurist");
    const path = pathname.replace("/api/v1/projects/1", "");
    if (method !== "GET" && !body?.dry_run) writes.push({ method, url, body });
    if (path === "/events") {
      return events.response();
    }
    if (path === "/api/v1/me") return json(member ? { name: member.user, is_admin: false } : { name: "admin", is_admin: true });
    if (path === "/members") return json(member ? [member] : []);
    if (path === "/tasks") return json({ data: [TASK], count: 1 });
    if (path === "/attributes") return json(ATTRIBUTES);
    if (["/heuristics", "/filters", "/embeddings"].includes(path)) return json({ data: [], count: 0 });
    if (path === "/records/count") {
      return counted ? json({ count: matching(searchParams.get("filter")).length }) : new Promise<Response>(() => {});
    }
    if (path === "/records") {
      const all = matching(searchParams.get("filter"));
      return json({ data: all.slice(0, Number(searchParams.get("limit") ?? 200)), count: all.length });
    }
    if (path === "/records/delete") {
      const chosen = matching(JSON.stringify(body.filter));
      const labelled = chosen.reduce((n, r) => n + (labels.get(r.id)?.length ?? 0), 0);
      if (body.dry_run) return json({ deleted: chosen.length, manual_labels: labelled, record_count: records.length, dry_run: true });
      if (body.expected !== chosen.length) {
        return json({ detail: `field 'expected': the selection holds ${chosen.length} records now, not ${body.expected}: look at it again`,
          field: "expected", row: null }, 409);
      }
      records = records.filter((r) => !chosen.includes(r));
      return json({ deleted: chosen.length, manual_labels: labelled, record_count: records.length });
    }
    const one = path.match(/^\/records\/(\d+)(\/votes|\/labels)?$/);
    const record = one && records.find((r) => r.id === Number(one[1]));
    if (one && !record) return json({ detail: `record ${one[1]} does not exist in this project`, field: null, row: null }, 404);
    if (one && one[2] === "/votes") return json({ votes: [], weak_labels: [], weak_run_id: null });
    if (one && one[2] === "/labels") {
      const made = label(100 + record!.id, record!.id, body.label);
      labels.set(record!.id, [made]);
      return json(made, 201);
    }
    if (one && method === "DELETE") {
      records = records.filter((r) => r !== record);
      return new Response(null, { status: 204 });
    }
    if (one) return json(detail(record!));
    return json({ detail: "not here" }, 404);
  });
  return {
    fetch,
    /** records deleted elsewhere: gone from the store, and the event sent (naming them or not) */
    deleteElsewhere(ids: number[], named = true) {
      records = records.filter((r) => !ids.includes(r.id));
      const data = { count: ids.length, ...(named ? { record_ids: ids } : {}) };
      events.send("records.deleted", data);
    },
    add(id: number) { records = [...records, { id, external_id: `r${id}`, data: { text: "new", stars: 1 } }]; },
    stopCounting() { counted = false; },
  };
}

/** A render whose queries, as the app's, do not retry a 4xx answer. */
function renderPage(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

// jsdom lays nothing out: the table's scroller has nothing to scroll
beforeAll(() => { Element.prototype.scrollTo ??= () => undefined; });

const dialogOf = (title: string) => within(screen.getByText(title).closest("dialog")!);
const count = () => screen.getByLabelText("count");

describe("deleting the records of the data browser", () => {
  it("deletes what the filter matches once the owner confirms, then shows the list again", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes).fetch);
    const address = `/projects/1/data?f=${encodeURIComponent(JSON.stringify(STARS_1))}`;
    window.history.replaceState(null, "", address);
    renderPage(<DataBrowser projectId={1} />);
    await chooseAction("Delete 2 records…");
    const dialog = dialogOf("Delete 2 records?");
    expect(dialog.getByText(/match the filter/)).toHaveTextContent("The 2 records that match the filter stars = 1 are deleted; the other records stay.");
    // the dry run says that none of them has a manual label
    await waitFor(() => expect(dialog.getByText(/go with them/)).toHaveTextContent(
      "Their reviews, heuristics' votes, weak labels, tokens, vectors and computed attribute values"));
    expect(dialog.getByText(/cannot be undone/).closest("p")).toHaveTextContent("A project snapshot (an export on the Tasks & members page) keeps a copy.");
    expect(writes).toEqual([]);

    fireEvent.click(dialog.getByRole("button", { name: "Delete 2 records", hidden: true }));
    await waitFor(() => expect(count()).toHaveTextContent("0 records"));
    expect(screen.getByText(/No records match/)).toBeInTheDocument();
    expect(screen.queryByRole("menuitem", { name: /^Delete/ })).toBeNull();
    expect(screen.getByRole("button", { name: "Actions" })).toBeDisabled();   // no record to act on
    expect(writes).toEqual([{ method: "POST", url: "/api/v1/projects/1/records/delete",
      body: { filter: { conditions: STARS_1 }, expected: 2 } }]);
    expect(window.location.pathname + window.location.search).toBe(address);
  });

  it("offers all the records without a filter, and refuses in the dialog when their number changed", async () => {
    const writes: Write[] = [];
    const api = server(writes);
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/data");
    renderPage(<DataBrowser projectId={1} />);
    await chooseAction("Delete all 5 records…");
    expect(dialogOf("Delete all 5 records?").getByText(/Every record/)).toHaveTextContent(
      "Every record of the project is deleted (5 records); its tasks, heuristics and lookup lists stay.");
    await waitFor(() => expect(dialogOf("Delete all 5 records?").getByText(/go with them/))
      .toHaveTextContent("Their 1 manual label, reviews"));
    api.add(6);   // imported meanwhile
    fireEvent.click(dialogOf("Delete all 5 records?").getByRole("button", { name: "Delete 5 records", hidden: true }));
    // the refusal is shown where the owner looks, and the dialog now says what there is
    const dialog = await waitFor(() => dialogOf("Delete all 6 records?"));
    expect(dialog.getByRole("alert", { hidden: true })).toHaveTextContent("the selection holds 6 records now, not 5: look at it again");
    expect(count()).toHaveTextContent("6 records");
    fireEvent.click(dialog.getByRole("button", { name: "Delete 6 records", hidden: true }));
    await waitFor(() => expect(count()).toHaveTextContent("0 records"));
    expect(writes.map((w) => w.body?.expected)).toEqual([5, 6]);
    expect(writes[0].body?.filter).toEqual({ conditions: [] });
  });

  it("is for owners, once the exact count is known", async () => {
    vi.stubGlobal("fetch", server([], { member: { user: "ann", role: "annotator" } }).fetch);
    window.history.replaceState(null, "", "/projects/1/data");
    const { unmount } = renderPage(<DataBrowser projectId={1} />);
    expect(await screen.findByRole("button", { name: "Label these records" })).toBeInTheDocument();
    await waitFor(() => expect(count()).toHaveTextContent("5 records"));
    expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Actions" })).toBeNull();
    unmount();

    const api = server([]);
    api.stopCounting();
    vi.stubGlobal("fetch", api.fetch);
    renderPage(<DataBrowser projectId={1} />);
    expect(await screen.findByRole("button", { name: "Label these records" })).toBeInTheDocument();
    expect(count()).toHaveTextContent("counting…");
    expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
    const actions = screen.getByRole("button", { name: "Actions" });
    expect(actions).toBeDisabled();
    expect(actions).toHaveAttribute("title", "offered once the records are counted");
  });

  it("reads the list again when records are deleted elsewhere", async () => {
    const api = server([]);
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/data");
    renderPage(<DataBrowser projectId={1} />);
    await waitFor(() => expect(count()).toHaveTextContent("5 records"));
    api.deleteElsewhere([1, 2, 3], false);
    await waitFor(() => expect(count()).toHaveTextContent("2 records"));
    fireEvent.click(await actionsButton());
    expect(screen.getByRole("menuitem", { name: "Delete all 2 records…" })).toBeInTheDocument();
  });
});

describe("deleting a record from its page", () => {
  it("deletes the record once the owner confirms and goes back to the list it came from", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes).fetch);
    window.history.replaceState(null, "", "/projects/1/records/2?q=awful");
    renderPage(<RecordPage projectId={1} recordId={2} />);
    fireEvent.click(await screen.findByRole("button", { name: "Delete record" }));
    const dialog = dialogOf("Delete record r2?");
    expect(dialog.getByText(/go with it/)).toHaveTextContent("Its manual label, reviews, heuristics' votes, weak labels, tokens, vectors and computed attribute values go with it");
    expect(dialog.getByText(/cannot be undone/)).toBeInTheDocument();
    fireEvent.click(dialog.getByRole("button", { name: "Delete record", hidden: true }));
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe("/projects/1/data?q=awful"));
    expect(writes.map((w) => `${w.method} ${w.url}`)).toEqual(["DELETE /api/v1/projects/1/records/2"]);
  });

  it("says so when the record is deleted elsewhere, or is not there at all", async () => {
    const api = server([], { member: { user: "ann", role: "annotator" } });
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/records/3");
    const { unmount } = renderPage(<RecordPage projectId={1} recordId={3} />);
    expect(await screen.findByText("review 3 is great")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete record" })).toBeNull();   // an annotator
    api.deleteElsewhere([3]);
    expect(await screen.findByText("This record was deleted.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to the records" })).toHaveAttribute("href", "/projects/1/data");
    expect(screen.queryByText("review 3 is great")).toBeNull();
    unmount();

    renderPage(<RecordPage projectId={1} recordId={99} />);
    expect(await screen.findByText(/There is no record 99 in this project: it was deleted, or never was./)).toBeInTheDocument();
  });
});

describe("a labeling session while records are deleted", () => {
  it("passes over records deleted meanwhile and keeps what was done", async () => {
    const writes: Write[] = [];
    const api = server(writes, { member: { user: "ann", role: "annotator" } });
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/label");
    renderPage(<Labeling projectId={1} />);
    expect(await screen.findByText("review 1 is great")).toBeInTheDocument();
    const position = screen.getByLabelText("position");
    expect(position).toHaveTextContent("1 of 5");

    api.deleteElsewhere([2]);   // the next record
    await waitFor(() => expect(position).toHaveTextContent("1 of 5 · 1 deleted meanwhile"));
    fireEvent.keyDown(window, { key: "1" });   // label r1 positive and go on: to r3
    expect(await screen.findByText("review 3 is great")).toBeInTheDocument();
    expect(position).toHaveTextContent("3 of 5");

    api.deleteElsewhere([3], false);   // the record on screen, by an event that does not name it
    expect(await screen.findByText(/This record was deleted meanwhile/)).toBeInTheDocument();
    expect(position).toHaveTextContent("2 deleted meanwhile");
    expect(screen.getByRole("button", { name: /^positive/ })).toBeDisabled();
    fireEvent.keyDown(window, { key: "ArrowRight" });
    expect(await screen.findByText("review 4 is awful")).toBeInTheDocument();
    fireEvent.keyDown(window, { key: "ArrowLeft" });   // back over r3 and r2, to r1 and its label
    expect(await screen.findByText("review 1 is great")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: /^positive/ })).toHaveAttribute("aria-pressed", "true"));
    expect(screen.getByRole("button", { name: "Undo" })).toBeEnabled();
    expect(writes.map((w) => `${w.method} ${w.url}`)).toEqual(["POST /api/v1/projects/1/records/1/labels"]);
  });

  it("steps over deleted records either way", () => {
    const ids = [1, 2, 3, 4];
    expect(stepOver(ids, new Set([2, 3]), 0, 1)).toBe(3);
    expect(stepOver(ids, new Set([2, 3]), 3, -1)).toBe(0);
    expect(stepOver(ids, new Set([4]), 2, 1)).toBe(2);
    expect(stepOver(ids, new Set(), 0, -1)).toBe(0);
  });
});
