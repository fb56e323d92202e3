import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { fakeEvents, json, renderWithQueries } from "../testing";
import type { Task, TaskKind } from "../types";
import type { AgreementReport } from "./Agreement";
import { AnnotatorsPanel, REFRESH_DELAY_MS, type AnnotatorsReport } from "./AnnotatorsPanel";

const TASK: Task = { id: 3, name: "spam", kind: "classification", target_attribute: "text",
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] };
const ENTITIES: Task = { id: 3, name: "entities", kind: "extraction", target_attribute: "text",
  labels: [{ id: 1, name: "PER", color: "#00f", hotkey: null }, { id: 2, name: "LOC", color: "#f00", hotkey: null }] };

function report(disputed: number): AnnotatorsReport {
  return {
    task_id: 3, model: "default logistic regression (run 4)", n_disagreements: disputed, note: null,
    annotators: [{ name: "ann", labels: 16, quality: 0.91, agreement: 1 },
      { name: "bob", labels: 16, quality: 0.62, agreement: 0.625 }],
    disagreements: Array.from({ length: disputed }, (_, i) => ({
      record_id: 10 + i, external_id: `r${i}`, annotations: { ann: "spam", bob: "ham" },
      reference: null, consensus: "spam", consensus_quality: 0.8 })),
  };
}

function agreement(kind: TaskKind = "classification"): AgreementReport {
  return {
    task_id: 3, kind, metric: kind === "extraction" ? "span_f1" : "krippendorff_alpha",
    value: 0.71, reading: kind === "extraction" ? null : "tentative", records: 40, labelled_records: 120,
    annotators: [
      { name: "ann", records: 16, shared: 12, agreement: 0.75, gold_records: 4, gold_agreement: 0.5 },
      { name: "bob", records: 16, shared: 10, agreement: 0.8, gold_records: 0, gold_agreement: null },
      { name: "cy", records: 5, shared: 2, agreement: 0.5, gold_records: 0, gold_agreement: null }],
    pairs: [{ a: "ann", b: "bob", records: 10, agreement: 0.8, kappa: kind === "extraction" ? null : 0.6 },
      { a: "ann", b: "cy", records: 2, agreement: 0.5, kappa: null }],
    labels: [{ label: "ham", count: 30, agreement: 0.9, alpha: null },
      { label: "spam", count: 14, agreement: 0.625, alpha: null }],
    confusions: kind === "classification" ? [{ a: "ham", b: "spam", count: 6 }] : [],
    note: null,
  };
}

/** The task's two reports as the server answers them, and the project's events, sent to every
 * listener by ``send``. */
function server(answers: { agreement: AgreementReport; annotators?: AnnotatorsReport }) {
  const events = fakeEvents();
  const fetch = vi.fn(async (url: string) => {
    const path = new URL(url, "http://heurist").pathname.replace("/api/v1", "");
    if (path === "/projects/1/events") return events.response();
    if (path === "/projects/1/tasks/3/agreement") return json(answers.agreement);
    if (path === "/projects/1/tasks/3/annotators" && answers.annotators) return json(answers.annotators);
    return json({ detail: "not here" }, path.endsWith("/annotators") ? 422 : 404);
  });
  vi.stubGlobal("fetch", fetch);
  return {
    fetch,
    calls: (what: string) => fetch.mock.calls.filter(([url]) => String(url).endsWith(what)).length,
    listening: events.listening,
    send(type: string, data: Record<string, unknown>) {
      events.send(type, data);
    },
  };
}

function show(task: Task, answers: { agreement: AgreementReport; annotators?: AnnotatorsReport }) {
  const api = server(answers);
  renderWithQueries(<AnnotatorsPanel projectId={1} task={task} />);
  return api;
}

const rows = (table: HTMLElement) => within(table).getAllByRole("row").map((row) => row.textContent);

