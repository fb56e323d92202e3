import { EditorView } from "@codemirror/view";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { Attribute, Heuristic, HeuristicRun, Task } from "../types";
import { EditorPanel, lineOf } from "./EditorPanel";

const TASK: Task = { id: 3, name: "spam", kind: "classification", target_attribute: "text",
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] };
const ATTRIBUTES: Attribute[] = [{ id: 1, name: "text", data_type: "text", position: 0 }];
const GOOD = "def lf(record):\n    return 'spam'\n";
const HEURISTIC: Heuristic = { id: 7, task_id: 3, kind: "labeling_function", name: "lf", description: "",
  revision: { number: 1, source: GOOD, function_name: "lf", settings: {}, created_at: "2026-01-01T00:00:00Z" },
  min_confidence: null, vote_threshold: null, auto_refit_every: null, out_of_date: [], last_run: null };

/** The server as the panel sees it: the static check fails on a line for broken code. */
function server(calls: { url: string; body: unknown }[]) {
  return vi.fn(async (url: string, init?: RequestInit) => {
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    calls.push({ url, body });
    const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status });
    if (url.endsWith("/heuristics/check")) {
      return (body.source as string).includes("(\n")
        ? json(422, { detail: "line 3, field 'source': syntax error: '(' was never closed", row: 3, field: "source" })
        : json(200, { function_name: "lf" });
    }
    if (url.endsWith("/sample")) {
      return json(200, { seconds: 0.2, logs: "looked at r1\n", results: [
        { record_id: 11, external_id: "r1", text: "text of 11", outputs: [{ label: "spam", confidence: 1 }],
          reference: "spam", error: null, line: null },
        { record_id: 12, external_id: "r2", text: "text of 12", outputs: [], reference: "ham", error: null, line: null }],
        summary: { records: 2, hits: 1, compared: 1, agreed: 1, agreement: 1 } });
    }
    if (url.endsWith("/runs/9")) return json(200, RUN);
    if (url.endsWith("/lookup-lists")) {
      const list = (id: number, name: string, readers: number[]) => ({ id, name, description: "", n_terms: 120,
        version: 4, follows: null, n_from_labels: 0, updated_at: "2026-01-01T00:00:00Z",
        read_by: readers.map((r) => ({ id: r, name: `lf${r}`, task_id: 3 })) });
      return json(200, { data: [list(5, "cities", [7, 8]), list(6, "towns", [8])], count: 2 });
    }
    return json(404, { detail: "not here" });
  });
}

const RUN = { id: 9, kind: "labeling_function", status: "succeeded", progress: 1, done_items: 40,
  total_items: 40, error: null, created_at: "2026-01-01T00:00:00Z", params: {} } as HeuristicRun;

function setup(heuristic: Heuristic = HEURISTIC) {
  const calls: { url: string; body: unknown }[] = [];
  vi.stubGlobal("fetch", server(calls));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const panel = (heuristic: Heuristic) => <QueryClientProvider client={client}>
    <EditorPanel projectId={1} heuristic={heuristic} task={TASK} attributes={ATTRIBUTES} canEdit />
  </QueryClientProvider>;
  const view = render(panel(heuristic));
  /** The same panel, given a heuristic as a refetch would (a new revision). */
  const show = (heuristic: Heuristic) => view.rerender(panel(heuristic));
  return { calls, view, show };
}

function code(view: ReturnType<typeof render>): string {
  return EditorView.findFromDOM(view.container.querySelector(".cm-editor") as HTMLElement)!.state.doc.toString();
}

