import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { DataBrowser } from "./pages/DataBrowser";
import { changesSummary, setSummary, type RecordsEdited } from "./recordEditing";
import { actionsButton, chooseAction, fakeEvents, json } from "./testing";
import type { Attribute, RecordRow, Task } from "./types";
import { ToastProvider } from "./ui";

const TASK: Task = { id: 3, name: "ner", kind: "extraction", target_attribute: "text",
  labels: [{ id: 1, name: "PER", color: "#2f9e44", hotkey: null }] };
const imported = (id: number, name: string, type: Attribute["data_type"]): Attribute =>
  ({ id, name, data_type: type, position: id, computed: false, source: null });
const ATTRIBUTES: Attribute[] = [imported(1, "text", "text"), imported(2, "split", "category"),
  imported(3, "stars", "integer"), imported(4, "score", "float"), imported(5, "flag", "boolean"),
  { id: 6, name: "n_links", data_type: "integer", position: 6, computed: true, source: "def ac(record):\n    return 0\n" }];
const TRAIN = [{ kind: "attribute", name: "split", op: "equals", value: "train" }];

type Body = { filter: { conditions: { name: string; value: unknown }[] }; data: Record<string, unknown>;
  expected?: number; dry_run?: boolean };

/** The server: five records in memory (r1..r3 of the train split; r3 of 5 stars already; a
 * manual span on r1's text), filtered by attribute equality; ``POST .../records/edit`` as the
 * API answers it (``expected``, a run under way and the values' types checked; records that
 * have the values already left alone; a dry run changing nothing), every one of its bodies
 * kept in ``edits``. */