describe("AnnotatorsPanel", () => {
  it("shows each annotator's agreement and quality and the disagreements with reference and consensus", async () => {
    show(TASK, { agreement: agreement(), annotators: report(12) });
    const quality = await screen.findByRole("table", { name: "annotator quality" });
    await waitFor(() => expect(rows(quality)[1]).toBe("ann1691.0%100.0%1275.0%50.0% on 4"));
    expect(rows(quality)).toEqual([
      "AnnotatorLabelsQualityCROWDLABAgrees with consensusCROWDLABSharedAgrees with othersAgrees with gold",
      "ann1691.0%100.0%1275.0%50.0% on 4", "bob1662.0%62.5%1080.0%—", "cy5——250.0%—"]);
    expect(screen.getByText(/12 records where annotators disagree, settled by CROWDLAB with default logistic regression/)).toBeInTheDocument();
    const disputed = screen.getByRole("table", { name: "disagreements" });
    expect(within(disputed).getAllByRole("row")).toHaveLength(11);   // header and the first 10
    expect(within(disputed).getAllByRole("row")[1]).toHaveTextContent("r0ann: spam, bob: hamtiespam 80.0%");
    expect(within(disputed).getByRole("link", { name: "r0" })).toHaveAttribute("href", "/projects/1/records/10");
    fireEvent.click(screen.getByRole("button", { name: "Show 2 more" }));
    expect(within(disputed).getAllByRole("row")).toHaveLength(13);
  });

  it("says why there are no scores yet", async () => {
    show(TASK, { agreement: agreement(), annotators: { ...report(0), model: null, note: "the task has none yet",
      annotators: [{ name: "ann", labels: 3, quality: null, agreement: null }] } });
    expect(await screen.findByText("the task has none yet")).toBeInTheDocument();
    expect(screen.getByText("No record has different labels from its annotators.")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "disagreements" })).toBeNull();
  });

  it("shows a classification task's alpha, its reading, each pair of annotators and the confusions", async () => {
    show(TASK, { agreement: agreement(), annotators: report(0) });
    const overall = await screen.findByLabelText("overall agreement");
    expect(overall).toHaveTextContent("Krippendorff's α 0.710 — tentative");
    expect(within(overall).getByText("Krippendorff's α").title).toMatch(/≥ 0\.800 reliable, ≥ 0\.667 tentative.*below unreliable/);
    expect(within(overall).getByText("tentative").title).toMatch(/≥ 0\.800 reliable/);
    expect(screen.getByText("on 40 records labelled by two annotators or more, of 120 labelled")).toBeInTheDocument();

    const matrix = screen.getByRole("table", { name: "agreement between annotators" });
    expect(rows(matrix)).toEqual(["annbobcy", "ann80.0%50.0%", "bob80.0%—", "cy50.0%—"]);
    const cells = within(matrix).getAllByRole("row")[1].querySelectorAll("td");
    expect(cells[0]).toHaveTextContent("");   // the diagonal
    expect(cells[1]).toHaveAttribute("title", "ann and bob: 10 records both labelled; 80.0% with the same label; Cohen's κ 0.600");
    expect(cells[2]).toHaveAttribute("title", "ann and cy: 2 records both labelled; 50.0% with the same label; Cohen's κ undefined");
    expect(cells[1].style.background).not.toBe(cells[2].style.background);   // coloured by the value
    expect(within(matrix).getAllByRole("row")[2].querySelectorAll("td")[2]).toHaveAttribute("title", "bob and cy share no record");
    expect(screen.getByText(/Between two annotators: the share of the records both labelled that they gave the same label/)).toBeInTheDocument();

    expect(rows(screen.getByRole("table", { name: "agreement per label" })))
      .toEqual(["LabelGivenOthers agree", "ham3090.0%", "spam1462.5%"]);
    expect(within(screen.getByRole("list", { name: "confusions" })).getAllByRole("listitem").map((li) => li.textContent))
      .toEqual(["ham / spam: 6 records split"]);
  });

  it("shows an extraction task's span F1, without asking CROWDLAB", async () => {
    const api = show(ENTITIES, { agreement: { ...agreement("extraction"), value: 0.84,
      labels: [{ label: "PER", count: 22, agreement: 0.9, alpha: null }, { label: "LOC", count: 9, agreement: 0.7, alpha: null }] } });
    const overall = await screen.findByLabelText("overall agreement");
    expect(overall).toHaveTextContent("Span F1 between annotators 0.840");
    expect(within(overall).queryByText(/tentative|reliable/)).toBeNull();
    expect(screen.getByText("on 40 records annotated by two annotators or more, of 120 annotated")).toBeInTheDocument();
    const matrix = screen.getByRole("table", { name: "agreement between annotators" });
    expect(within(matrix).getAllByRole("row")[1].querySelectorAll("td")[1])
      .toHaveAttribute("title", "ann and bob: 10 records both annotated; span F1 80.0%");
    expect(rows(screen.getByRole("table", { name: "agreement per label" })))
      .toEqual(["LabelSpansSpan F1", "PER2290.0%", "LOC970.0%"]);
    expect(rows(screen.getByRole("table", { name: "annotator agreement" }))).toEqual([
      "AnnotatorRecordsSharedSpan F1 with othersSpan F1 with gold", "ann161275.0%50.0% on 4", "bob161080.0%—", "cy5250.0%—"]);
    expect(screen.queryByRole("list", { name: "confusions" })).toBeNull();
    expect(screen.queryByText(/CROWDLAB/)).toBeNull();
    expect(api.calls("/annotators")).toBe(0);
    expect(api.calls("/agreement")).toBe(1);
  });

  it("shows each label's alpha for a multi-label task", async () => {
    const labels = agreement("multilabel").labels.map((l, i) => ({ ...l, alpha: [0.55, -0.125][i] }));
    const api = show({ ...TASK, kind: "multilabel" }, { agreement: { ...agreement("multilabel"), labels } });
    expect(await screen.findByLabelText("overall agreement")).toHaveTextContent("Krippendorff's α 0.710 — tentative");
    expect(rows(screen.getByRole("table", { name: "agreement per label" })))
      .toEqual(["LabelGivenOthers agreeα", "ham3090.0%0.550", "spam1462.5%−0.125"]);
    expect(screen.getByText(/the share of the records both labelled that they gave the same set of labels/)).toBeInTheDocument();
    expect(api.calls("/annotators")).toBe(0);
  });

  it("says why there is no value", async () => {
    const note = "No record has labels of two annotators yet.";
    show(TASK, { annotators: report(0), agreement: { ...agreement(), value: null, reading: null, records: 0,
      labelled_records: 3, pairs: [], confusions: [], note,
      annotators: [{ name: "ann", records: 3, shared: 0, agreement: null, gold_records: 0, gold_agreement: null }] } });
    const overall = await screen.findByLabelText("overall agreement");
    expect(overall).toHaveTextContent("Krippendorff's α —");
    expect(overall).not.toHaveTextContent(/tentative|reliable/);
    expect(screen.getByText(note)).toBeInTheDocument();
    expect(screen.getByText("on 0 records labelled by two annotators or more, of 3 labelled")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "agreement between annotators" })).toBeNull();
    expect(screen.queryByRole("table", { name: "agreement per label" })).toBeNull();
  });

  it("reads both again, once, when the task's labels change", async () => {
    const api = show(TASK, { agreement: agreement(), annotators: report(0) });
    await screen.findByLabelText("overall agreement");
    await waitFor(() => expect(api.listening()).toBe(true));
    await waitFor(() => expect(api.calls("/annotators")).toBe(1));
    api.send("labels.changed", { task_id: 4, record_id: 1 });   // another task's
    api.send("labels.changed", { task_id: 3, record_id: 1 });
    api.send("labels.changed", { task_id: 3, record_id: 2 });
    await waitFor(() => expect(api.calls("/agreement")).toBe(2), { timeout: REFRESH_DELAY_MS * 5 });
    await waitFor(() => expect(api.calls("/annotators")).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, REFRESH_DELAY_MS * 2));
    expect(api.calls("/agreement")).toBe(2);
  });
});
