import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { DataBrowser } from "./pages/DataBrowser";
import { Labeling } from "./pages/Labeling";
import { RecordPage } from "./pages/RecordPage";
import { apiValue, editSummary, type RecordEdited } from "./recordEditing";
import { fakeEvents, json } from "./testing";
import type { Attribute, ManualLabel, RecordDetail, Task } from "./types";

const TASK: Task = { id: 3, name: "ner", kind: "extraction", target_attribute: "text",
  labels: [{ id: 1, name: "PER", color: "#2f9e44", hotkey: null }, { id: 2, name: "ORG", color: "#e03131", hotkey: null }] };
const imported = (id: number, name: string, type: Attribute["data_type"]): Attribute =>
  ({ id, name, data_type: type, position: id, computed: false, source: null });
const ATTRIBUTES: Attribute[] = [imported(1, "text", "text"), imported(2, "topic", "category"),
  imported(3, "n", "integer"), imported(4, "score", "float"), imported(5, "flag", "boolean"),
  { id: 6, name: "n_links", data_type: "integer", position: 6, computed: true, source: "def ac(record):\n    return 0\n" }];

type Write = { url: string; body: Record<string, unknown> };
interface Stored { id: number; external_id: string; data: Record<string, unknown>; revision: number }
interface Span { id: number; label: string; start: number; text: string; annotator: string }

const span = (s: Span, recordId: number): ManualLabel => ({ id: s.id, record_id: recordId, task_id: TASK.id,
  label: s.label, annotator: s.annotator, is_gold: false, token_start: null, token_end: null,
  char_start: s.start, char_end: s.start + s.text.length, text: s.text, updated_at: "2026-12-07T10:00:00Z" });

/** The server: two records in memory, edited as the API edits them (revision checked, types
 * checked, spans that keep their text moved, the others dropped, a dry run changing
 * nothing); the project's events sent to every listener. ``hold`` keeps the answers of the
 * edits (not dry runs) until ``release``. */
function server(writes: Write[], { member }: { member?: { user: string; role: string } } = {}) {
  const records = new Map<number, Stored>([
    [1, { id: 1, external_id: "r1", revision: 0,
      data: { text: "Jon met Ann in Paris", topic: "travel", n: 3, score: 0.5, flag: true, n_links: 0 } }],
    [2, { id: 2, external_id: "r2", revision: 0,
      data: { text: "nothing here", topic: null, n: null, score: null, flag: null, n_links: 1 } }],
  ]);
  const spans = new Map<number, Span[]>([[1, [
    { id: 11, label: "PER", start: 0, text: "Jon", annotator: "alice" },
    { id: 12, label: "PER", start: 8, text: "Ann", annotator: "bob" }]]]);
  const events = fakeEvents();
  let held: (() => void)[] | null = null;
  let underWay = false;
  const send = (type: string, data: unknown) => {
    events.send(type, data);
  };
  /** The edit of ``body`` on ``record``: its answer, applied unless a dry run. */
  const edit = (record: Stored, body: { data: Record<string, unknown>; revision?: number; dry_run?: boolean }) => {
    if (underWay) {
      return json({ detail: "run 12 (labeling function 'x') is under way: wait for it to end (or cancel it), then edit",
        field: null, row: null }, 409);
    }
    if (body.revision !== undefined && body.revision !== record.revision) {
      return json({ detail: `record ${record.id} was edited since you opened it (revision ${record.revision} now): look at it again`,
        field: "revision", row: null }, 409);
    }
    for (const [name, value] of Object.entries(body.data)) {
      const type = ATTRIBUTES.find((a) => a.name === name)?.data_type;
      if (type === "integer" && value !== null && !Number.isInteger(Number(value))) {
        return json({ detail: `field '${name}': expected integer, got '${value}'`, field: name, row: null }, 422);
      }
    }
    const changed = Object.keys(body.data).filter((name) => body.data[name] !== record.data[name]);
    const text = String(body.data.text ?? record.data.text);
    const kept: Span[] = [];
    const dropped: Span[] = [];
    for (const s of changed.includes("text") ? spans.get(record.id) ?? [] : []) {
      const at = text.indexOf(s.text);
      if (at >= 0) kept.push({ ...s, start: at });
      else dropped.push(s);
    }
    const moved = kept.filter((s) => s.start !== spans.get(record.id)!.find((o) => o.id === s.id)!.start).length;
    if (!body.dry_run && changed.length) {
      record.data = { ...record.data, ...body.data };
      record.revision += 1;
      if (changed.includes("text")) spans.set(record.id, kept);
    }
    return json({ record, changed, spans_moved: moved, spans_dropped: dropped.length,
      dropped_spans: dropped.map((s) => ({ task: TASK.name, label: s.label, text: s.text, annotator: s.annotator, is_gold: false })),
      computed_again: changed.includes("n") ? ["n_links"] : [], embedded_again: changed.includes("text") ? ["minilm"] : [],
      dry_run: Boolean(body.dry_run) });
  };
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    const path = new URL(url, "http://heurist").pathname.replace("/api/v1/projects/1", "");
    if (method !== "GET") writes.push({ url: `${method} ${path}`, body });
    if (path === "/events") return events.response();
    if (path === "/api/v1/me") return json(member ? { name: member.user, is_admin: false } : { name: "admin", is_admin: true });
    if (path === "/members") return json(member ? [member] : []);
    if (path === "/tasks") return json({ data: [TASK], count: 1 });
    if (path === "/attributes") return json(ATTRIBUTES);
    if (["/heuristics", "/filters", "/embeddings"].includes(path)) return json({ data: [], count: 0 });
    if (path === "/records/count") return json({ count: records.size });
    if (path === "/records") return json({ data: [...records.values()], count: records.size });
    const one = path.match(/^\/records\/(\d+)(\/votes)?$/);
    const record = one && records.get(Number(one[1]));
    if (!record) return json({ detail: "not here", field: null, row: null }, 404);
    if (one![2]) return json({ votes: [], weak_labels: [], weak_run_id: null });
    if (method === "PATCH") {
      if (held && !body.dry_run) {
        await new Promise<void>((resolve) => held!.push(resolve));
      }
      return edit(record, body);
    }
    const detail: RecordDetail = { ...record, data: { ...record.data }, tokens: [],
      tasks: [{ task_id: TASK.id, task: TASK.name, reference: null, reviewed_by: [],
        manual_labels: (spans.get(record.id) ?? []).map((s) => span(s, record.id)) }] };
    return json(detail);
  });
  return {
    fetch,
    /** an edit made elsewhere: stored, and its event sent (unless ``quiet``) */
    editElsewhere(id: number, data: Record<string, unknown>, quiet = false) {
      const record = records.get(id)!;
      record.data = { ...record.data, ...data };
      record.revision += 1;
      if (!quiet) send("records.edited", { record_ids: [id], attributes: Object.keys(data) });
    },
    hold() { held = []; },
    release() { for (const resolve of held ?? []) resolve(); held = null; },
    startRun() { underWay = true; },
    stored: (id: number) => records.get(id)!,
  };
}

