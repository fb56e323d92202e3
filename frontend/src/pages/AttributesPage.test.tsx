import { EditorView } from "@codemirror/view";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { starterSource } from "../attributes/starter";
import { valuesText } from "../attributes/RunState";
import { json, renderWithQueries } from "../testing";
import type { Attribute, AttributeRun } from "../types";
import { AttributesPage } from "./AttributesPage";

const WORDS = 'def ac(record):\n    return len(record["text"].split())\n';
const TYPO = 'def ac(record):\n    n = 0\n    return len(record["txt"].split())\n';

const run = (fields: Partial<AttributeRun>): AttributeRun => ({ id: 40, kind: "attribute_calculation",
  status: "succeeded", progress: 1, done_items: 30, total_items: 30, error: null,
  created_at: "2026-12-07T04:00:00Z", params: { attribute_id: 7, only_missing: false },
  metrics: { records: 30, records_with_value: 28 }, ...fields });
const IMPORTED: Attribute[] = [
  { id: 1, name: "text", data_type: "text", position: 0, computed: false, source: null, run: null },
  { id: 2, name: "stars", data_type: "integer", position: 1, computed: false, source: null, run: null }];
const N_WORDS: Attribute = { id: 7, name: "n_words", data_type: "integer", position: 2, computed: true,
  source: WORDS, run: run({}), read_by: [{ id: 3, name: "long is spam", task_id: 1 }] };

type Write = { method: string; url: string; body: Record<string, unknown> | null };

/** The server: the user (an admin unless a member is named), attributes held in memory,
 * every write recorded; code with a syntax error or a misspelt attribute fails as it would. */
function server(writes: Write[], { attributes = IMPORTED, member }: {
  attributes?: Attribute[]; member?: { user: string; role: string } } = {}) {
  let held = attributes;
  const syntaxError = (source: string) => (source.includes("def ac(record)\n")
    ? json({ detail: "line 1, field 'source': syntax error: expected ':'", message: "syntax error: expected ':'",
      field: "source", row: 1 }, 422) : null);
  return vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    if (method !== "GET") writes.push({ method, url, body });
    if (url.endsWith("/me")) return json(member ? { name: member.user, is_admin: false } : { name: "admin", is_admin: true });
    if (url.endsWith("/members")) return json(member ? [member] : []);
    if (url.endsWith("/runs/41")) return json({ ...run({ id: 41, status: "queued" }), logs: "", waiting_for: "a free worker" });
    if (url.endsWith("/attributes/sample")) {
      return syntaxError(body.source) ?? json({ seconds: 0.25, logs: "saw r1\n", results: [
        body.source.includes('"txt"')
          ? { record_id: 11, external_id: "r1", value: null, error: "KeyError: \"no attribute 'txt'\"", line: 3 }
          : { record_id: 11, external_id: "r1", value: 4, error: null, line: null },
        { record_id: 12, external_id: "r2", value: null, error: null, line: null }] });
    }
    if (url.endsWith("/attributes/computed")) {
      if (held.some((a) => a.name === body.name)) {
        return json({ detail: `field 'name': attribute '${body.name}' exists already`, field: "name", row: null }, 409);
      }
      const made = { ...N_WORDS, id: 8, name: body.name, source: body.source,
        run: run({ id: 41, status: "queued", progress: 0, done_items: 0, metrics: {} }) };
      held = [...held, made];
      return json(made, 201);
    }
    if (url.endsWith("/attributes/7") && method === "PATCH") {
      const refused = syntaxError(body.source);
      if (refused) return refused;
      held = held.map((a) => (a.id === 7 ? { ...a, source: body.source,
        run: run({ id: 41, status: "queued", progress: 0, done_items: 0, metrics: {} }) } : a));
      return json(held.find((a) => a.id === 7));
    }
    if (url.endsWith("/attributes/1") && method === "DELETE") {
      return json({ detail: "field 'attribute': task 'ner' labels the spans of attribute 'text': delete the task first",
        field: "attribute", row: null }, 409);
    }
    if (/\/attributes\/\d+$/.test(url) && method === "DELETE") {
      held = held.filter((a) => !url.endsWith(`/attributes/${a.id}`));
      return new Response(null, { status: 204 });
    }
    if (url.endsWith("/attributes")) return json(held);
    return json({ detail: "not here" }, 404);
  });
}

function editorOf(container: HTMLElement): EditorView {
  return EditorView.findFromDOM(container.querySelector(".cm-editor") as HTMLElement)!;
}

function type(container: HTMLElement, text: string) {
  // replace the document as typing would
  const view = editorOf(container);
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
}

const code = (container: HTMLElement) => editorOf(container).state.doc.toString();