function server(edits: Body[], { member }: { member?: { user: string; role: string } } = {}) {
  let records: RecordRow[] = [
    { id: 1, external_id: "r1", data: { text: "Jon met Ann", split: "train", stars: 1, score: 0.5, flag: true, n_links: 0 } },
    { id: 2, external_id: "r2", data: { text: "a nice phone", split: "train", stars: 2, score: null, flag: null, n_links: 0 } },
    { id: 3, external_id: "r3", data: { text: "bad battery", split: "train", stars: 5, score: null, flag: false, n_links: 0 } },
    { id: 4, external_id: "r4", data: { text: "ok screen", split: "dev", stars: 3, score: null, flag: null, n_links: 0 } },
    { id: 5, external_id: "r5", data: { text: "great price", split: "test", stars: 4, score: null, flag: null, n_links: 0 } },
  ];
  const events = fakeEvents();
  let counted = true;
  let underWay = false;
  let valuesCap = Infinity;
  const valueSearches: (string | null)[] = [];
  /** ``GET .../attributes/{id}/values``: the most frequent first, at most ``valuesCap`` */
  const values = (name: string, search: string | null, limit: number) => {
    const counts = new Map<string, number>();
    for (const r of records) {
      const value = r.data[name];
      if (value == null || (search && !String(value).toLowerCase().includes(search.toLowerCase()))) continue;
      counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
    }
    const all = [...counts].map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    const shown = all.slice(0, Math.min(limit, valuesCap));
    return json({ attribute: name, values: shown, distinct: all.length, records: all.reduce((n, v) => n + v.count, 0),
      complete: shown.length === all.length });
  };
  const matching = (conditions: { name: string; value: unknown }[]) =>
    records.filter((r) => conditions.every((c) => r.data[c.name] === c.value));
  const send = (type: string, data: unknown) => {
    events.send(type, data);
  };
  const edit = (body: Body) => {
    const chosen = matching(body.filter.conditions);
    for (const [name, value] of Object.entries(body.data)) {
      const attribute = ATTRIBUTES.find((a) => a.name === name);
      if (!attribute || attribute.computed) {
        return json({ detail: `field '${name}': not an imported attribute of the project`, field: name, row: null }, 422);
      }
      if (attribute.data_type === "integer" && value !== null && !Number.isInteger(Number(value))) {
        return json({ detail: `field '${name}': expected integer, got '${value}'`, field: name, row: null }, 422);
      }
    }
    if (body.expected !== undefined && body.expected !== chosen.length) {
      return json({ detail: `field 'expected': the selection holds ${chosen.length} records now, not ${body.expected}: look at it again`,
        field: "expected", row: null }, 409);
    }
    const changes = (r: RecordRow) => Object.keys(body.data).filter((name) => r.data[name] !== body.data[name]);
    const edited = chosen.filter((r) => changes(r).length);
    if (edited.length && underWay) {
      return json({ detail: "run 12 (labeling function 'x') is under way: wait for it to end (or cancel it), then edit",
        field: "data", row: null }, 409);
    }
    const changed = [...new Set(edited.flatMap(changes))].sort();
    const dropped = changed.includes("text") && edited.some((r) => r.id === 1)
      ? [{ task: TASK.name, label: "PER", text: "Jon", annotator: "alice", is_gold: true }] : [];
    if (!body.dry_run && edited.length) {
      records = records.map((r) => (edited.includes(r) ? { ...r, data: { ...r.data, ...body.data } } : r));
      send("records.edited", { count: edited.length, attributes: changed, record_ids: edited.map((r) => r.id) });
    }
    return json({ matched: chosen.length, edited: edited.length, changed, spans_moved: 0, spans_dropped: dropped.length,
      dropped_spans: dropped, computed_again: changed.includes("text") ? ["n_links"] : [],
      embedded_again: changed.includes("text") ? ["minilm"] : [], dry_run: Boolean(body.dry_run) });
  };
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    const { pathname, searchParams } = new URL(url, "http://heurist");
    const path = pathname.replace("/api/v1/projects/1", "");
    const filtered = () => matching(JSON.parse(searchParams.get("filter") ?? '{"conditions": []}').conditions);
    if (path === "/events") return events.response();
    if (path === "/api/v1/me") return json(member ? { name: member.user, is_admin: false } : { name: "admin", is_admin: true });
    if (path === "/members") return json(member ? [member] : []);
    if (path === "/tasks") return json({ data: [TASK], count: 1 });
    if (path === "/attributes") return json(ATTRIBUTES);
    if (["/heuristics", "/filters", "/embeddings"].includes(path)) return json({ data: [], count: 0 });
    const attributeValues = path.match(/^\/attributes\/(\d+)\/values$/);
    if (attributeValues) {
      valueSearches.push(searchParams.get("search"));
      const attribute = ATTRIBUTES.find((a) => a.id === Number(attributeValues[1]))!;
      return values(attribute.name, searchParams.get("search"), Number(searchParams.get("limit") ?? 100));
    }
    if (path === "/records/count") return counted ? json({ count: filtered().length }) : new Promise<Response>(() => {});
    if (path === "/records") return json({ data: filtered(), count: filtered().length });
    if (path === "/records/edit" && method === "POST") {
      edits.push(body);
      return edit(body);
    }
    return json({ detail: "not here" }, 404);
  });
  return {
    fetch,
    add(id: number) { records = [...records, { id, external_id: `r${id}`, data: { text: "new", split: "train", stars: 1 } }]; },
    stopCounting() { counted = false; },
    /** the values endpoint lists at most ``n`` values (not every one, then) */
    capValues(n: number) { valuesCap = n; },
    valueSearches,
    startRun() { underWay = true; },
    endRun() { underWay = false; },
    stored: (id: number) => records.find((r) => r.id === id)!.data,
  };
}

/** The data browser, its toasts shown, at ``address``; queries not retried, as the app's. */
function renderBrowser(address: string, ui: ReactElement = <DataBrowser projectId={1} />) {
  window.history.replaceState(null, "", address);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}><ToastProvider>{ui}</ToastProvider></QueryClientProvider>);
}

// jsdom lays nothing out: the table's scroller has nothing to scroll
beforeAll(() => { Element.prototype.scrollTo ??= () => undefined; });

const TRAIN_ADDRESS = `/projects/1/data?f=${encodeURIComponent(JSON.stringify(TRAIN))}`;
const dialogOf = (title: string) => within(screen.getByText(title).closest("dialog")!);
const count = () => screen.getByLabelText("count");
/** The form of "Set values of 3 records" (jsdom opens no dialog: its roles are hidden). */
const form = () => dialogOf("Set values of 3 records");
const choose = (name: string) => fireEvent.change(form().getByLabelText(/attribute/i, { selector: "select" }), { target: { value: name } });
const field = (name: string) => form().getByLabelText(name) as HTMLInputElement;

/** The data browser on the train records (3 of 5), the form of setting their values open;
 * the edits the server is sent. */