function leaving(): boolean {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

const UNSAVED = "def lf(record):\n    return 'ham'\n";
const REVISION_2: Heuristic = { ...HEURISTIC, revision: { ...HEURISTIC.revision, number: 2,
  source: "def lf(record):\n    return None\n" } };

function type(view: ReturnType<typeof render>, text: string) {
  // replace the document as typing would
  const editorView = EditorView.findFromDOM(view.container.querySelector(".cm-editor") as HTMLElement)!;
  act(() => editorView.dispatch({ changes: { from: 0, to: editorView.state.doc.length, insert: text } }));
}


describe("EditorPanel", () => {
  it("marks the line of a syntax error the server finds while typing, and clears it once fixed", async () => {
    const { calls, view } = setup();
    await waitFor(() => expect(screen.getByLabelText("check")).toHaveTextContent("function found"));
    type(view, "def lf(record):\n    return 'spam'\nx = (\n");
    expect(screen.getByRole("button", { name: "Save" })).toBeEnabled();
    await waitFor(() => expect(view.container.querySelector("[data-error-line]")).not.toBeNull());
    expect(view.container.querySelector("[data-error-line]")).toHaveAttribute("data-error-line", "3");
    expect(view.container.querySelector(".cm-lint-marker-error")).not.toBeNull();
    expect(screen.getByLabelText("check")).toHaveTextContent("never closed");
    expect(calls.filter((c) => c.url.endsWith("/check")).at(-1)?.body).toMatchObject({ task_id: 3, kind: "labeling_function" });
    type(view, GOOD);
    await waitFor(() => expect(view.container.querySelector("[data-error-line]")).toBeNull());
    expect(screen.getByRole("button", { name: "Saved" })).toBeDisabled();
  });

  it("tries unsaved code on a sample and shows text, output, reference and logs per record", async () => {
    const { calls, view } = setup();
    const unsaved = "def lf(record):\n    print('looked at', record['id'])\n    return 'spam'\n";
    type(view, unsaved);
    fireEvent.click(screen.getByRole("button", { name: /Try on/ }));
    const results = await screen.findByLabelText("sample results");
    expect(calls.find((c) => c.url.endsWith("/heuristics/7/sample"))?.body).toMatchObject({ source: unsaved });
    await waitFor(() => expect(within(results).getByText("text of 11")).toBeInTheDocument());
    const first = within(results).getByText("r1").closest("tr")!;
    expect(within(first).getAllByText("spam")).toHaveLength(2);    // output and reference
    expect(within(within(results).getByText("r2").closest("tr")!).getByText("abstains")).toBeInTheDocument();
    expect(within(results).getByLabelText("sample summary")).toHaveTextContent(
      "2 records · 1 with output · 1 abstained · agrees with the reference on 1 of 1 (100%)");
    expect(within(results).getByText(/looked at r1/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run on all records" })).toBeDisabled();   // save first
  });

  it("keeps unsaved code when the editor is left and opened again, until it is discarded", async () => {
    const first = setup();
    expect(leaving()).toBe(false);
    type(first.view, UNSAVED);
    expect(leaving()).toBe(true);   // the browser asks before the page goes
    first.view.unmount();
    const { view } = setup();
    expect(code(view)).toBe(UNSAVED);
    expect(screen.getByLabelText("unsaved changes")).toHaveTextContent("restored (edited from revision #1)");
    expect(screen.getByRole("button", { name: "Save" })).toBeEnabled();
    fireEvent.click(screen.getByRole("button", { name: "Discard and show #1" }));
    expect(code(view)).toBe(GOOD);
    expect(screen.queryByLabelText("unsaved changes")).toBeNull();
    expect(leaving()).toBe(false);
    view.unmount();
    expect(code(setup().view)).toBe(GOOD);
  });

  it("shows a revision saved elsewhere, but not over unsaved code", async () => {
    const unchanged = setup();
    unchanged.show(REVISION_2);
    expect(code(unchanged.view)).toBe(REVISION_2.revision.source);
    expect(screen.queryByLabelText("unsaved changes")).toBeNull();
    unchanged.view.unmount();

    const { view, show } = setup();
    type(view, UNSAVED);
    show(REVISION_2);
    expect(code(view)).toBe(UNSAVED);
    expect(screen.getByLabelText("unsaved changes")).toHaveTextContent("Revision #2 was saved while you edited");
    view.unmount();   // opened again: still the code typed from revision 1
    const again = setup(REVISION_2);
    expect(code(again.view)).toBe(UNSAVED);
    expect(screen.getByLabelText("unsaved changes")).toHaveTextContent(
      "restored (edited from revision #1; the latest is #2)");
    fireEvent.click(screen.getByRole("button", { name: "Discard and show #2" }));
    expect(code(again.view)).toBe(REVISION_2.revision.source);
  });

  it("says why the votes of its run are out of date", async () => {
    setup({ ...HEURISTIC, last_run: RUN, out_of_date: ["lookup list cities changed since its run"] });
    expect(await screen.findByLabelText("out of date")).toHaveTextContent(
      "Its votes are out of date: lookup list cities changed since its run. Run it again to update them.");
  });

  it("links the lookup lists its saved code reads", async () => {
    setup();
    const read = await screen.findByLabelText("lookup lists read");
    expect(read).toHaveTextContent("Its saved code reads the lookup list cities (120 terms, version 4)");
    expect(within(read).getByRole("link", { name: "cities" })).toHaveAttribute("href", "/projects/1/lists?list=5");
    expect(within(read).queryByRole("link", { name: "towns" })).toBeNull();
  });

  it("reads the line out of a run's error", () => {
    expect(lineOf("record 'r4' (line 3): ZeroDivisionError: division by zero")).toBe(3);
    expect(lineOf("worker lost")).toBeNull();
  });
});