function leaving(): boolean {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

describe("AttributesPage", () => {
  it("starts new code from the word count of the first text attribute", () => {
    expect(starterSource([IMPORTED[1], { ...IMPORTED[0], name: "body" }])).toBe('def ac(record):\n'
      + '    # the number of words of "body"; None leaves the record without a value\n'
      + '    text = record["body"]\n    return len(text.split()) if text else None\n');
    expect(starterSource([IMPORTED[1]])).toContain("    return None\n");
  });

  it("says how many records have a value after a run", () => {
    expect(valuesText(run({}))).toBe("28 of 30 records have a value");
    expect(valuesText(run({ total_items: 1, metrics: { records: 1, records_with_value: 1 } })))
      .toBe("1 of 1 record has a value");
    expect(valuesText(run({ total_items: 2, params: { only_missing: true } })))
      .toBe("2 new records computed; 28 records have a value");
  });

  it("lists every attribute with where its values come from and its latest run", async () => {
    const failed = { ...N_WORDS, id: 9, name: "ratio", run: run({ status: "failed",
      error: "2 record(s) failed: record 'r4' (line 2): expected integer, got 'low'" }) };
    const running = { ...N_WORDS, id: 10, name: "long", run: run({ status: "running", progress: 0.5, done_items: 15 }) };
    vi.stubGlobal("fetch", server([], { attributes: [...IMPORTED, N_WORDS, failed, running] }));
    renderWithQueries(<AttributesPage projectId={1} />);
    const table = await screen.findByRole("table", { name: "attributes" });
    const row = (name: string) => table.querySelector(`tr[data-attribute="${name}"]`) as HTMLElement;
    expect(row("text")).toHaveTextContent("texttextimported");
    expect(within(row("text")).getByRole("button", { name: "Delete text" })).toBeInTheDocument();
    expect(row("n_words")).toHaveTextContent("integercomputedsucceeded28 of 30 records have a value");
    expect(within(row("n_words")).getByRole("link", { name: "long is spam" })).toHaveAttribute(
      "href", "/projects/1/heuristics/3");
    expect(within(row("ratio")).getByLabelText("run error")).toHaveTextContent("(line 2): expected integer, got 'low'");
    expect(within(row("long")).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "50");
    expect(row("long")).toHaveTextContent("15/30");
  });

  it("tries new code, shows each record's value or error with its line, then creates the attribute", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes));
    const { container } = renderWithQueries(<AttributesPage projectId={1} />);
    fireEvent.click(await screen.findByRole("button", { name: "New computed attribute" }));
    const form = await screen.findByRole("form", { name: "new computed attribute" });
    expect(code(form)).toBe(starterSource(IMPORTED));
    expect(within(form).getByLabelText("Attribute type")).toHaveValue("integer");

    type(form, TYPO);
    fireEvent.click(within(form).getByRole("button", { name: "Try on 10 records" }));
    const sample = await within(form).findByLabelText("sample values");
    expect(writes.at(-1)).toMatchObject({ url: "/api/v1/projects/1/attributes/sample",
      body: { source: TYPO, data_type: "integer", n: 10 } });
    expect(within(sample).getByText("r1").closest("tr")).toHaveTextContent("line 3: KeyError: \"no attribute 'txt'\"");
    expect(within(sample).getByText("r2").closest("tr")).toHaveTextContent("no value");
    expect(within(sample).getByLabelText("sample summary")).toHaveTextContent("0 with a value · 1 without · 1 failed · 0.25 s");
    expect(within(sample).getByText(/saw r1/)).toBeInTheDocument();
    await waitFor(() => expect(container.querySelector("[data-error-line]")).toHaveAttribute("data-error-line", "3"));

    type(form, WORDS);
    await waitFor(() => expect(container.querySelector("[data-error-line]")).toBeNull());
    expect(within(sample).getByLabelText("sample summary")).toHaveTextContent("the code changed since");
    fireEvent.click(within(form).getByRole("button", { name: "Try on 10 records" }));
    await waitFor(() => expect(within(form).getByText("r1").closest("tr")).toHaveTextContent("4"));

    // a taken name is said next to the name; the code typed stays
    fireEvent.change(within(form).getByLabelText("Attribute name"), { target: { value: "text" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create and compute" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("attribute 'text' exists already");
    expect(within(form).getByLabelText("Attribute name")).toHaveAttribute("aria-invalid", "true");
    expect(code(form)).toBe(WORDS);

    fireEvent.change(within(form).getByLabelText("Attribute name"), { target: { value: "n_words" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create and compute" }));
    const editor = await screen.findByLabelText("attribute n_words");
    expect(writes.at(-1)).toMatchObject({ method: "POST", url: "/api/v1/projects/1/attributes/computed",
      body: { name: "n_words", data_type: "integer", source: WORDS } });
    expect(window.location.search).toBe("?attribute=8");
    expect(screen.queryByRole("form", { name: "new computed attribute" })).toBeNull();
    expect(code(editor)).toBe(WORDS);
    const state = within(editor).getByLabelText("latest run");
    expect(within(state).getByRole("progressbar")).toBeInTheDocument();
    expect(await within(state).findByText("waiting for a free worker")).toBeInTheDocument();
    expect(within(state).getByRole("button", { name: "Compute again" })).toBeDisabled();
    expect(sessionStorage.getItem("heurist.draft.1.attribute-new")).toBeNull();
  });

  it("keeps unsaved code through a reload and when the server refuses it", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes, { attributes: [...IMPORTED, N_WORDS] }));
    window.history.replaceState(null, "", "/projects/1/attributes?attribute=7");
    const first = renderWithQueries(<AttributesPage projectId={1} />);
    let editor = await screen.findByLabelText("attribute n_words");
    await waitFor(() => expect(code(editor)).toBe(WORDS));
    expect(within(editor).getByRole("link", { name: "Show in the data browser" })).toHaveAttribute("href", "/projects/1/data?sort=n_words");
    expect(within(editor).getByRole("button", { name: "Saved" })).toBeDisabled();
    expect(within(editor).getByRole("button", { name: "Compute again" })).toBeEnabled();

    const broken = WORDS.replace("def ac(record):", "def ac(record)");
    type(editor, broken);
    expect(leaving()).toBe(true);
    first.unmount();
    const { container } = renderWithQueries(<AttributesPage projectId={1} />);
    editor = await screen.findByLabelText("attribute n_words");
    await waitFor(() => expect(code(editor)).toBe(broken));
    expect(within(editor).getByLabelText("unsaved changes")).toHaveTextContent("Unsaved code from");
    expect(within(editor).getByRole("button", { name: "Compute again" })).toBeDisabled();   // save first

    fireEvent.click(within(editor).getByRole("button", { name: "Save and compute again" }));
    expect(await within(editor).findByRole("alert")).toHaveTextContent("line 1, field 'source': syntax error: expected ':'");
    await waitFor(() => expect(container.querySelector("[data-error-line]")).toHaveAttribute("data-error-line", "1"));
    expect(code(editor)).toBe(broken);

    const fixed = WORDS.replace("split()", "split(' ')");
    type(editor, fixed);
    fireEvent.click(within(editor).getByRole("button", { name: "Save and compute again" }));
    await waitFor(() => expect(within(editor).getByRole("button", { name: "Saved" })).toBeDisabled());
    expect(writes.at(-1)).toMatchObject({ method: "PATCH", url: "/api/v1/projects/1/attributes/7", body: { source: fixed } });
    expect(code(editor)).toBe(fixed);
    expect(within(editor).queryByLabelText("unsaved changes")).toBeNull();
    expect(await within(editor).findByText("waiting for a free worker")).toBeInTheDocument();
    expect(leaving()).toBe(false);
    expect(sessionStorage.getItem("heurist.draft.1.attribute-7")).toBeNull();
  });

  it("follows a run through the project's events", async () => {
    let held = [...IMPORTED, { ...N_WORDS, run: run({ id: 41, status: "queued", progress: 0, done_items: 0, metrics: {} }) }];
    let send: (text: string) => void = () => undefined;
    const events = new ReadableStream<Uint8Array>({ start(controller) {
      send = (text) => controller.enqueue(new TextEncoder().encode(text));
    } });
    const answer = server([]);
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith("/events")) return new Response(events);
      if (url.endsWith("/attributes")) return json(held);
      return answer(url, init);
    }));
    renderWithQueries(<AttributesPage projectId={1} />);
    const row = await screen.findByText("n_words").then((name) => name.closest("tr")!);
    expect(row).toHaveTextContent("queued");
    const event = (id: number, type: string, data: object) =>
      send(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ id: 41, kind: "attribute_calculation", ...data })}\n\n`);
    event(1, "run.progress", { status: "running", progress: 0.4, done_items: 12, total_items: 30 });
    await waitFor(() => expect(within(row).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "40"));
    expect(row).toHaveTextContent("12/30");
    held = [...IMPORTED, N_WORDS];
    event(2, "run.succeeded", { status: "succeeded", progress: 1, done_items: 30, total_items: 30 });
    await waitFor(() => expect(row).toHaveTextContent("28 of 30 records have a value"));
    expect(within(row).queryByRole("progressbar")).toBeNull();
  });

  it("marks the line of a failed run's error in the code", async () => {
    const failed = { ...N_WORDS, run: run({ status: "failed",
      error: "30 record(s) failed: record 'r1' (line 2): AttributeError: 'NoneType' object has no attribute 'split'" }) };
    vi.stubGlobal("fetch", server([], { attributes: [...IMPORTED, failed] }));
    window.history.replaceState(null, "", "/projects/1/attributes?attribute=7");
    const { container } = renderWithQueries(<AttributesPage projectId={1} />);
    const editor = await screen.findByLabelText("attribute n_words");
    expect(within(editor).getByLabelText("latest run")).toHaveTextContent("The records keep the values they had before this run.");
    await waitFor(() => expect(container.querySelector("[data-error-line]")).toHaveAttribute("data-error-line", "2"));
  });

  it("deletes a computed attribute once the owner confirms", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes, { attributes: [...IMPORTED, N_WORDS] }));
    window.history.replaceState(null, "", "/projects/1/attributes?attribute=7");
    renderWithQueries(<AttributesPage projectId={1} />);
    const editor = await screen.findByLabelText("attribute n_words");
    fireEvent.click(within(editor).getByRole("button", { name: "Delete" }));
    const dialog = within(editor).getByRole("dialog", { hidden: true });
    expect(dialog).toHaveTextContent("its value in every record");
    expect(dialog).toHaveTextContent('The labeling function that reads record["n_words"] fails until it is back: long is spam.');
    expect(writes).toEqual([]);
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete attribute", hidden: true }));
    await waitFor(() => expect(screen.queryByLabelText("attribute n_words")).toBeNull());
    expect(writes.map((w) => `${w.method} ${w.url}`)).toEqual(["DELETE /api/v1/projects/1/attributes/7"]);
    await waitFor(() => expect(screen.queryByRole("link", { name: "n_words" })).toBeNull());
    expect(window.location.search).toBe("");
  });

  it("deletes an imported attribute from the list, and says why the server refuses one", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes, { attributes: [...IMPORTED, N_WORDS] }));
    renderWithQueries(<AttributesPage projectId={1} />);
    const table = await screen.findByRole("table", { name: "attributes" });
    fireEvent.click(within(table).getByRole("button", { name: "Delete text" }));
    // closed dialogs are in the page too (jsdom opens none): the one with the title
    const dialogTitled = (title: string) => screen.getByText(title).closest("dialog") as HTMLElement;
    let dialog = dialogTitled("Delete the attribute text?");
    expect(dialog).toHaveTextContent("only importing the records again brings it back");
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete attribute", hidden: true }));
    expect(await within(dialog).findByRole("alert", { hidden: true })).toHaveTextContent(
      "task 'ner' labels the spans of attribute 'text': delete the task first");
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel", hidden: true }));
    expect(table.querySelector('tr[data-attribute="text"]')).not.toBeNull();

    fireEvent.click(within(table).getByRole("button", { name: "Delete stars" }));
    dialog = dialogTitled("Delete the attribute stars?");
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete attribute", hidden: true }));
    await waitFor(() => expect(table.querySelector('tr[data-attribute="stars"]')).toBeNull());
    expect(writes.map((w) => `${w.method} ${w.url}`)).toEqual([
      "DELETE /api/v1/projects/1/attributes/1", "DELETE /api/v1/projects/1/attributes/2"]);
  });

  it("shows annotators the code read-only, to try but not to change", async () => {
    const writes: Write[] = [];
    vi.stubGlobal("fetch", server(writes, { attributes: [...IMPORTED, N_WORDS], member: { user: "ann", role: "annotator" } }));
    renderWithQueries(<AttributesPage projectId={1} />);
    fireEvent.click(await screen.findByRole("link", { name: "n_words" }));
    const editor = await screen.findByLabelText("attribute n_words");
    expect(editorOf(editor).state.readOnly).toBe(true);
    expect(within(editor).queryByRole("button", { name: /Save|Saved/ })).toBeNull();
    expect(within(editor).queryByRole("button", { name: "Compute again" })).toBeNull();
    expect(screen.queryByRole("button", { name: "New computed attribute" })).toBeNull();
    expect(within(editor).queryByRole("button", { name: "Delete" })).toBeNull();
    expect(within(screen.getByRole("table", { name: "attributes" })).queryByRole("button")).toBeNull();
    fireEvent.click(within(editor).getByRole("button", { name: "Try on 10 records" }));
    await within(editor).findByLabelText("sample values");
    expect(writes.map((w) => w.url)).toEqual(["/api/v1/projects/1/attributes/sample"]);
  });
});
