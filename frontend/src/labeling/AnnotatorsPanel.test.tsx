import { fireEvent, screen, within } from "@testing-library/react";
import { json, renderWithQueries } from "../testing";
import type { Task } from "../types";
import { AnnotatorsPanel, type AnnotatorsReport } from "./AnnotatorsPanel";

const TASK: Task = { id: 3, name: "spam", kind: "classification", target_attribute: "text",
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] };

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

function show(answer: AnnotatorsReport) {
  vi.stubGlobal("fetch", vi.fn(async () => json(answer)));
  renderWithQueries(<AnnotatorsPanel projectId={1} task={TASK} />);
}

describe("AnnotatorsPanel", () => {
  it("shows each annotator's quality and the disagreements with reference and consensus", async () => {
    show(report(12));
    const quality = await screen.findByRole("table", { name: "annotator quality" });
    expect(within(quality).getAllByRole("row").map((row) => row.textContent)).toEqual([
      "AnnotatorLabelsQualityAgrees with the consensus", "ann1691.0%100.0%", "bob1662.0%62.5%"]);
    expect(screen.getByText(/12 records where annotators disagree, settled by CROWDLAB with default logistic regression/)).toBeInTheDocument();
    const disputed = screen.getByRole("table", { name: "disagreements" });
    expect(within(disputed).getAllByRole("row")).toHaveLength(11);   // header and the first 10
    expect(within(disputed).getAllByRole("row")[1]).toHaveTextContent("r0ann: spam, bob: hamtiespam 80.0%");
    expect(within(disputed).getByRole("link", { name: "r0" })).toHaveAttribute("href", "/projects/1/records/10");
    fireEvent.click(screen.getByRole("button", { name: "Show 2 more" }));
    expect(within(disputed).getAllByRole("row")).toHaveLength(13);
  });

  it("says why there are no scores yet", async () => {
    show({ ...report(0), model: null, note: "the task has none yet",
      annotators: [{ name: "ann", labels: 3, quality: null, agreement: null }] });
    expect(await screen.findByText("the task has none yet")).toBeInTheDocument();
    expect(screen.getByText("No record has different labels from its annotators.")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "disagreements" })).toBeNull();
  });
});
