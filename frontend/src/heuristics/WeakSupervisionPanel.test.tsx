import { fireEvent, screen } from "@testing-library/react";
import { json, renderWithQueries } from "../testing";
import type { Heuristic, Task } from "../types";
import { autoChoice, guessed, settingsOf, WeakSupervisionPanel } from "./WeakSupervisionPanel";

const TASK: Task = { id: 3, name: "spam", kind: "classification", target_attribute: "text",
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] };
const DONE = { kind: "labeling_function", status: "succeeded", progress: 1, done_items: 5, total_items: 5,
  error: null, created_at: "2026-01-01T00:00:00Z", params: {} };
const RULE: Heuristic = { id: 4, task_id: 3, kind: "labeling_function", name: "keyword", description: "",
  revision: { number: 1, source: "", function_name: "lf", settings: {}, created_at: "2026-01-01T00:00:00Z" },
  min_confidence: null, vote_threshold: null, auto_refit_every: null, out_of_date: [], last_run: { id: 8, ...DONE } };
/** The latest weak supervision result: auto, with the class prior for records without votes. */
const RESULT = { id: 9, ...DONE, kind: "weak_supervision", stale: false,
  params: { task_id: 3, method: "auto", min_confidence: 0.3, no_vote: "prior", auto_rerun: true },
  metrics: { method: "label_model", coverage: 0.4, accuracy: 0.9, compared: 20, accuracy_all: 0.7,
    compared_all: 50, weakly_labelled: 100, from_prior: 60, no_vote: "prior",
    agreement_by_method: { majority: 0.8, weighted: 0.85, label_model: 0.9 },
    cross_fitted: ["label_model", "label_model"], distribution: { ham: 70, spam: 30 },
    abstentions: "abstentions ignored: 250 records (fewer than 3,000)" } };

function setup() {
  const posted: unknown[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    if (init?.method === "POST") {
      posted.push(JSON.parse(String(init.body)));
      return json({ ...RESULT, id: 10, status: "queued" }, 202);
    }
    if (url.includes("/runs")) return json({ data: [RESULT], count: 1 });
    return json(RESULT);
  }));
  renderWithQueries(<WeakSupervisionPanel projectId={1} task={TASK} heuristics={[RULE]} canRun />);
  return posted;
}

/** The panel of ``task`` whose latest weak supervision run is ``result``. */
function showResult(result: object, task: Task) {
  vi.stubGlobal("fetch", vi.fn(async (url: string) =>
    json(url.includes("/runs") ? { data: [result], count: 1 } : result)));
  renderWithQueries(<WeakSupervisionPanel projectId={1} task={task} heuristics={[RULE]} canRun />);
}