function renderPage(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

beforeAll(() => { Element.prototype.scrollTo ??= () => undefined; });

const form = () => within(screen.getByLabelText("edit values"));
const field = (name: string) => form().getByLabelText(name) as HTMLInputElement;
const type = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });
const dialogOf = (title: string) => within(screen.getByText(title).closest("dialog")!);
const patches = (writes: Write[]) => writes.filter((w) => w.url.startsWith("PATCH"))
  .map((w) => ({ ...w.body, url: w.url }) as { url: string; data?: unknown; revision?: number; dry_run?: boolean });

async function openForm(recordId = 1) {
  window.history.replaceState(null, "", `/projects/1/records/${recordId}`);
  const page = renderPage(<RecordPage projectId={1} recordId={recordId} />);
  fireEvent.click(await screen.findByRole("button", { name: "Edit values" }));
  await screen.findByLabelText("edit values");
  return page;
}

describe("editing a record's values", () => {
  it("fills an input per imported attribute by its type and shows the computed ones as they are", async () => {
    vi.stubGlobal("fetch", server([]).fetch);
    await openForm();
    expect(field("text").tagName).toBe("TEXTAREA");
    expect(field("text")).toHaveValue("Jon met Ann in Paris");
    expect(field("topic")).toHaveAttribute("type", "text");
    expect(field("topic")).toHaveValue("travel");
    expect(field("n")).toHaveAttribute("type", "number");
    expect(field("n")).toHaveAttribute("step", "1");
    expect(field("n")).toHaveValue(3);
    expect(field("score")).toHaveAttribute("step", "any");
    expect(field("score")).toHaveValue(0.5);
    expect(field("flag").tagName).toBe("SELECT");
    expect(field("flag")).toHaveValue("true");
    expect(within(field("flag")).getAllByRole("option").map((o) => o.textContent)).toEqual(["(empty)", "true", "false"]);
    // a computed attribute is no input: its value, and a note that it is computed again
    expect(form().queryByLabelText("n_links")).toBeNull();
    const computed = form().getByLabelText("computed attributes");
    expect(computed).toHaveTextContent("n_links0");
    expect(computed).toHaveTextContent("are computed again after the edit when their code reads a value that changed");
    expect(screen.queryByRole("button", { name: "Edit values" })).toBeNull();   // the form is open

    fireEvent.click(form().getByRole("button", { name: "Cancel" }));
    expect(await screen.findByRole("button", { name: "Edit values" })).toBeInTheDocument();
  });

  it("is for owners", async () => {
    vi.stubGlobal("fetch", server([], { member: { user: "ann", role: "annotator" } }).fetch);
    window.history.replaceState(null, "", "/projects/1/records/1");
    renderPage(<RecordPage projectId={1} recordId={1} />);
    expect(await screen.findByText("Jon met Ann in Paris")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Label records like these" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Edit values" })).toBeNull();
  });

  it("asks for a dry run, then saves, showing its progress and what followed", async () => {
    const writes: Write[] = [];
    const api = server(writes);
    vi.stubGlobal("fetch", api.fetch);
    await openForm(2);
    expect(field("text")).toHaveValue("nothing here");
    expect(field("topic")).toHaveValue("");
    expect(field("n")).toHaveValue(null);
    expect(field("flag")).toHaveValue("");
    type("n", "7");
    type("flag", "false");
    expect(form().getByText("2 values changed")).toBeInTheDocument();
    api.hold();
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    await waitFor(() => expect(form().getByRole("button", { name: "Saving…" })).toBeDisabled());
    expect(form().getByRole("button", { name: "Cancel" })).toBeDisabled();
    expect(form().getByRole("status")).toHaveTextContent("Saving…");
    await waitFor(() => expect(writes).toHaveLength(2));
    api.release();
    expect(await screen.findByLabelText("edit result")).toHaveTextContent(
      "Saved. n and flag changed; n_links is computed again.");
    expect(patches(writes)).toEqual([
      { url: "PATCH /records/2", data: { n: 7, flag: false }, revision: 0, dry_run: true },
      { url: "PATCH /records/2", data: { n: 7, flag: false }, revision: 0, dry_run: false }]);
    expect(screen.queryByLabelText("edit values")).toBeNull();
    expect(screen.getByLabelText("values")).toHaveTextContent("n7");
    expect(api.stored(2).revision).toBe(1);
    expect(sessionStorage.getItem("heurist.draft.1.record-2")).toBeNull();

    // an edit that changes nothing says so, and sends nothing
    fireEvent.click(screen.getByRole("button", { name: "Edit values" }));
    await waitFor(() => expect(field("n")).toHaveValue(7));
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    expect(await screen.findByLabelText("edit result")).toHaveTextContent("Nothing changed.");
    expect(patches(writes)).toHaveLength(2);
  });

  it("confirms an edit that drops spans, listing them, and says what followed", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes).fetch);
    await openForm();
    expect(await screen.findByText("“Ann”")).toBeInTheDocument();
    type("text", "Later, Ann met Joe in Paris");
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    const dialog = await waitFor(() => dialogOf("Save and drop 1 span?"));
    expect(dialog.getByText(/deleted with the edit/)).toHaveTextContent(
      "The edit changes the text under this manual span: it is deleted with the edit.");
    const rows = dialog.getAllByRole("row", { hidden: true }).map((r) => r.textContent);
    expect(rows).toEqual(["TaskLabelTextAnnotator", "nerPER“Jon”alice"]);
    expect(dialog.getByText(/follow the edit/)).toHaveTextContent("Spans whose text is unchanged follow the edit (1 span moves).");
    expect(patches(writes).map((p) => p.dry_run)).toEqual([true]);

    // cancelled: nothing is saved, and the typed text stays
    fireEvent.click(dialog.getByRole("button", { name: "Cancel", hidden: true }));
    await waitFor(() => expect(screen.queryByText("Save and drop 1 span?")).toBeNull());
    expect(field("text")).toHaveValue("Later, Ann met Joe in Paris");

    fireEvent.click(form().getByRole("button", { name: "Save" }));
    fireEvent.click(await waitFor(() => dialogOf("Save and drop 1 span?")
      .getByRole("button", { name: "Save and drop 1 span", hidden: true })));
    expect(await screen.findByLabelText("edit result")).toHaveTextContent(
      "Saved. text changed; minilm embeds it again; 1 span moved; 1 span dropped.");
    expect(patches(writes).map((p) => p.dry_run)).toEqual([true, true, false]);
    expect(patches(writes)[2]).toEqual({ url: "PATCH /records/1", data: { text: "Later, Ann met Joe in Paris" },
      revision: 0, dry_run: false });
    expect(screen.getByLabelText("values")).toHaveTextContent("Later, Ann met Joe in Paris");
    // the labels are read again: the moved span stays, the dropped one went
    await waitFor(() => expect(screen.queryByText("“Jon”")).toBeNull());
    expect(screen.getByText("“Ann”")).toBeInTheDocument();
  });

  it("marks a refused value on its field, keeping every typed value", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes).fetch);
    await openForm();
    type("topic", "sport");
    type("n", "2.5");
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    const message = await form().findByText("field 'n': expected integer, got '2.5'");
    expect(message).toHaveAttribute("role", "alert");
    expect(field("n")).toHaveAttribute("aria-invalid", "true");
    expect(field("n")).toHaveAccessibleDescription("field 'n': expected integer, got '2.5'");
    expect(field("n")).toHaveFocus();
    expect(field("topic")).not.toHaveAttribute("aria-invalid");
    expect(field("topic")).toHaveValue("sport");
    expect(patches(writes)).toEqual([{ url: "PATCH /records/1", data: { topic: "sport", n: "2.5" }, revision: 0, dry_run: true }]);
    // changed, the value is not marked any more, and saves
    type("n", "2");
    expect(field("n")).not.toHaveAttribute("aria-invalid");
    expect(form().queryByText(/expected integer/)).toBeNull();
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    expect(await screen.findByLabelText("edit result")).toHaveTextContent("Saved. topic and n changed; n_links is computed again.");
  });

  it("keeps the typed values when the record was edited since, until the user chooses", async () => {
    const writes: Write[] = [];
    const api = server(writes);
    vi.stubGlobal("fetch", api.fetch);
    await openForm();
    type("n", "4");
    api.editElsewhere(1, { topic: "politics", n: 5 }, true);   // no event reaches the page
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    const conflict = await screen.findByLabelText("edited meanwhile");
    // the record is read again, to say what changed
    await waitFor(() => expect(conflict).toHaveTextContent(
      "This record was edited meanwhile (revision 1 now: topic and n changed). Your unsaved values are kept here until you choose. "
      + "You both changed n: keeping your changes replaces theirs."));
    expect(field("n")).toHaveValue(4);
    expect(field("topic")).toHaveValue("travel");
    expect(form().getByRole("button", { name: "Save" })).toBeDisabled();
    expect(JSON.parse(sessionStorage.getItem("heurist.draft.1.record-1")!).revision).toBe(0);

    // their version with one's own change on top
    fireEvent.click(within(conflict).getByRole("button", { name: "Keep my changes on their version" }));
    expect(screen.queryByLabelText("edited meanwhile")).toBeNull();
    expect(field("n")).toHaveValue(4);
    expect(field("topic")).toHaveValue("politics");
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    expect(await screen.findByLabelText("edit result")).toHaveTextContent("Saved. n changed");
    expect(patches(writes).map((p) => [p.revision, p.dry_run, p.data])).toEqual([
      [0, true, { n: 4 }], [1, true, { n: 4 }], [1, false, { n: 4 }]]);
    expect(api.stored(1).data).toMatchObject({ topic: "politics", n: 4 });
  });

  it("says when the record is edited elsewhere while typing, and loads their version when asked", async () => {
    const writes: Write[] = [];
    const api = server(writes);
    vi.stubGlobal("fetch", api.fetch);
    await openForm();
    api.editElsewhere(1, { topic: "food" });
    // nothing typed yet: the form shows their values
    await waitFor(() => expect(field("topic")).toHaveValue("food"));
    expect(screen.queryByLabelText("edited meanwhile")).toBeNull();
    type("text", "Jon and Ann");
    api.editElsewhere(1, { flag: false });
    const conflict = await screen.findByLabelText("edited meanwhile");
    expect(conflict).toHaveTextContent("This record was edited meanwhile (revision 2 now: flag changed).");
    expect(field("text")).toHaveValue("Jon and Ann");
    expect(field("flag")).toHaveValue("true");
    fireEvent.click(within(conflict).getByRole("button", { name: "Load their version" }));
    await waitFor(() => expect(field("flag")).toHaveValue("false"));
    expect(field("text")).toHaveValue("Jon met Ann in Paris");
    expect(screen.queryByLabelText("edited meanwhile")).toBeNull();
    expect(sessionStorage.getItem("heurist.draft.1.record-1")).toBeNull();
    expect(patches(writes)).toEqual([]);
  });

  it("shows a refusal for a run under way as the server says it", async () => {
    const api = server([]);
    vi.stubGlobal("fetch", api.fetch);
    await openForm();
    type("topic", "sport");
    api.startRun();
    fireEvent.click(form().getByRole("button", { name: "Save" }));
    expect(await form().findByRole("alert")).toHaveTextContent(
      "run 12 (labeling function 'x') is under way: wait for it to end (or cancel it), then edit");
    expect(field("topic")).toHaveValue("sport");
    expect(form().getByRole("button", { name: "Save" })).toBeEnabled();
  });

  it("restores what was typed after a reload, with Discard beside it", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes).fetch);
    const first = await openForm();
    type("text", "Jon met Ann in Rome");
    type("score", "0.75");
    expect(JSON.parse(sessionStorage.getItem("heurist.draft.1.record-1")!)).toMatchObject({ revision: 0 });
    first.unmount();   // the page reloads

    renderPage(<RecordPage projectId={1} recordId={1} />);
    // the form opens by itself with what was typed
    const restored = await screen.findByLabelText("unsaved values");
    expect(restored).toHaveTextContent(/^Unsaved values from .+ restored\./);
    expect(field("text")).toHaveValue("Jon met Ann in Rome");
    expect(field("score")).toHaveValue(0.75);
    expect(field("topic")).toHaveValue("travel");
    expect(form().getByText("2 values changed")).toBeInTheDocument();
    fireEvent.click(within(restored).getByRole("button", { name: "Discard" }));
    expect(field("text")).toHaveValue("Jon met Ann in Paris");
    expect(field("score")).toHaveValue(0.5);
    expect(screen.queryByLabelText("unsaved values")).toBeNull();
    expect(sessionStorage.getItem("heurist.draft.1.record-1")).toBeNull();
    expect(patches(writes)).toEqual([]);
  });
});

