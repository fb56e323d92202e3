import { votesAt } from "./LearnerPanel";

describe("threshold preview", () => {
  it("counts the predictions that reach the threshold", () => {
    const confidences = [0.95, 0.8, 0.6, 0.55, 0.3];
    expect(votesAt(confidences, 0)).toBe(5);
    expect(votesAt(confidences, 0.6)).toBe(3);
    expect(votesAt(confidences, 0.9)).toBe(1);
    expect(votesAt(confidences, 1)).toBe(0);
  });
});
