import { templateLabel } from "./HeuristicsPage";

describe("templateLabel", () => {
  it("names each starter by what it starts from", () => {
    expect(templateLabel({ kind: "labeling_function", name: "keyword labeling function", source: "" })).toBe("Labeling function");
    expect(templateLabel({ kind: "labeling_function", name: "lookup of cities", source: "" })).toBe("Lookup of cities");
    expect(templateLabel({ kind: "active_learner", name: "learner on text-all-MiniLM-L6-v2", source: "" }))
      .toBe("Learner on text-all-MiniLM-L6-v2");
  });
});
