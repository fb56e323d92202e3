import { act, fireEvent, screen, within } from "@testing-library/react";
import { json, renderWithQueries } from "../testing";
import { AddToList } from "./AddToList";

const LIST = { id: 5, name: "spam_phrases", description: "", n_terms: 1, version: 1, follows: null,
  n_from_labels: 0, read_by: [], updated_at: "2026-12-07T04:00:00Z", terms: ["subscribe"] };

function select(node: Node) {
  const range = document.createRange();
  range.selectNodeContents(node);
  window.getSelection()!.removeAllRanges();
  window.getSelection()!.addRange(range);
  act(() => { document.dispatchEvent(new Event("selectionchange")); });
}

describe("AddToList", () => {
  it("adds the text selected in the record to the chosen list, and nothing selected elsewhere", async () => {
    const writes: { url: string; body: unknown }[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === "PATCH") {
        writes.push({ url, body: JSON.parse(String(init.body)) });
        return json({ ...LIST, terms: [...LIST.terms, "free iPhone"], version: 2 });
      }
      return url.endsWith("/lookup-lists/5") ? json(LIST) : json({ data: [LIST], count: 1 });
    }));
    renderWithQueries(<>
      <AddToList projectId={1}><div className="text-block">Win a free iPhone now</div></AddToList>
      <p>elsewhere on the page</p>
    </>);
    const group = await screen.findByRole("group", { name: "add to a lookup list" });
    expect(group).toHaveTextContent("Select words of the text to add them to a lookup list.");
    select(screen.getByText("elsewhere on the page"));
    expect(group).toHaveTextContent("Select words of the text");
    const text = screen.getByText("Win a free iPhone now").firstChild!;
    const range = document.createRange();
    range.setStart(text, 6);
    range.setEnd(text, 17);
    window.getSelection()!.removeAllRanges();
    window.getSelection()!.addRange(range);
    act(() => { document.dispatchEvent(new Event("selectionchange")); });
    expect(group).toHaveTextContent("Add “free iPhone” to");
    expect(within(group).getByLabelText("Lookup list")).toHaveValue("5");
    window.getSelection()!.removeAllRanges();     // choosing the list may clear it
    act(() => { document.dispatchEvent(new Event("selectionchange")); });
    expect(group).toHaveTextContent("Add “free iPhone” to");
    fireEvent.click(within(group).getByRole("button", { name: "Add" }));
    await vi.waitFor(() => expect(writes).toEqual([
      { url: "/api/v1/projects/1/lookup-lists/5", body: { add: ["free iPhone"] } }]));
    await vi.waitFor(() => expect(group).toHaveTextContent("Select words of the text"));
  });
});
