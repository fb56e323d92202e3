import { fireEvent, render, screen, within } from "@testing-library/react";
import type { Heuristic, HeuristicStats, LabelStats } from "../types";
import { StatsTable } from "./StatsTable";

const total = (tp: number, fp: number, precision: number | null, low: number | null, high: number | null): LabelStats => ({
  label: null, tp, fp, fn: 3, precision, recall: 0.5, f1: 0.4, precision_low: low, precision_high: high,
  recall_where_voting: 0.5 });

const heuristic = (id: number, name: string, status: string | null): Heuristic => ({
  id, task_id: 1, kind: "labeling_function", name, description: "",
  revision: { number: 2, source: "", function_name: "lf", settings: {}, created_at: "2026-01-01T00:00:00Z" },
  min_confidence: null, vote_threshold: null, auto_refit_every: null, out_of_date: [],
  last_run: status ? { id: id * 10, kind: "labeling_function", status, progress: 0.4, done_items: 4,
    total_items: 10, error: null, created_at: "2026-01-01T00:00:00Z", params: {} } : null });

const stats = (id: number, name: string, coverage: number, tp: number, precision: number): HeuristicStats => ({
  heuristic_id: id, name, kind: "labeling_function", revision: 2, run_id: id * 10, n_reference: 20,
  coverage, hits: tp + 1, overlaps: 0.1, conflicts: 0.05, total: total(tp, 1, precision, precision - 0.2, precision + 0.1), labels: [] });

function names() {
  return screen.getAllByRole("row").slice(1).map((row) => row.getAttribute("data-heuristic"));
}

describe("StatsTable", () => {
  it("says why a heuristic's votes are out of date once its run is done", () => {
    const stale = heuristic(1, "places", "succeeded");
    stale.out_of_date = ["lookup list cities changed since its run", "3 records added since its run"];
    const running = { ...heuristic(2, "other", "running"), out_of_date: ["revision 2 has not run"] };
    render(<StatsTable projectId={1} heuristics={[stale, running]} stats={[]} />);
    expect(screen.getByLabelText("places is out of date")).toHaveTextContent(
      "lookup list cities changed since its run; 3 records added since its run");
    expect(screen.queryByLabelText("other is out of date")).toBeNull();
  });

  it("shows each heuristic's statistics, its precision interval as a bar and its run", () => {
    render(<StatsTable projectId={1} heuristics={[heuristic(1, "spam_words", "succeeded"), heuristic(2, "fresh", "running")]}
      stats={[stats(1, "spam_words", 0.25, 4, 0.8)]} />);
    const row = screen.getByText("spam_words").closest("tr")!;
    expect(within(row).getByText("25.0%")).toBeInTheDocument();     // coverage
    expect(within(row).getByText("80.0%")).toBeInTheDocument();     // precision
    expect(within(row).getByLabelText("interval 60.0% to 90.0%")).toBeInTheDocument();
    const range = row.querySelector(".wilson .range") as HTMLElement;
    expect(parseFloat(range.style.left)).toBeCloseTo(60);
    expect(parseFloat(range.style.width)).toBeCloseTo(30);
    expect(within(row).getByText("succeeded")).toBeInTheDocument();
    const fresh = screen.getByText("fresh").closest("tr")!;
    expect(within(fresh).getByText(/no output of the current revision/)).toBeInTheDocument();
    expect(within(fresh).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "40");
  });

  it("shows recall over every record with the label, and the recall where it votes beneath", () => {
    // A rule voting spam on 17 of 50 spam records, always rightly: recall 34 %, 100 % where it votes.
    const narrow = { ...stats(1, "narrow", 0.17, 17, 1.0),
      total: { ...total(17, 0, 1.0, 0.8, 1.0), fn: 33, recall: 0.34, recall_where_voting: 1.0 } };
    render(<StatsTable projectId={1} heuristics={[heuristic(1, "narrow", "succeeded"), heuristic(2, "wide", "succeeded")]}
      stats={[narrow, stats(2, "wide", 0.6, 4, 0.8)]} />);
    const row = screen.getByText("narrow").closest("tr")!;
    expect(within(row).getByText("34.0%")).toHaveAttribute("title", "Recall: share of records labelled L that it votes L (abstains count as misses)");
    expect(within(row).getByText("100.0% where it votes")).toHaveAttribute("title", expect.stringMatching(/^Recall where it votes/));
    expect(within(row).getByText("33")).toBeInTheDocument();
    // where the two agree only one figure is shown
    const wide = screen.getByText("wide").closest("tr")!;
    expect(within(wide).getByText("50.0%")).toBeInTheDocument();
    expect(within(wide).queryByText(/where it votes/)).toBeNull();
    expect(screen.getByRole("button", { name: "Recall" })).toHaveAttribute("title", expect.stringMatching(/^Recall: share of records labelled L that it votes L/));
  });

  it("sorts by a column, descending first for numbers, and back", () => {
    render(<StatsTable projectId={1}
      heuristics={[heuristic(1, "a", "succeeded"), heuristic(2, "b", "succeeded"), heuristic(3, "c", null)]}
      stats={[stats(1, "a", 0.1, 2, 0.5), stats(2, "b", 0.6, 9, 0.9)]} />);
    expect(names()).toEqual(["a", "b", "c"]);
    fireEvent.click(screen.getByRole("button", { name: "Coverage" }));
    expect(names()).toEqual(["b", "a", "c"]);
    expect(screen.getByRole("columnheader", { name: /Coverage/ })).toHaveAttribute("aria-sort", "descending");
    fireEvent.click(screen.getByRole("button", { name: /Coverage/ }));
    expect(names()).toEqual(["c", "a", "b"]);
  });
});