describe("pages following edits made elsewhere", () => {
  it("reads the record list again", async () => {
    const api = server([]);
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/data");
    renderPage(<DataBrowser projectId={1} />);
    const lists = () => api.fetch.mock.calls.filter(([url]) => url.includes("/records?")).length;
    await waitFor(() => expect(screen.getByLabelText("count")).toHaveTextContent("2 records"));
    const before = lists();
    api.editElsewhere(1, { text: "Jon left" });
    await waitFor(() => expect(lists()).toBeGreaterThan(before));
  });

  it("shows a labeling session's record as it is now", async () => {
    const api = server([], { member: { user: "ann", role: "annotator" } });
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/label");
    renderPage(<Labeling projectId={1} />);
    expect(await screen.findByText("Jon met Ann in Paris")).toBeInTheDocument();
    api.editElsewhere(2, { text: "not this one" });
    api.editElsewhere(1, { text: "Jon left" });
    expect(await screen.findByText("Jon left")).toBeInTheDocument();
    expect(screen.getByLabelText("position")).toHaveTextContent("1 of 2");
  });

  it("shows the record page's new values when no form is open", async () => {
    const api = server([], { member: { user: "ann", role: "annotator" } });
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/records/1");
    renderPage(<RecordPage projectId={1} recordId={1} />);
    expect(await screen.findByText("Jon met Ann in Paris")).toBeInTheDocument();
    api.editElsewhere(1, { text: "Ann alone" });
    expect(await screen.findByText("Ann alone")).toBeInTheDocument();
  });
});

describe("values as the API takes them", () => {
  it("converts typed values by type; what is not one goes as typed", () => {
    expect(apiValue("integer", "3")).toBe(3);
    expect(apiValue("integer", "2.5")).toBe("2.5");
    expect(apiValue("integer", "")).toBeNull();
    expect(apiValue("float", "0.25")).toBe(0.25);
    expect(apiValue("float", " ")).toBeNull();
    expect(apiValue("boolean", "false")).toBe(false);
    expect(apiValue("boolean", "")).toBeNull();
    expect(apiValue("text", "")).toBeNull();
    expect(apiValue("text", " a ")).toBe(" a ");
    expect(apiValue("category", "b")).toBe("b");
  });

  it("says what an edit did", () => {
    const result: RecordEdited = { record: { id: 1, external_id: "r1", data: {}, revision: 1 }, changed: ["text"],
      spans_moved: 2, spans_dropped: 0, dropped_spans: [], computed_again: ["n_links", "n_words"],
      embedded_again: ["minilm"], dry_run: false };
    expect(editSummary(result)).toBe("Saved. text changed; n_links and n_words are computed again; minilm embeds it again; 2 spans moved.");
    expect(editSummary({ ...result, changed: [] })).toBe("Nothing changed.");
  });
});
