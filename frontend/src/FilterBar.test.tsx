import { act, fireEvent, render, screen } from "@testing-library/react";
import { FilterBar, SEARCH_DELAY_MS } from "./FilterBar";
import { filtersFromSearch, filtersToSearch, NO_FILTERS, recordQuery, type Filters } from "./filters";
import type { Attribute, Task } from "./types";

const TASKS: Task[] = [{ id: 3, name: "spam", kind: "classification", target_attribute: null,
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] }];
const ATTRIBUTES: Attribute[] = [{ id: 1, name: "text", data_type: "text", position: 0 },
  { id: 2, name: "stars", data_type: "integer", position: 1 }];

function setup(filters: Filters = NO_FILTERS) {
  const onChange = vi.fn();
  render(<FilterBar filters={filters} onChange={onChange} tasks={TASKS} attributes={ATTRIBUTES} count={42} />);
  return onChange;
}

describe("FilterBar", () => {
  it("asks for a label only once a task is chosen", () => {
    const onChange = setup();
    expect(screen.getByLabelText("Manual labels")).toBeDisabled();
    fireEvent.change(screen.getByLabelText("Task"), { target: { value: "3" } });
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, taskId: 3 });
  });

  it("filters by a label of the task, or by labelled or not", () => {
    const onChange = setup({ ...NO_FILTERS, taskId: 3 });
    fireEvent.change(screen.getByLabelText("Manual labels"), { target: { value: "label:spam" } });
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, taskId: 3, label: "spam" });
    fireEvent.change(screen.getByLabelText("Manual labels"), { target: { value: "no" } });
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, taskId: 3, labelled: "no" });
  });

  it("applies typed search text after a pause, once", () => {
    vi.useFakeTimers();
    const onChange = setup();
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "chec" } });
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "check" } });
    expect(onChange).not.toHaveBeenCalled();
    act(() => { vi.advanceTimersByTime(SEARCH_DELAY_MS); });
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, search: "check" });
    vi.useRealTimers();
  });

  it("sorts by an attribute and flips the direction", () => {
    const onChange = setup();
    fireEvent.change(screen.getByLabelText("Sort by"), { target: { value: "stars" } });
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, sort: "stars" });
    fireEvent.click(screen.getByLabelText("Sort direction"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, sort: "-id" });
  });

  it("shows the count and clears the filters", () => {
    const onChange = setup({ ...NO_FILTERS, search: "x", taskId: 3, label: "ham", sort: "-stars" });
    expect(screen.getByLabelText("count")).toHaveTextContent("42 records");
    fireEvent.click(screen.getByText("Clear filters"));
    expect(onChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, sort: "-stars" });
  });
});

describe("the filters as API query and URL", () => {
  it("sends label conditions with their task only", () => {
    expect(recordQuery({ ...NO_FILTERS, taskId: 3 })).toEqual({ sort: "id" });
    expect(recordQuery({ ...NO_FILTERS, taskId: 3, labelled: "no" }))
      .toEqual({ sort: "id", task_id: 3, labelled: false });
    expect(recordQuery({ ...NO_FILTERS, taskId: 3, label: "spam", search: " win ", searchAttribute: "text" }))
      .toEqual({ sort: "id", task_id: 3, label: "spam", search: "win", search_attribute: "text" });
  });
  it("round-trips through the URL", () => {
    const filters: Filters = { search: "check out", searchAttribute: "text", taskId: 3, labelled: "",
      label: "spam", sort: "-stars" };
    expect(filtersFromSearch(new URLSearchParams(filtersToSearch(filters).slice(1)))).toEqual(filters);
  });
});
