import { batchDone, itemsById, scoreText, stopLine, type NextBatch } from "./queue";

const batch = (ids: number[], extra: Partial<NextBatch> = {}): NextBatch => ({
  task_id: 1, strategy: "margin", model: "default logistic regression (run 3)", count: ids.length,
  lease_expires_at: "2026-01-01T00:00:00Z", refit_pending: false, stop: null, notes: [],
  data: ids.map((id, i) => ({ record: { id, external_id: `r${id}`, data: {} }, score: 1 - i / 10,
    reason: `margin 0.${i}0 between ham and spam` })),
  ...extra,
});

describe("the queue", () => {
  it("finds each record's reason by id", () => {
    expect(itemsById(batch([7, 9])).get(9)?.reason).toBe("margin 0.10 between ham and spam");
    expect(itemsById(undefined).size).toBe(0);
  });
  it("is done with a batch once every record in it is labelled", () => {
    expect(batchDone(batch([1, 2]), new Set([1]))).toBe(false);
    expect(batchDone(batch([1, 2]), new Set([2, 1, 5]))).toBe(true);
    expect(batchDone(batch([]), new Set([1]))).toBe(false);
    expect(batchDone(undefined, new Set())).toBe(false);
  });
  it("says why there is no stopping hint before a model", () => {
    expect(stopLine(batch([1], { model: "cold start" }))?.text).toMatch(/^No model yet/);
    expect(stopLine(batch([1]))?.stop).toBe(false);
    const stop = { stop: true, kappas: [1, 1, 1], mean_kappa: 1, uncertainty: 0.01,
      message: "labelling can stop: mean kappa 1.000" };
    expect(stopLine(batch([1], { stop }))).toEqual({ stop: true, text: stop.message });
    expect(stopLine(undefined)).toBeNull();
  });
  it("shows scores with the precision that tells them apart", () => {
    expect(scoreText(0)).toBe("—");
    expect(scoreText(0.4567)).toBe("0.46");
    expect(scoreText(0.9991)).toBe("0.999");
  });
});
