import { describe as describeCondition, filtersFromSearch, filtersToSearch, NO_FILTERS, recordQuery, sameFilters,
  taskOf, type Filters } from "./filters";
import { filtersOfSaved, savedFilterBody, type SavedFilter } from "./SavedFilters";
import type { Task } from "./types";

const FULL: Filters = {
  search: "check out", searchAttribute: "text", sort: "-random", seed: 42, conditions: [
    { kind: "manual_label", task_id: 3, op: "is", label: "spam" },
    { kind: "vote", heuristic_id: 9, op: "votes", label: "ham" },
    { kind: "weak_label", task_id: 3, op: "any", min_confidence: 0.5, max_confidence: 0.9 },
    { kind: "disagreement", task_id: 3, between: "manual_weak" },
    { kind: "annotator", user: "alice", op: "not_labelled" },
    { kind: "attribute", name: "stars", op: "between", min: 1, max: 3 },
    { kind: "gold", task_id: 3 },
    { kind: "comment", state: "open" },
  ],
};

const fromUrl = (suffix: string) => filtersFromSearch(new URLSearchParams(suffix.replace(/^\?/, "")));

describe("the filter in the URL", () => {
  it("round-trips every kind of condition, the search, the sort and its seed", () => {
    expect(fromUrl(filtersToSearch(FULL))).toEqual(FULL);
  });
  it("leaves an empty filter out of the URL", () => {
    expect(filtersToSearch(NO_FILTERS)).toBe("");
    expect(fromUrl("")).toEqual(NO_FILTERS);
  });
  it("keeps the seed only for random order", () => {
    expect(filtersToSearch({ ...NO_FILTERS, sort: "stars", seed: 5 })).toBe("?sort=stars");
  });
  it("drops what is not a condition, and broken JSON, without failing", () => {
    const f = JSON.stringify([{ kind: "vote" }, { kind: "gold" }, { kind: "manual_label", task_id: 3, op: "is" }, 7,
      { kind: "comment", state: "toString" }, { kind: "comment" }]);
    expect(fromUrl(`?f=${encodeURIComponent(f)}`).conditions).toEqual([{ kind: "gold" }]);
    expect(fromUrl("?f=%7Bnot").conditions).toEqual([]);
    expect(fromUrl("?seed=-3&sort=random").seed).toBe(0);
  });
  it("reads the short label form of older links", () => {
    expect(fromUrl("?task=3&label=spam").conditions).toEqual([{ kind: "manual_label", task_id: 3, op: "is", label: "spam" }]);
    expect(fromUrl("?task=3&labelled=no").conditions).toEqual([{ kind: "manual_label", task_id: 3, op: "none" }]);
    expect(taskOf(fromUrl("?task=3&labelled=yes"))).toBe(3);
  });
});

describe("the filter as the API takes it", () => {
  it("sends the conditions and the search as one JSON filter", () => {
    const query = recordQuery(FULL);
    expect(query.sort).toBe("-random");
    expect(query.seed).toBe(42);
    expect(JSON.parse(String(query.filter)).conditions).toEqual([...FULL.conditions,
      { kind: "search", text: "check out", attribute: "text" }]);
    expect(recordQuery(NO_FILTERS)).toEqual({ sort: "id" });
  });
  it("saves and loads a filter unchanged", () => {
    const body = savedFilterBody(" mine ", FULL);
    const saved: SavedFilter = { id: 1, name: body.name, filter: body.filter as SavedFilter["filter"],
      sort: body.sort, seed: body.seed, created_by: "admin", updated_at: "" };
    expect(body.name).toBe("mine");
    expect(filtersOfSaved(saved)).toEqual(FULL);
  });
  it("loads a saved filter whose absent fields the API wrote as null", () => {
    const saved = { id: 2, name: "x", sort: "id", seed: 0, created_by: null, updated_at: "", filter: { conditions: [
      { kind: "weak_label", task_id: 3, op: "any", label: null, min_confidence: 0.9, max_confidence: null },
      { kind: "search", text: "win", attribute: null }] } } as unknown as SavedFilter;
    const loaded = filtersOfSaved(saved);
    expect(loaded).toEqual({ ...NO_FILTERS, search: "win",
      conditions: [{ kind: "weak_label", task_id: 3, op: "any", min_confidence: 0.9 }] });
    expect(sameFilters(loaded, { ...loaded, conditions: [{ min_confidence: 0.9, op: "any", task_id: 3, kind: "weak_label" }] }))
      .toBe(true);
    expect(sameFilters(loaded, { ...loaded, search: "won" })).toBe(false);
    expect(sameFilters({ ...NO_FILTERS, seed: 4 }, NO_FILTERS)).toBe(true);
  });
  it("reads conditions as a person would say them", () => {
    const tasks = [{ id: 3, name: "spam", labels: [] }] as unknown as Task[];
    const names = { tasks, heuristics: [] };
    expect(describeCondition({ kind: "manual_label", task_id: 3, op: "none" }, names)).toBe("spam: no manual label");
    expect(describeCondition({ kind: "reference_label", task_id: 3, op: "any" }, names)).toBe("spam: has a reference");
    expect(FULL.conditions.map((c) => describeCondition(c, names))).toEqual([
      "spam: manual label is spam", "heuristic 9 votes ham", "spam: has a weak label ≥ 50 % ≤ 90 %",
      "spam: reference vs weak label disagree", "not labelled by alice", "stars 1–3", "spam: gold", "has open comments"]);
    expect(describeCondition({ kind: "comment", state: "any" }, names)).toBe("has any comment");
  });
});
