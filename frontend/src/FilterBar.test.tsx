import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { buildCondition, EMPTY_DRAFT, FilterBar, SEARCH_DELAY_MS } from "./FilterBar";
import { NO_FILTERS, type Filters } from "./filters";
import { json, renderWithQueries } from "./testing";
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

  it("adds a condition on comments and shows it as a chip", () => {
    const onChange = setup();
    fireEvent.click(screen.getByText("+ Add filter"));
    change("Filter kind", "comment");
    expect(screen.getByLabelText("Comment state")).toHaveValue("open");
    change("Comment state", "resolved");
    fireEvent.click(screen.getByText("Add"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, conditions: [{ kind: "comment", state: "resolved" }] });
    cleanup();

    const removed = setup({ ...NO_FILTERS, conditions: [{ kind: "comment", state: "open" }] });
    expect(screen.getByLabelText("Filter conditions")).toHaveTextContent("has open comments");
    fireEvent.click(screen.getByLabelText("Remove has open comments"));
    expect(removed).toHaveBeenLastCalledWith(NO_FILTERS);
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

describe("a condition on a category", () => {
  const SPLIT: Attribute = { id: 7, name: "split", data_type: "category", position: 2 };
  /** ``GET .../attributes/7/values`` as the server answers it: at most ``limit`` of the values. */
  function values(limit = 100) {
    const all = [{ value: "train", count: 1586 }, { value: "test", count: 250 }, { value: "dev", count: 12 }];
    const asked: string[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      const { pathname, searchParams } = new URL(url, "http://heurist");
      if (pathname !== "/api/v1/projects/1/attributes/7/values") return json({ detail: "not here" }, 404);
      asked.push(searchParams.toString());
      const search = searchParams.get("search")?.toLowerCase() ?? "";
      const found = all.filter((v) => v.value.includes(search));
      const shown = found.slice(0, limit);
      return json({ attribute: "split", values: shown, distinct: found.length,
        records: found.reduce((n, v) => n + v.count, 0), complete: shown.length === found.length });
    }));
    return asked;
  }
  function addOnSplit() {
    const onChange = vi.fn();
    renderWithQueries(<FilterBar projectId={1} filters={NO_FILTERS} onChange={onChange} tasks={TASKS}
      attributes={[...ATTRIBUTES, SPLIT]} count={42} />);
    fireEvent.click(screen.getByText("+ Add filter"));
    change("Filter kind", "attribute");
    change("Attribute", "split");
    return onChange;
  }
  const options = () => screen.getAllByRole("option").filter((o) => o.closest('[role="listbox"]'))
    .map((o) => o.textContent);

  it("offers the project's values with their counts, the most frequent first", async () => {
    const asked = values();
    const onChange = addOnSplit();
    const value = screen.getByRole("combobox", { name: "Value" });
    fireEvent.click(value);
    await waitFor(() => expect(options()).toEqual(["train (1,586)", "test (250)", "dev (12)"]));
    fireEvent.click(screen.getByRole("option", { name: "test (250)" }));
    expect(value).toHaveValue("test");
    fireEvent.click(screen.getByText("Add"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, conditions: [
      { kind: "attribute", name: "split", op: "equals", value: "test" }] });
    expect(asked).toEqual(["limit=100"]);
  });

  it("asks for the values containing what is typed when the list is not every one, and takes any value typed", async () => {
    const asked = values(1);
    const onChange = addOnSplit();
    const value = screen.getByRole("combobox", { name: "Value" });
    fireEvent.click(value);
    await waitFor(() => expect(options()).toEqual(["train (1,586)"]));
    expect(screen.getByText("the 1 most frequent of 3 values: type to narrow")).toBeInTheDocument();
    fireEvent.change(value, { target: { value: "De" } });
    await waitFor(() => expect(options()).toEqual(["dev (12)"]));
    expect(asked).toEqual(["limit=100", "limit=100&search=De"]);
    fireEvent.change(value, { target: { value: "validation" } });
    fireEvent.keyDown(value, { key: "Escape" });
    fireEvent.click(screen.getByText("Add"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, conditions: [
      { kind: "attribute", name: "split", op: "equals", value: "validation" }] });
  });

  it("is typed without a project to ask, or for a comparison other than equality", () => {
    render(<FilterBar filters={NO_FILTERS} onChange={vi.fn()} tasks={TASKS} attributes={[...ATTRIBUTES, SPLIT]} />);
    fireEvent.click(screen.getByText("+ Add filter"));
    change("Filter kind", "attribute");
    change("Attribute", "split");
    expect(screen.queryByRole("combobox", { name: "Value" })).toBeNull();
    expect(screen.getByRole("textbox", { name: "Value" })).toBeInTheDocument();
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
