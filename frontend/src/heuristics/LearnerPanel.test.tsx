import { fireEvent, screen } from "@testing-library/react";
import { json, renderWithQueries } from "../testing";
import type { Heuristic, Task } from "../types";
import { LearnerPanel, pointAt, type ThresholdPoint } from "./LearnerPanel";

const TASK: Task = { id: 3, name: "spam", kind: "classification", target_attribute: "text",
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] };
const RUN = { id: 9, kind: "active_learner", status: "succeeded", progress: 1, done_items: 5, total_items: 5,
  error: null, created_at: "2026-01-01T00:00:00Z", params: {} };
const LEARNER: Heuristic = { id: 4, task_id: 3, kind: "active_learner", name: "learner", description: "",
  revision: { number: 1, source: "", function_name: "SpamLearner", settings: {}, created_at: "2026-01-01T00:00:00Z" },
  min_confidence: null, vote_threshold: 0.7, auto_refit_every: 10, out_of_date: [], last_run: RUN };
const CONFIDENCES = [0.95, 0.8, 0.6, 0.55, 0.3];
/** Records 1-3 have a reference; the predictions of 1 and 3 agree with it. */
const VERDICTS = [true, null, true, false, false];

/** The server's sweep, written out for the fixture. */
function sweepOf(): ThresholdPoint[] {
  return Array.from({ length: 101 }, (_, step) => {
    const threshold = step / 100;
    const kept = CONFIDENCES.map((c, i) => [c, VERDICTS[i]] as const).filter(([c]) => c >= threshold);
    const judged = kept.filter(([, v]) => v !== null).length;
    const correct = kept.filter(([, v]) => v === true).length;
    return { threshold, votes: kept.length, judged, correct, precision: judged ? correct / judged : null };
  });
}

function setup() {
  const requests: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    requests.push({ method: init?.method ?? "GET", url, body: init?.body ? JSON.parse(String(init.body)) : null });
    if (url.includes("/threshold-preview")) return json({ run_id: 9, points: sweepOf() });
    if (url.includes("/runs/9")) {
      return json({ ...RUN, logs: "", metrics: { n_labelled: 12, held_out: { accuracy: 0.75, labels: [
        { label: "ham", precision: 0.8, recall: 0.9, f1: 0.85, support: 9 },
        { label: "spam", precision: 0.5, recall: 0.33, f1: 0.4, support: 3 }] },
        warnings: ["only 3 labelled records of 'spam': its held-out metrics are unreliable; label more"] } });
    }
    return json(LEARNER);
  }));
  renderWithQueries(<LearnerPanel projectId={1} heuristic={LEARNER} task={TASK} canEdit />);
  return requests;
}

describe("LearnerPanel", () => {
  it("previews the votes and their precision as the threshold moves, and changes nothing until applied", async () => {
    const requests = setup();
    expect(await screen.findByText("(2 now)")).toBeInTheDocument();
    expect(screen.getByLabelText("vote preview")).toHaveTextContent("2 votes at 0.70 · precision 100.0% (1 of 1 with a reference)");
    fireEvent.change(screen.getByLabelText("Vote threshold"), { target: { value: "0.5" } });
    expect(screen.getByLabelText("vote preview")).toHaveTextContent("4 votes at 0.50 · precision 66.7% (2 of 3 with a reference)");
    fireEvent.change(screen.getByLabelText("Vote threshold"), { target: { value: "0.99" } });
    expect(screen.getByLabelText("vote preview")).toHaveTextContent("0 votes at 0.99 · no reference labels to judge them");
    expect(requests.filter((r) => r.method === "PATCH")).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Apply threshold" }));
    await vi.waitFor(() => expect(requests.find((r) => r.method === "PATCH")?.body).toEqual({ min_confidence: 0.99 }));
  });

  it("shows held-out metrics per label and the run's warnings", async () => {
    setup();
    expect(await screen.findByText("Held-out accuracy")).toBeInTheDocument();
    expect(screen.getByLabelText("held-out metrics")).toHaveTextContent("spam50.0%33.0%40.0%3");
    expect(screen.getByRole("columnheader", { name: "Recall" })).toHaveAttribute(
      "title", "Recall: share of the held-out records labelled L that the model predicts L");
    expect(screen.getByRole("note")).toHaveTextContent(
      "Only 3 labelled records of 'spam': its held-out metrics are unreliable; label more.");
  });

  it("finds the preview point of a threshold despite floating point", () => {
    const points = sweepOf();
    expect(pointAt(points, 0.07)?.votes).toBe(5);
    expect(pointAt(points, 0.1 + 0.2)?.threshold).toBe(0.3);
    expect(pointAt(points, 0.6)?.votes).toBe(3);
    expect(pointAt([], 0.5)).toBeUndefined();
  });
});
