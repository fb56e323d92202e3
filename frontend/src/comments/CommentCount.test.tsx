import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactElement } from "react";
import { DataBrowser } from "../pages/DataBrowser";
import { RecordPage } from "../pages/RecordPage";
import { fakeEvents, json } from "../testing";
import type { RecordRow } from "../types";
import { CommentCount, commentCountWords } from "./CommentCount";

function renderWith(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

describe("a record's comments in words", () => {
  it("says the open ones, then the resolved ones", () => {
    expect(commentCountWords(3, 2)).toBe("2 open comments, 1 resolved");
    expect(commentCountWords(1, 1)).toBe("1 open comment");
    expect(commentCountWords(4, 1)).toBe("1 open comment, 3 resolved");
    expect(commentCountWords(3, 0)).toBe("3 resolved comments");
    expect(commentCountWords(1, 0)).toBe("1 resolved comment");
    expect(commentCountWords(0, 0)).toBe("");
  });
});

describe("the comment count of a row", () => {
  it("shows the open comments accented, named and titled in words, linked to the record's comments", () => {
    render(<CommentCount comments={3} open={2} href="/projects/1/records/5?q=review" />);
    const count = screen.getByRole("link", { name: "2 open comments, 1 resolved" });
    expect(count).toHaveAttribute("title", "2 open comments, 1 resolved");
    expect(count).toHaveTextContent(/^2$/);
    expect(count).toHaveClass("comment-count", "open");
    expect(count.querySelector("svg")).not.toBeNull();
    expect(count).toHaveAttribute("href", "/projects/1/records/5?q=review#comments");
  });

  it("shows all of them, muted, when every one is resolved", () => {
    render(<CommentCount comments={3} open={0} href="/projects/1/records/5" />);
    const count = screen.getByRole("link", { name: "3 resolved comments" });
    expect(count).toHaveAttribute("title", "3 resolved comments");
    expect(count).toHaveTextContent(/^3$/);
    expect(count).toHaveClass("resolved");
    expect(count).not.toHaveClass("open");
  });

  it("shows nothing when the record has none", () => {
    const { container } = render(<CommentCount comments={0} open={0} href="/projects/1/records/5" />);
    expect(container).toBeEmptyDOMElement();
    const { container: unknown } = render(<CommentCount href="/projects/1/records/5" />);
    expect(unknown).toBeEmptyDOMElement();
  });

  it("opens the record at its comments, and nothing else of what it sits in", () => {
    const row = vi.fn();
    render(<div onClick={row}><CommentCount comments={1} open={1} href="/projects/1/records/5?q=review" /></div>);
    fireEvent.click(screen.getByRole("link", { name: "1 open comment" }));
    expect(window.location.pathname + window.location.search + window.location.hash)
      .toBe("/projects/1/records/5?q=review#comments");
    expect(row).not.toHaveBeenCalled();
  });
});

/** Records 1 to 3; record 2 has an open comment and a resolved one, record 3 a resolved one. */
function server() {
  const rows: RecordRow[] = [
    { id: 1, external_id: "r1", data: { text: "review 1" }, comments: 0, open_comments: 0 },
    { id: 2, external_id: "r2", data: { text: "review 2" }, comments: 2, open_comments: 1 },
    { id: 3, external_id: "r3", data: { text: "review 3" }, comments: 1, open_comments: 0 },
  ];
  const events = fakeEvents();
  const fetch = vi.fn(async (url: string) => {
    const path = new URL(url, "http://heurist").pathname.replace("/api/v1", "");
    if (path === "/projects/1/events") {
      return events.response();
    }
    if (path === "/me") return json({ name: "admin", is_admin: true });
    if (path === "/projects/1/members") return json([]);
    if (path === "/projects/1/tasks") return json({ data: [], count: 0 });
    if (path === "/projects/1/attributes") return json([{ id: 1, name: "text", data_type: "text", position: 0 }]);
    if (["/projects/1/heuristics", "/projects/1/filters"].includes(path)) return json({ data: [], count: 0 });
    if (path === "/projects/1/records/count") return json({ count: rows.length });
    if (path === "/projects/1/records") return json({ data: rows, count: rows.length });
    if (path === "/projects/1/comments") return json({ data: [], count: 0, open: 0 });
    return json({ detail: "not here" }, 404);
  });
  return {
    fetch,
    /** a comment written elsewhere on ``id``, and the event sent */
    commentElsewhere(id: number) {
      const row = rows.find((r) => r.id === id)!;
      rows[rows.indexOf(row)] = { ...row, comments: row.comments! + 1, open_comments: row.open_comments! + 1 };
      events.send("comments.changed", { record_id: id, comment_id: 50 }, 7);
    },
  };
}

describe("comment counts in the data browser", () => {
  beforeAll(() => { Element.prototype.scrollTo ??= () => undefined; });
  // the table shows the rows that fit its height (jsdom lays nothing out)
  beforeEach(() => {
    vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(600);
    vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(1200);
  });

  it("shows each record's beside its id, and follows comments made elsewhere", async () => {
    const api = server();
    vi.stubGlobal("fetch", api.fetch);
    window.history.replaceState(null, "", "/projects/1/data?q=review");
    renderWith(<DataBrowser projectId={1} />);
    const open = await screen.findByRole("link", { name: "1 open comment, 1 resolved" });
    expect(open).toHaveAttribute("href", "/projects/1/records/2?q=review#comments");
    expect(open.closest("[role=row]")).toHaveTextContent("r2");
    expect(screen.getByRole("link", { name: "1 resolved comment" }).closest("[role=row]")).toHaveTextContent("r3");
    const first = screen.getAllByRole("row").find((r) => r.textContent?.includes("review 1"))!;
    expect(first.querySelector(".comment-count")).toBeNull();

    await waitFor(() => expect(api.fetch.mock.calls.some(([url]) => String(url).endsWith("/events"))).toBe(true));
    const counted = () => api.fetch.mock.calls.filter(([url]) => String(url).includes("/records/count")).length;
    const before = counted();
    act(() => api.commentElsewhere(3));
    await waitFor(() => expect(screen.getAllByRole("link", { name: "1 open comment, 1 resolved" })).toHaveLength(2));
    expect(screen.queryByRole("link", { name: "1 resolved comment" })).toBeNull();
    // the rows were read again in place: the list was not counted again
    expect(counted()).toBe(before);

    fireEvent.click(screen.getAllByRole("link", { name: "1 open comment, 1 resolved" })[1]);
    expect(window.location.pathname + window.location.hash).toBe("/projects/1/records/3#comments");
  });
});

/** Record 5, with no comment yet. */
const recordServer = () => vi.fn(async (url: string) => {
  const path = new URL(url, "http://heurist").pathname.replace("/api/v1", "");
  if (path === "/projects/1/events") return new Response(new ReadableStream<Uint8Array>());
  if (path === "/me") return json({ name: "admin", is_admin: true });
  if (path === "/projects/1/members") return json([]);
  if (path === "/projects/1/attributes") return json([]);
  if (["/projects/1/tasks", "/projects/1/embeddings"].includes(path)) return json({ data: [], count: 0 });
  if (path === "/projects/1/records/5") return json({ id: 5, external_id: "r5", data: { text: "great" }, tokens: [], tasks: [] });
  if (path === "/projects/1/records/5/comments") return json({ data: [], count: 0 });
  return json({ detail: "not here" }, 404);
});

/** The record's page at ``address``; the elements scrolled into view. */
async function openRecord(address: string): Promise<{ panel: HTMLElement; scrolled: Element[] }> {
  vi.stubGlobal("fetch", recordServer());
  const scrolled: Element[] = [];
  vi.spyOn(Element.prototype, "scrollIntoView").mockImplementation(function (this: Element) { scrolled.push(this); });
  window.history.replaceState(null, "", address);
  renderWith(<RecordPage projectId={1} recordId={5} />);
  const panel = await screen.findByRole("region", { name: "comments" });
  return { panel, scrolled };
}

describe("a record's page at its comments", () => {
  beforeAll(() => { Element.prototype.scrollIntoView ??= () => undefined; });

  it("scrolls to them when its address ends in #comments", async () => {
    const { panel, scrolled } = await openRecord("/projects/1/records/5?q=review#comments");
    expect(panel).toHaveAttribute("id", "comments");
    await waitFor(() => expect(scrolled).toEqual([panel]));
  });

  it("stays at the top otherwise", async () => {
    const { scrolled } = await openRecord("/projects/1/records/5?q=review");
    await screen.findByText("great");
    expect(scrolled).toEqual([]);
  });
});
