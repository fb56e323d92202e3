import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { DataBrowser } from "../pages/DataBrowser";
import { fakeEvents, json } from "../testing";
import type { RecordComment, RecordRow } from "../types";

const RECORDS: RecordRow[] = [1, 2, 3].map((id) => ({ id, external_id: `r${id}`, data: { text: `review ${id}` } }));
const comment = (id: number, recordId: number, author: string, text: string): RecordComment => ({
  id, record_id: recordId, record_external_id: `r${recordId}`, author, text, created_at: new Date().toISOString(),
  edited_at: null, resolved_at: null, resolved_by: null });

/** Records 2 and 3 have open comments (the newest first, as the API answers). */
function server() {
  let open = [comment(9, 3, "ann", "Cut off?\nThe review ends mid-word."), comment(4, 2, "bob", "Sarcasm?")];
  const events = fakeEvents();
  const fetch = vi.fn(async (url: string) => {
    const { pathname, searchParams } = new URL(url, "http://heurist");
    const path = pathname.replace("/api/v1", "");
    if (path === "/projects/1/events") {
      return events.response();
    }
    if (path === "/me") return json({ name: "admin", is_admin: true });
    if (path === "/projects/1/members") return json([]);
    if (path === "/projects/1/tasks") return json({ data: [], count: 0 });
    if (path === "/projects/1/attributes") return json([{ id: 1, name: "text", data_type: "text", position: 0 }]);
    if (["/projects/1/heuristics", "/projects/1/filters"].includes(path)) return json({ data: [], count: 0 });
    const commented = new Set(open.map((c) => c.record_id));
    const matching = () => (searchParams.get("filter")?.includes('"comment"')
      ? RECORDS.filter((r) => commented.has(r.id)) : RECORDS);
    if (path === "/projects/1/records/count") return json({ count: matching().length });
    if (path === "/projects/1/records") return json({ data: matching(), count: matching().length });
    if (path === "/projects/1/comments") {
      expect(searchParams.get("state")).toBe("open");
      return json({ data: open.slice(0, Number(searchParams.get("limit"))), count: open.length, open: open.length });
    }
    return json({ detail: "not here" }, 404);
  });
  return {
    fetch,
    /** a comment resolved elsewhere, and the event sent */
    resolveElsewhere(id: number) {
      const gone = open.find((c) => c.id === id)!;
      open = open.filter((c) => c !== gone);
      events.send("comments.changed", { record_id: gone.record_id, comment_id: id }, 3);
    },
  };
}

beforeAll(() => { Element.prototype.scrollTo ??= () => undefined; });

function renderBrowser() {
  window.history.replaceState(null, "", "/projects/1/data?q=review");
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}><DataBrowser projectId={1} /></QueryClientProvider>);
}

describe("the project's open comments in the data browser", () => {
  it("counts them, lists the newest with links to their records, and narrows the list to their records", async () => {
    const api = server();
    vi.stubGlobal("fetch", api.fetch);
    renderBrowser();
    const count = await screen.findByRole("button", { name: "2 open comments" });
    expect(count).toHaveAttribute("aria-pressed", "false");

    fireEvent.click(screen.getByRole("button", { name: "Newest open comments" }));
    const list = screen.getByRole("dialog", { name: "newest open comments" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((i) => i.textContent)).toEqual([
      "record r3annjust nowCut off?", "record r2bobjust nowSarcasm?"]);
    // the record's page, with the list's filter to go back to
    expect(within(items[0]).getByRole("link", { name: "r3" })).toHaveAttribute("href", "/projects/1/records/3?q=review");
    fireEvent.keyDown(list, { key: "Escape" });
    expect(screen.queryByRole("dialog", { name: "newest open comments" })).toBeNull();

    fireEvent.click(count);
    await waitFor(() => expect(screen.getByLabelText("count")).toHaveTextContent("2 records"));
    expect(screen.getByLabelText("Filter conditions")).toHaveTextContent("has open comments");
    expect(JSON.parse(new URLSearchParams(window.location.search).get("f")!)).toEqual([{ kind: "comment", state: "open" }]);
    expect(new URLSearchParams(window.location.search).get("q")).toBe("review");
    expect(screen.getByRole("button", { name: "2 open comments" })).toHaveAttribute("aria-pressed", "true");

    // resolved elsewhere: the count and the list follow
    await waitFor(() => expect(api.fetch.mock.calls.some(([url]) => String(url).endsWith("/events"))).toBe(true));
    act(() => api.resolveElsewhere(9));
    expect(await screen.findByRole("button", { name: "1 open comment" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText("count")).toHaveTextContent("1 record"));
  });
});
