import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { json, renderWithQueries } from "./testing";
import { TermStats } from "./TermStats";
import type { LookupList, TermCount, TermStatistics } from "./types";

const LIST: LookupList = { id: 5, name: "places", description: "", n_terms: 4, version: 2,
  follows: { task_id: 3, task_name: "ner", label: "LOC" }, n_from_labels: 1, read_by: [],
  updated_at: "2026-12-07T04:00:00Z", terms: ["Paris", "Washington", "Atlantis", "Lyon"] };

const count = (term: string, found: number, labelled: number, labels: Record<string, number>,
  agreement: number | null): TermCount => ({ term, found, labelled, labels, agreement,
  noisy: agreement !== null && agreement < 1 });

const STATS: TermStatistics = { task_id: 3, task_name: "ner", unit: "places", attribute: "text",
  labelled: 40, follows: "LOC", terms: [count("Washington", 9, 8, { LOC: 3, PER: 4 }, 0.375),
    count("Lyon", 2, 0, {}, null), count("Atlantis", 0, 0, {}, null), count("Paris", 12, 10, { LOC: 10 }, 1)] };

describe("TermStats", () => {
  it("counts on demand, shows the noisy and the dead terms and removes one", async () => {
    // the server sends the terms the worst first
    const asked: string[] = [];
    const writes: unknown[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      asked.push(url);
      if (init?.method === "PATCH") {
        writes.push(JSON.parse(String(init.body)));
        return json({ ...LIST, version: 3, terms: LIST.terms.filter((t) => t !== "Washington") });
      }
      if (url.endsWith("/tasks")) return json({ data: [{ id: 3, name: "ner", kind: "extraction", target_attribute: "text", labels: [] }] });
      if (url.includes("/term-stats")) return json(STATS);
      return json({ detail: "not here" }, 404);
    }));
    const changed: LookupList[] = [];
    renderWithQueries(<TermStats projectId={1} list={LIST} canEdit onChanged={(c) => changed.push(c)} />);
    expect(asked.some((u) => u.includes("/term-stats"))).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Term statistics" }));
    const panel = await screen.findByLabelText("term statistics");
    expect(await within(panel).findByLabelText("term statistics summary")).toHaveTextContent(
      "4 terms searched in text; 40 records of ner have a reference label. 1 noisy (their labelled places carry other labels than LOC), 1 found nowhere.");
    const rows = within(panel).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-term"))).toEqual(["Washington", "Lyon", "Atlantis", "Paris"]);
    expect(rows[0]).toHaveTextContent("Washington98PER 4 · LOC 3 · no span 138 %");
    expect(within(rows[0]).getByRole("link", { name: "Washington" })).toHaveAttribute(
      "href", "/projects/1/data?q=Washington&in=text");
    expect(within(panel).getByRole("columnheader", { name: "As LOC" })).toBeInTheDocument();

    fireEvent.change(within(panel).getByLabelText("Show"), { target: { value: "dead" } });
    expect(within(panel).getAllByRole("row").slice(1).map((r) => r.getAttribute("data-term"))).toEqual(["Atlantis"]);
    fireEvent.change(within(panel).getByLabelText("Show"), { target: { value: "noisy" } });
    fireEvent.click(within(within(panel).getByRole("row", { name: /Washington/ })).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(changed).toHaveLength(1));
    expect(writes).toEqual([{ remove: ["Washington"] }]);
  });

  it("suggests the terms a classification list lacks and adds one", async () => {
    const writes: unknown[] = [];
    const spamList = { ...LIST, follows: null, terms: ["free"] };
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === "PATCH") {
        writes.push(JSON.parse(String(init.body)));
        return json({ ...spamList, version: 3, terms: ["free", "check out"] });
      }
      if (url.endsWith("/tasks")) {
        return json({ data: [{ id: 4, name: "spam", kind: "classification", target_attribute: null,
          labels: [{ id: 1, name: "ham", color: "#0a0", hotkey: null }, { id: 2, name: "spam", color: "#a00", hotkey: null }] }] });
      }
      if (url.includes("/term-stats")) {
        return json({ ...STATS, task_id: 4, task_name: "spam", unit: "records", follows: null,
          terms: [count("free", 5, 4, { spam: 3, ham: 1 }, 0.75)] });
      }
      if (url.includes("/suggestions?task_id=4&label=spam")) {
        return json({ task_id: 4, task_name: "spam", label: "spam", attribute: "text", labelled: 40,
          data: [{ term: "check out", support: 6, precision: 1, found: 9 }, { term: "my channel", support: 4, precision: 0.75, found: 5 }] });
      }
      if (url.includes("/suggestions")) return json({ task_id: 4, task_name: "spam", label: "ham", attribute: "text", labelled: 40, data: [] });
      return json({ detail: "not here" }, 404);
    }));
    const changed: LookupList[] = [];
    renderWithQueries(<TermStats projectId={1} list={spamList} canEdit onChanged={(c) => changed.push(c)} />);
    fireEvent.click(screen.getByRole("button", { name: "Term statistics" }));
    const suggestions = await screen.findByLabelText("term suggestions");
    expect(within(suggestions).getByLabelText("Suggest for label")).toHaveValue("ham");
    fireEvent.change(within(suggestions).getByLabelText("Suggest for label"), { target: { value: "spam" } });
    fireEvent.click(within(suggestions).getByRole("button", { name: "Suggest terms" }));
    const table = await within(suggestions).findByRole("table", { name: "suggested terms" });
    expect(within(table).getAllByRole("row").slice(1).map((r) => r.textContent)).toEqual([
      "check out6100 %9Add", "my channel475 %5Add"]);
    fireEvent.click(within(within(table).getAllByRole("row")[1]).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(changed).toHaveLength(1));
    expect(writes).toEqual([{ add: ["check out"] }]);
    fireEvent.change(within(suggestions).getByLabelText("Suggest for label"), { target: { value: "ham" } });
    expect(await within(suggestions).findByText(/No word or word pair held by three or more of the 40 labelled records signals ham/)).toBeInTheDocument();
  });
});