describe("WeakSupervisionPanel", () => {
  it("starts from the latest result's settings and sends every one of them", async () => {
    const posted = setup();
    expect(await screen.findByLabelText("auto choice")).toHaveTextContent(
      "auto chose label model: agreement with the reference labels (accuracy) majority 80.0%, weighted 85.0%, label model 90.0%");
    expect(screen.getByLabelText<HTMLSelectElement>("Records no heuristic voted on").value).toBe("prior");
    expect(screen.getByLabelText<HTMLInputElement>("Run again whenever a heuristic's output changes").checked).toBe(true);
    expect(screen.getByText("Minimum confidence: 0.30")).toBeInTheDocument();
    const metrics = screen.getByLabelText("weak supervision metrics");
    expect(metrics).toHaveTextContent("60 from the class prior");
    expect(metrics).toHaveTextContent("of 20 with a reference");
    expect(metrics).toHaveTextContent("of 50 with a reference");
    expect(screen.getByLabelText("label model abstentions")).toHaveTextContent(
      "Label model: abstentions ignored: 250 records (fewer than 3,000)");

    fireEvent.change(screen.getByLabelText("Records no heuristic voted on"), { target: { value: "none" } });
    fireEvent.click(screen.getByRole("button", { name: "Run weak supervision" }));
    await vi.waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]).toEqual({ method: "auto", min_confidence: 0.3, heuristic_ids: [4],
      auto_rerun: true, no_vote: "none" });
  });

  it("says how records without a weak label count in the accuracy on all", () => {
    expect(guessed({ guessed: 8, distribution: { positive: 0, negative: 10 } }))
      .toBe("8 with no weak label count 1/2 each");
    expect(guessed({ guessed: 0, distribution: { positive: 0, negative: 10 } })).toBeUndefined();
    expect(guessed({ distribution: { a: 1, b: 2, c: 3 } })).toBeUndefined();   // an older run
  });

  it("reads a run's settings over the defaults", () => {
    expect(settingsOf(undefined)).toEqual({ method: "auto", threshold: 0, noVote: "none", autoRerun: false });
    expect(settingsOf({ method: "majority", no_vote: "prior" }).noVote).toBe("prior");
  });

  it("says that a method which learns from the reference labels reports cross-fitted accuracies", async () => {
    const anchored = { ...RESULT, params: { ...RESULT.params, method: "anchored_label_model" },
      metrics: { ...RESULT.metrics, method: "anchored_label_model", agreement_by_method: {},
        cross_fitted: ["anchored_label_model", "anchored_label_model"] } };
    showResult(anchored, TASK);
    expect(await screen.findByLabelText("cross-fitted")).toHaveTextContent(
      "anchored label model learns from the reference labels: the scores shown are cross-fitted");
    expect(screen.queryByLabelText("auto choice")).toBeNull();
    expect(screen.getByLabelText<HTMLSelectElement>("Method").value).toBe("anchored_label_model");
  });

  it("names what auto's agreement measures for each task kind", () => {
    const metrics = { method: "weighted", agreement_by_method: { majority: 0.5, weighted: 0.6 } };
    expect(autoChoice(metrics, "extraction")).toBe(
      "auto chose weighted: agreement with the reference labels (exact-span F1) majority 50.0%, weighted 60.0%");
    expect(autoChoice(metrics, "multilabel")).toContain("(micro F1) majority 50.0%");
  });

  it("says when auto had too few reference labels to compare", () => {
    expect(autoChoice({ method: "label_model", agreement_by_method: {} })).toBe(
      "auto chose label model: too few reference labels to compare the methods");
  });

  it("shows a multi-label result by F1, exact sets and each label's counts, with its methods only", async () => {
    const topics: Task = { ...TASK, kind: "multilabel" };
    const result = { ...RESULT, params: { task_id: 3, method: "weighted" },
      metrics: { method: "weighted", coverage: 0.5, micro_f1: 0.8, accuracy: 0.6, compared: 40,
        weakly_labelled: 50, distribution: { ham: 30, spam: 25 }, agreement_by_method: {},
        cross_fitted: ["weighted", "weighted"],
        confusion: { labels: ["ham", "spam"], layout: "[[tn, fp], [fn, tp]]",
          matrix: { ham: [[10, 2], [3, 25]], spam: [[20, 5], [0, 15]] } } } };
    showResult(result, topics);
    const metrics = await screen.findByLabelText("weak supervision metrics");
    expect(metrics).toHaveTextContent("Micro F180.0%of 40 with a reference");
    expect(metrics).toHaveTextContent("Exact label sets60.0%");
    expect(metrics).not.toHaveTextContent("Accuracy on covered");
    const rows = screen.getByRole("table", { name: "confusion per label" }).querySelectorAll("tbody tr");
    expect([...rows].map((r) => r.textContent)).toEqual(["ham102325", "spam205015"]);
    expect(screen.getByLabelText("cross-fitted")).toHaveTextContent("the scores shown are cross-fitted");
    expect([...screen.getByLabelText<HTMLSelectElement>("Method").options].map((o) => o.value))
      .toEqual(["auto", "majority", "weighted"]);
    expect(screen.queryByLabelText("Records no heuristic voted on")).toBeNull();
  });

  it("scores a span result by exact-span F1 and counts its confusion in tokens", async () => {
    const entities: Task = { ...TASK, kind: "extraction" };
    const result = { ...RESULT, params: { task_id: 3, method: "label_model" },
      metrics: { method: "label_model", coverage: 0.3, micro_f1: 0.42, compared: 12, spans: 20,
        weakly_labelled: 9, distribution: { ham: 12, spam: 8 }, agreement_by_method: {},
        cross_fitted: null,
        confusion: { labels: ["OUTSIDE", "ham", "spam"], unit: "token",
          matrix: [[50, 1, 2], [3, 9, 0], [1, 0, 7]] } } };
    showResult(result, entities);
    expect(await screen.findByLabelText("weak supervision metrics")).toHaveTextContent(
      "Exact-span F142.0%of 12 with a reference");
    expect(screen.getByText("Confusion of tokens (rows: reference, columns: weak)")).toBeInTheDocument();
    expect(screen.queryByLabelText("cross-fitted")).toBeNull();
    expect([...screen.getByLabelText<HTMLSelectElement>("Method").options].map((o) => o.value))
      .toEqual(["auto", "majority", "weighted", "label_model", "anchored_label_model"]);
  });
});
