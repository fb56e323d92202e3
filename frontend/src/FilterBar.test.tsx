import { act, fireEvent, render, screen } from "@testing-library/react";
import { buildCondition, EMPTY_DRAFT, FilterBar, SEARCH_DELAY_MS } from "./FilterBar";
import { NO_FILTERS, type Filters } from "./filters";
import type { Attribute, Heuristic, Task } from "./types";

const TASKS: Task[] = [{ id: 3, name: "spam", kind: "classification", target_attribute: null,
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] }];
const ATTRIBUTES: Attribute[] = [{ id: 1, name: "text", data_type: "text", position: 0 },
  { id: 2, name: "stars", data_type: "integer", position: 1 }];
const HEURISTICS = [{ id: 9, task_id: 3, name: "check_out" }] as Heuristic[];

function setup(filters: Filters = NO_FILTERS) {
  const onChange = vi.fn();
  render(<FilterBar filters={filters} onChange={onChange} tasks={TASKS} attributes={ATTRIBUTES}
    heuristics={HEURISTICS} users={["alice"]} count={42} />);
  return onChange;
}

const change = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe("FilterBar", () => {
  it("adds a manual-label condition chosen from the task's labels", () => {
    const onChange = setup();
    fireEvent.click(screen.getByText("+ Add filter"));
    expect(screen.getByText("Add")).toBeDisabled();
    change("Filter label", "spam");
    fireEvent.click(screen.getByText("Add"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, conditions: [
      { kind: "manual_label", task_id: 3, op: "is", label: "spam" }] });
  });

  it("adds a heuristic's vote with the labels of its task", () => {
    const onChange = setup();
    fireEvent.click(screen.getByText("+ Add filter"));
    change("Filter kind", "vote");
    change("Heuristic", "9");
    change("Filter label", "spam");
    fireEvent.click(screen.getByText("Add"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, conditions: [
      { kind: "vote", heuristic_id: 9, op: "votes", label: "spam" }] });
  });

  it("offers only classification tasks for reference labels and disagreements", () => {
    const tasks: Task[] = [{ ...TASKS[0], id: 4, name: "topics", kind: "multilabel" }, TASKS[0]];
    const onChange = vi.fn();
    render(<FilterBar filters={NO_FILTERS} onChange={onChange} tasks={tasks} attributes={ATTRIBUTES} />);
    fireEvent.click(screen.getByText("+ Add filter"));
    expect(screen.getByLabelText("Filter task")).toHaveValue("4");
    change("Filter kind", "disagreement");
    expect(screen.getByLabelText("Filter task")).toHaveValue("3");
    expect(screen.queryByRole("option", { name: "topics" })).toBeNull();
    fireEvent.click(screen.getByText("Add"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, conditions: [
      { kind: "disagreement", task_id: 3, between: "annotators" }] });
  });

  it("shows conditions as chips that can be removed", () => {
    const onChange = setup({ ...NO_FILTERS, conditions: [
      { kind: "vote", heuristic_id: 9, op: "abstains" },
      { kind: "weak_label", task_id: 3, op: "is", label: "spam", min_confidence: 0.9 }] });
    expect(screen.getByText("check_out abstains")).toBeInTheDocument();
    expect(screen.getByText("spam: weak label is spam ≥ 90 %")).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText("Remove check_out abstains"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, conditions: [
      { kind: "weak_label", task_id: 3, op: "is", label: "spam", min_confidence: 0.9 }] });
  });

  it("applies typed search text after a pause, once", () => {
    vi.useFakeTimers();
    const onChange = setup();
    change("Search", "chec");
    change("Search", "check");
    expect(onChange).not.toHaveBeenCalled();
    act(() => { vi.advanceTimersByTime(SEARCH_DELAY_MS); });
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, search: "check" });
    vi.useRealTimers();
  });

  it("sorts by an attribute, by weak confidence, at random with a seed", () => {
    const onChange = setup();
    change("Sort by", "stars");
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, sort: "stars" });
    change("Sort by", "weak_confidence:3");
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, sort: "weak_confidence:3" });
    change("Sort by", "random");
    expect(onChange.mock.lastCall?.[0].seed).toBeGreaterThan(0);
    fireEvent.click(screen.getByLabelText("Sort direction"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, sort: "-id" });
  });

  it("shows the count and clears the filters", () => {
    const onChange = setup({ ...NO_FILTERS, search: "x", sort: "-stars",
      conditions: [{ kind: "gold" }] });
    expect(screen.getByLabelText("count")).toHaveTextContent("42 records");
    fireEvent.click(screen.getByText("Clear filters"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, sort: "-stars" });
  });
});

describe("conditions from the editor's draft", () => {
  const draft = { ...EMPTY_DRAFT, task: "3" };
  it("are complete or null", () => {
    expect(buildCondition({ ...draft, kind: "manual_label" })).toBeNull();
    expect(buildCondition({ ...draft, kind: "manual_label", op: "none", label: "ham" }))
      .toEqual({ kind: "manual_label", task_id: 3, op: "none" });
    expect(buildCondition({ ...draft, kind: "disagreement", between: "heuristics" }))
      .toEqual({ kind: "disagreement", task_id: 3, between: "heuristics" });
    expect(buildCondition({ ...draft, kind: "annotator", user: " alice " }))
      .toEqual({ kind: "annotator", user: "alice", op: "labelled", task_id: 3 });
    expect(buildCondition({ ...draft, kind: "gold", task: "" })).toEqual({ kind: "gold" });
  });
  it("read numbers where numbers are meant", () => {
    expect(buildCondition({ ...draft, kind: "weak_label", op: "any", min: "0.8" }))
      .toEqual({ kind: "weak_label", task_id: 3, op: "any", min_confidence: 0.8 });
    expect(buildCondition({ ...draft, kind: "weak_label", op: "any", min: "80" })).toBeNull();
    expect(buildCondition({ ...draft, kind: "attribute", name: "stars", op: "between", min: "2" }, ATTRIBUTES))
      .toEqual({ kind: "attribute", name: "stars", op: "between", min: 2 });
    expect(buildCondition({ ...draft, kind: "attribute", name: "stars", value: "4" }, ATTRIBUTES))
      .toEqual({ kind: "attribute", name: "stars", op: "equals", value: 4 });
    expect(buildCondition({ ...draft, kind: "attribute", name: "stars", value: "many" }, ATTRIBUTES)).toBeNull();
    expect(buildCondition({ ...draft, kind: "attribute", name: "text", op: "contains", value: "win" }, ATTRIBUTES))
      .toEqual({ kind: "attribute", name: "text", op: "contains", value: "win" });
  });
});