async function openedOnTrain() {
  const edits: Body[] = [];
  const api = server(edits);
  vi.stubGlobal("fetch", api.fetch);
  renderBrowser(TRAIN_ADDRESS);
  await chooseAction("Set values of 3 records…");
  return { edits, api };
}
const button = (dialog: ReturnType<typeof within>, name: string | RegExp) => dialog.getByRole("button", { name, hidden: true });

describe("setting the values of the data browser's records", () => {
  it("is offered to owners once the exact count is known, for the imported attributes", async () => {
    vi.stubGlobal("fetch", server([], { member: { user: "ann", role: "annotator" } }).fetch);
    const first = renderBrowser("/projects/1/data");
    expect(await screen.findByRole("button", { name: "Label these records" })).toBeInTheDocument();
    await waitFor(() => expect(count()).toHaveTextContent("5 records"));
    expect(screen.queryByRole("button", { name: /Set values/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Actions" })).toBeNull();
    first.unmount();

    const api = server([]);
    api.stopCounting();
    vi.stubGlobal("fetch", api.fetch);
    const second = renderBrowser("/projects/1/data");
    expect(await screen.findByRole("button", { name: "Label these records" })).toBeInTheDocument();
    expect(count()).toHaveTextContent("counting…");
    expect(screen.getByRole("button", { name: "Actions" })).toBeDisabled();
    expect(screen.queryByRole("menuitem", { name: /Set values/ })).toBeNull();
    second.unmount();

    vi.stubGlobal("fetch", server([]).fetch);
    const third = renderBrowser("/projects/1/data");
    // in the menu of actions, before the deletion and named alike: every record without a filter
    fireEvent.click(await actionsButton());
    expect(within(screen.getByRole("menu", { name: "Actions" })).getAllByRole("menuitem").map((item) => item.textContent))
      .toEqual(["Set values of all 5 records…", "Delete all 5 records…"]);
    third.unmount();

    renderBrowser(TRAIN_ADDRESS);
    await chooseAction("Set values of 3 records…");
    expect(form().getByText(/match the filter/)).toHaveTextContent(
      "The 3 records that match the filter split = train get the values set here; the other records keep theirs.");
    const select = form().getByLabelText("Attribute", { selector: "select" });
    expect([...select.querySelectorAll("option")].map((o) => o.textContent)).toEqual([
      "choose an attribute…", "text (text)", "split (category)", "stars (integer)", "score (float)", "flag (boolean)"]);
    expect(form().getByText(/Computed attributes are not here/)).toBeInTheDocument();
    expect(button(form(), "Continue")).toBeDisabled();   // nothing chosen yet
  });

  it("has an input per attribute by its type, and a way to clear a value", async () => {
    vi.stubGlobal("fetch", server([]).fetch);
    renderBrowser("/projects/1/data");
    await chooseAction("Set values of all 5 records…");
    const dialog = dialogOf("Set values of all 5 records");
    const pick = (name: string) => fireEvent.change(dialog.getByLabelText(/attribute/i, { selector: "select" }), { target: { value: name } });
    for (const name of ["text", "split", "stars", "score", "flag"]) pick(name);
    const input = (name: string) => dialog.getByLabelText(name) as HTMLInputElement;
    expect(input("text").tagName).toBe("TEXTAREA");
    expect(input("split")).toHaveAttribute("type", "text");
    expect(input("split")).toHaveAttribute("role", "combobox");
    expect(input("stars")).toHaveAttribute("type", "number");
    expect(input("stars")).toHaveAttribute("step", "1");
    expect(input("score")).toHaveAttribute("step", "any");
    expect(input("flag").tagName).toBe("SELECT");
    expect([...input("flag").querySelectorAll("option")].map((o) => o.textContent)).toEqual(["choose…", "true", "false"]);
    expect(dialog.getByLabelText(/attribute/i, { selector: "select" })).toBeDisabled();   // every one chosen

    // an empty value is not sent for want of one: it is typed, or cleared
    expect(dialog.getAllByText("Type a value, or clear the value.")).toHaveLength(5);
    expect(button(dialog, "Continue")).toBeDisabled();
    fireEvent.change(input("text"), { target: { value: "new text" } });
    fireEvent.change(input("split"), { target: { value: "test" } });
    fireEvent.change(input("stars"), { target: { value: "4" } });
    fireEvent.change(input("score"), { target: { value: "0.25" } });
    fireEvent.change(input("flag"), { target: { value: "false" } });
    expect(button(dialog, "Continue")).toBeEnabled();
    const clears = dialog.getAllByLabelText("clear the value");
    fireEvent.click(clears[1]);
    expect(input("split")).toHaveValue("");
    expect(input("split")).toHaveAttribute("readonly");
    fireEvent.click(button(dialog, "remove flag"));
    expect(dialog.queryByLabelText("flag")).toBeNull();

    fireEvent.click(button(dialog, "Continue"));
    const confirm = dialogOf("Set text, split, stars and score on all 5 records?");
    expect(confirm.getByLabelText("values set")).toHaveTextContent(
      "text = “new text”split cleared (no value)stars = “4”score = “0.25”");
    // the dry run: r1's span would go with its text, and what is made again
    await waitFor(() => expect(confirm.getByLabelText("what changes")).toHaveTextContent("All 5 records change."));
    expect(confirm.getByLabelText("what changes")).toHaveTextContent(
      "The edit changes the text under this manual span: it is deleted with the edit.");
    expect(within(confirm.getByRole("table", { name: "dropped spans", hidden: true })).getAllByRole("row", { hidden: true })[1])
      .toHaveTextContent("nerPER“Jon”alice gold");
    expect(confirm.getByText(/^Then/)).toHaveTextContent("Then n_links is computed again; minilm embeds them again.");
  });

  it("says what would change, then sets the values with the count shown", async () => {
    const { edits, api } = await openedOnTrain();
    choose("stars");
    fireEvent.change(field("stars"), { target: { value: "5" } });
    expect(edits).toEqual([]);   // nothing asked before the confirmation
    fireEvent.click(button(form(), "Continue"));

    const confirm = dialogOf("Set stars on 3 records?");
    expect(confirm.getByText(/match the filter/)).toHaveTextContent("The 3 records that match the filter split = train get this value.");
    await waitFor(() => expect(confirm.getByLabelText("what changes")).toHaveTextContent(
      "2 of 3 records change (1 has this value already)."));
    expect(confirm.queryByRole("table", { hidden: true })).toBeNull();   // no span goes
    expect(edits).toEqual([{ filter: { conditions: TRAIN }, data: { stars: 5 }, expected: 3, dry_run: true }]);
    expect(api.stored(1).stars).toBe(1);

    fireEvent.click(button(confirm, "Set values"));
    expect(await screen.findByText("Set stars on 2 records; 1 had it already.")).toBeInTheDocument();
    expect(edits[1]).toEqual({ filter: { conditions: TRAIN }, data: { stars: 5 }, expected: 3 });
    expect([1, 2, 3, 4, 5].map((id) => api.stored(id).stars)).toEqual([5, 5, 5, 3, 4]);
    expect(screen.getByText("Set values of 3 records").closest("dialog")).not.toHaveAttribute("open");
    // the list is read again; the next edit starts from an empty form
    await waitFor(() => expect(api.fetch.mock.calls.filter(([url]) => String(url).includes("/records?")).length).toBeGreaterThan(1));
    await chooseAction("Set values of 3 records…");
    expect(form().queryByLabelText("stars")).toBeNull();
  });

  it("shows a refusal in the dialog and keeps what was typed: the count changed, a run under way", async () => {
    const { edits, api } = await openedOnTrain();
    choose("split");
    fireEvent.change(field("split"), { target: { value: "test" } });
    fireEvent.click(button(form(), "Continue"));
    await waitFor(() => expect(dialogOf("Set split on 3 records?").getByLabelText("what changes"))
      .toHaveTextContent("All 3 records change."));

    api.add(6);   // imported meanwhile
    fireEvent.click(button(dialogOf("Set split on 3 records?"), "Set values"));
    // refused; the list is counted again and the confirmation says what there is now
    const confirm = await waitFor(() => dialogOf("Set split on 4 records?"));
    expect(confirm.getByRole("alert", { hidden: true })).toHaveTextContent("the selection holds 4 records now, not 3: look at it again");
    expect(count()).toHaveTextContent("4 records");
    await waitFor(() => expect(confirm.getByLabelText("what changes")).toHaveTextContent("All 4 records change."));
    expect(edits.filter((e) => !e.dry_run).map((e) => e.expected)).toEqual([3]);
    expect(edits.at(-1)).toMatchObject({ expected: 4, dry_run: true });

    api.startRun();
    fireEvent.click(button(confirm, "Set values"));
    await waitFor(() => expect(confirm.getByRole("alert", { hidden: true })).toHaveTextContent(
      "run 12 (labeling function 'x') is under way: wait for it to end (or cancel it), then edit"));
    expect(api.stored(1).split).toBe("train");
    // back in the form, the value typed is there still
    fireEvent.click(button(confirm, "Back"));
    expect(dialogOf("Set values of 4 records").getByLabelText("split")).toHaveValue("test");
    api.endRun();
    fireEvent.click(button(dialogOf("Set values of 4 records"), "Continue"));
    await waitFor(() => expect(dialogOf("Set split on 4 records?").getByLabelText("what changes"))
      .toHaveTextContent("All 4 records change."));
    expect(dialogOf("Set split on 4 records?").queryByRole("alert", { hidden: true })).toBeNull();
    fireEvent.click(button(dialogOf("Set split on 4 records?"), "Set values"));
    expect(await screen.findByText("Set split on 4 records.")).toBeInTheDocument();
    expect([1, 2, 3, 6].map((id) => api.stored(id).split)).toEqual(["test", "test", "test", "test"]);
  });

  it("marks a value the server refuses on its field, the value kept", async () => {
    const { edits, api } = await openedOnTrain();
    choose("split");
    choose("stars");
    fireEvent.change(field("split"), { target: { value: "test" } });
    fireEvent.change(field("stars"), { target: { value: "1.5" } });
    fireEvent.click(button(form(), "Continue"));
    // the dry run refuses it: back to the form, the field marked with the server's words
    await waitFor(() => expect(field("stars")).toHaveAttribute("aria-invalid", "true"));
    expect(field("stars")).toHaveValue(1.5);
    expect(field("split")).toHaveValue("test");
    expect(form().getByRole("alert", { hidden: true })).toHaveTextContent("field 'stars': expected integer, got '1.5'");
    expect(edits).toEqual([{ filter: { conditions: TRAIN }, data: { split: "test", stars: "1.5" }, expected: 3, dry_run: true }]);
    // the mark goes as the value changes
    fireEvent.change(field("stars"), { target: { value: "2" } });
    expect(field("stars")).not.toHaveAttribute("aria-invalid");
    fireEvent.click(button(form(), "Continue"));
    await waitFor(() => expect(dialogOf("Set split and stars on 3 records?").getByLabelText("what changes"))
      .toHaveTextContent("All 3 records change."));
    fireEvent.click(button(dialogOf("Set split and stars on 3 records?"), "Set values"));
    expect(await screen.findByText("Set split and stars on 3 records.")).toBeInTheDocument();
    expect(api.stored(3)).toMatchObject({ split: "test", stars: 2 });
  });

  it("sends a cleared value as none, and says when nothing would change", async () => {
    const { edits } = await openedOnTrain();
    choose("split");
    fireEvent.change(field("split"), { target: { value: "train" } });
    fireEvent.click(button(form(), "Continue"));
    const confirm = dialogOf("Set split on 3 records?");
    await waitFor(() => expect(confirm.getByLabelText("what changes")).toHaveTextContent(
      "None of the 3 records changes: they have this value already."));
    expect(button(confirm, "Set values")).toBeDisabled();
    fireEvent.click(button(confirm, "Back"));
    fireEvent.click(form().getByLabelText("clear the value"));
    fireEvent.click(button(form(), "Continue"));
    await waitFor(() => expect(confirm.getByLabelText("what changes")).toHaveTextContent("All 3 records change."));
    expect(edits[1]).toEqual({ filter: { conditions: TRAIN }, data: { split: null }, expected: 3, dry_run: true });
  });
});

describe("a category's values in the form", () => {
  const listbox = (dialog: ReturnType<typeof within>) => within(dialog.getByRole("listbox", { hidden: true }));
  const options = (dialog: ReturnType<typeof within>) =>
    listbox(dialog).getAllByRole("option", { hidden: true }).map((option) => option.textContent);

  it("are the project's, the most frequent first with their counts, to choose or to type another", async () => {
    const { edits, api } = await openedOnTrain();
    choose("split");
    fireEvent.focus(field("split"));   // focus alone (a dialog opening on it) shows nothing
    expect(form().queryByRole("listbox", { hidden: true })).toBeNull();
    fireEvent.click(field("split"));
    const list = await waitFor(() => form().getByRole("listbox", { name: "values of split", hidden: true }));
    await waitFor(() => expect(options(form())).toEqual(["train (3)", "dev (1)", "test (1)"]));
    expect(field("split")).toHaveAttribute("aria-expanded", "true");
    expect(field("split")).toHaveAttribute("aria-controls", list.id);
    // the whole list at hand: typing narrows it without asking again
    fireEvent.change(field("split"), { target: { value: "E" } });
    expect(options(form())).toEqual(["dev (1)", "test (1)"]);
    // the keyboard: ArrowDown marks one, Enter takes it (the form is not sent)
    fireEvent.keyDown(field("split"), { key: "ArrowDown" });
    fireEvent.keyDown(field("split"), { key: "ArrowDown" });
    expect(field("split")).toHaveAttribute("aria-activedescendant", listbox(form()).getAllByRole("option", { hidden: true })[1].id);
    fireEvent.keyDown(field("split"), { key: "Enter" });
    expect(field("split")).toHaveValue("test");
    expect(form().queryByRole("listbox", { hidden: true })).toBeNull();
    expect(edits).toEqual([]);
    // a click takes one too; a value no record has can be typed
    fireEvent.click(field("split"));
    expect(options(form())).toEqual(["train (3)", "dev (1)", "test (1)"]);   // a value of the list shows them all
    fireEvent.click(listbox(form()).getByRole("option", { name: "dev (1)", hidden: true }));
    expect(field("split")).toHaveValue("dev");
    fireEvent.change(field("split"), { target: { value: "holdout" } });
    expect(form().getByText("No record has a value like this yet.")).toBeInTheDocument();
    // Escape closes the list, not the form
    fireEvent.keyDown(field("split"), { key: "Escape" });
    expect(form().queryByRole("listbox", { hidden: true })).toBeNull();
    expect(button(form(), "Continue")).toBeEnabled();
    fireEvent.click(button(form(), "Continue"));
    await waitFor(() => expect(edits).toEqual([{ filter: { conditions: TRAIN }, data: { split: "holdout" }, expected: 3, dry_run: true }]));
    expect(api.valueSearches).toEqual([null]);   // asked once, for every value
  });

  it("are asked of the server for what is typed when the list is not every value", async () => {
    const { api } = await openedOnTrain();
    api.capValues(1);
    choose("split");
    fireEvent.click(field("split"));
    await waitFor(() => expect(options(form())).toEqual(["train (3)"]));
    expect(form().getByText("the 1 most frequent of 3 values: type to narrow")).toBeInTheDocument();
    fireEvent.change(field("split"), { target: { value: "te" } });
    await waitFor(() => expect(options(form())).toEqual(["test (1)"]));
    expect(api.valueSearches).toEqual([null, "te"]);
  });
});

describe("the words of an edit of many records", () => {
  const outcome = (matched: number, edited: number, more: Partial<RecordsEdited> = {}): RecordsEdited => ({
    matched, edited, changed: ["stars"], spans_moved: 0, spans_dropped: 0, dropped_spans: [], computed_again: [],
    embedded_again: [], dry_run: true, ...more });

  it("says how many change", () => {
    expect(changesSummary(outcome(3, 2), 2)).toBe("2 of 3 records change (1 has these values already).");
    expect(changesSummary(outcome(3, 1), 1)).toBe("1 of 3 records changes (2 have this value already).");
    expect(changesSummary(outcome(1, 1), 1)).toBe("The record changes.");
    expect(changesSummary(outcome(1, 0), 1)).toBe("The record has this value already: nothing changes.");
    expect(changesSummary(outcome(1200, 1200), 1)).toBe("All 1,200 records change.");
  });

  it("says what was done", () => {
    expect(setSummary(outcome(3, 2), ["stars"])).toBe("Set stars on 2 records; 1 had it already.");
    expect(setSummary(outcome(3, 3, { computed_again: ["n_links"], embedded_again: ["minilm"] }), ["text", "split"]))
      .toBe("Set text and split on 3 records. n_links is computed again; minilm embeds them again.");
    expect(setSummary(outcome(1, 1), ["stars"])).toBe("Set stars on 1 record.");
    expect(setSummary(outcome(2, 0), ["split", "stars"])).toBe("Nothing changed: the 2 records had them already.");
  });
});
