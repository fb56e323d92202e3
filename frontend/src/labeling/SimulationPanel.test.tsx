import { fireEvent, screen } from "@testing-library/react";
import { json, renderWithQueries } from "../testing";
import type { Task } from "../types";
import { chartGeometry, SimulationPanel, type Curves } from "./SimulationPanel";

const CURVES: Curves = {
  strategy: { labels_used: [20, 40, 60], accuracy: [0.6, 0.7, 0.8], macro_f1: [0.5, 0.6, 0.7] },
  random: { labels_used: [20, 40, 60], accuracy: [0.6, 0.65, 0.7], macro_f1: [0.5, 0.55, 0.6] },
  strategy_name: "margin", n_records: 500,
};
const CHOICES = [{ name: "margin_after_cold_start", ranks_by: "cold start, then margin" },
  { name: "margin", ranks_by: "margin" }, { name: "random", ranks_by: "random" }];
const TASK: Task = { id: 3, name: "spam", kind: "classification", target_attribute: "text",
  labels: [{ id: 1, name: "ham", color: "#00f", hotkey: null }, { id: 2, name: "spam", color: "#f00", hotkey: null }] };

describe("chartGeometry", () => {
  it("spans the labels used left to right and the scores bottom to top", () => {
    const g = chartGeometry(CURVES, "accuracy");
    // y runs from 0.55 (0.6 - 0.02, down to a 0.05 step) to 0.85
    expect(g.yTicks.map((t) => t.label)).toEqual(["0.55", "0.63", "0.70", "0.78", "0.85"]);
    expect(g.xTicks.map((t) => t.label)).toEqual(["20", "30", "40", "50", "60"]);
    const points = g.strategy.split(/[ML]/).filter(Boolean).map((p) => p.trim().split(" ").map(Number));
    expect(points).toHaveLength(3);
    expect(points[0][0]).toBeLessThan(points[2][0]);   // more labels further right
    expect(points[0][1]).toBeGreaterThan(points[2][1]); // higher accuracy higher up (smaller y)
    expect(g.random.startsWith(g.strategy.slice(0, 12))).toBe(true); // same seed point
  });
});

/** The cells of the curve table called ``name``, row by row. */
const rows = (name: string) => [...screen.getByRole("table", { name }).querySelectorAll("tbody tr")]
  .map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent));

describe("SimulationPanel", () => {
  it("starts a simulation with the form's settings and draws its curves when it ends", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal("fetch", vi.fn(async (_url: string, init?: RequestInit) => {
      if (init?.method === "POST") {
        bodies.push(JSON.parse(String(init.body)));
        return json({ id: 7, kind: "simulation", status: "queued", progress: 0 }, 202);
      }
      return json({ id: 7, kind: "simulation", status: "succeeded", progress: 1, error: null,
        metrics: { curves: CURVES } });
    }));
    renderWithQueries(<SimulationPanel projectId={1} task={TASK} strategies={CHOICES} />);
    fireEvent.change(screen.getByLabelText("Budget"), { target: { value: "40" } });
    fireEvent.click(screen.getByRole("button", { name: "Run simulation" }));
    expect(await screen.findByRole("img", { name: /held-out accuracy against labels used: margin and random/ })).toBeInTheDocument();
    expect(bodies).toEqual([{ strategy: "margin_after_cold_start", seed_size: 20, batch_size: 20, budget: 40 }]);
    expect(screen.getByLabelText("final scores")).toHaveTextContent("at 60 labels: 0.800 vs random 0.700 (500 records with a reference)");
    expect(rows("accuracy per budget")).toEqual([["20", "0.600", "0.600", "+0.000"],
      ["40", "0.700", "0.650", "+0.050"], ["60", "0.800", "0.700", "+0.100"]]);
    // ahead in green where the strategy leads, no colour where they tie
    expect(screen.getByRole("table", { name: "accuracy per budget" }).querySelectorAll("td.ahead")).toHaveLength(2);
    fireEvent.change(screen.getByLabelText("Curve metric"), { target: { value: "macro_f1" } });
    expect(screen.getByRole("img", { name: /macro-F1/ })).toBeInTheDocument();
    expect(rows("macro-F1 per budget")[2]).toEqual(["60", "0.700", "0.600", "+0.100"]);
  });

  it("shows the scores a span task's simulation reports, span F1 first", async () => {
    const spans: Curves = {
      strategy: { labels_used: [20, 40], span_f1: [0.3, 0.5], macro_f1: [0.2, 0.4] },
      random: { labels_used: [20, 40], span_f1: [0.3, 0.45], macro_f1: [0.25, 0.45] },
      strategy_name: "margin", n_records: 300, metrics: ["span_f1", "macro_f1"],
      ranked_by: "least confident token sequence",
    };
    vi.stubGlobal("fetch", vi.fn(async (_url: string, init?: RequestInit) => init?.method === "POST"
      ? json({ id: 8, kind: "simulation", status: "queued", progress: 0 }, 202)
      : json({ id: 8, kind: "simulation", status: "succeeded", progress: 1, error: null, metrics: { curves: spans } })));
    // the choices the task's queue settings list for a span task (random is the baseline)
    const choices = [
      { name: "margin_after_cold_start", ranks_by: "cold start, then least confident token sequence" },
      { name: "margin", ranks_by: "least confident token sequence" },
      { name: "margin_diverse", ranks_by: "least confident predicted span" }, { name: "random", ranks_by: "random" }];
    renderWithQueries(<SimulationPanel projectId={1} task={{ ...TASK, kind: "extraction" }} strategies={choices} />);
    fireEvent.click(screen.getByRole("button", { name: "Run simulation" }));
    expect(await screen.findByRole("img", { name: "held-out span F1 against labels used: least confident token sequence and random" })).toBeInTheDocument();
    expect(screen.getByText(/Span tasks: the strategy asks for the least confident token sequences/)).toBeInTheDocument();
    expect([...screen.getByLabelText<HTMLSelectElement>("Simulated strategy").options].map((o) => o.text))
      .toEqual(["cold start, then least confident token sequence", "least confident token sequence",
        "least confident predicted span"]);
    expect(screen.getByLabelText("final scores")).toHaveTextContent("at 40 labels: 0.500 vs random 0.450 (300 records with a reference)");
    const options = [...screen.getByLabelText<HTMLSelectElement>("Curve metric").options].map((o) => o.text);
    expect(options).toEqual(["span F1", "macro-F1"]);
    expect(rows("span F1 per budget")).toEqual([["20", "0.300", "0.300", "+0.000"], ["40", "0.500", "0.450", "+0.050"]]);
    fireEvent.change(screen.getByLabelText("Curve metric"), { target: { value: "macro_f1" } });
    expect(rows("macro-F1 per budget")).toEqual([["20", "0.200", "0.250", "−0.050"], ["40", "0.400", "0.450", "−0.050"]]);
    expect(screen.getByRole("table", { name: "macro-F1 per budget" }).querySelector("td.behind")).not.toBeNull();
  });
});
