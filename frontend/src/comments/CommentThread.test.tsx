import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { Labeling } from "../pages/Labeling";
import { RecordPage } from "../pages/RecordPage";
import { fakeEvents, json } from "../testing";
import type { Member, RecordComment, RecordDetail, Role, Task } from "../types";
import { CommentsPanel } from "./CommentThread";
import { commentsPanelKey } from "./commentsOpen";
import { relativeTime } from "./time";

const NOW = Date.parse("2026-03-10T12:00:00Z");
const MARKUP = "Is this sarcasm?\n<b>not bold</b> <script>alert('x')</script> <img src=x onerror=alert(1)>\nsee https://example.org/faq.";

interface Write { method: string; path: string; body: unknown }

const comment = (id: number, author: string, text: string, extra: Partial<RecordComment> = {}): RecordComment => ({
  id, record_id: 5, record_external_id: "r5", author, text, created_at: "2026-03-10T11:55:00Z",
  edited_at: null, resolved_at: null, resolved_by: null, ...extra });

const TASK: Task = { id: 3, name: "sentiment", kind: "classification", target_attribute: "text", auto_run: false,
  guidelines: "", labels: [{ id: 1, name: "positive", color: "#2f9e44", hotkey: null },
    { id: 2, name: "negative", color: "#e03131", hotkey: null }] };

/** A project whose record 5 has a thread; ``user`` signed in with ``role`` (admin: owner). */
function server({ user = "ann", role = "annotator" as Role, thread = [] as RecordComment[],
  refuse = null as string | null, labels = TASK.labels, members = [] as Member[] } = {}) {
  let comments = [...thread];
  let next = 100;
  const writes: Write[] = [];
  const events = fakeEvents();
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    const path = new URL(url, "http://heurist").pathname.replace("/api/v1", "");
    if (method !== "GET") writes.push({ method, path, body });
    if (path === "/projects/1/events") {
      return events.response();
    }
    if (path === "/me") return json({ name: user, is_admin: user === "admin" });
    if (path === "/projects/1/members") return json([...(user === "admin" ? [] : [{ user, role }]), ...members]);
    if (path === "/projects/1/tasks") return json({ data: [{ ...TASK, labels }], count: 1 });
    if (path === "/projects/1/attributes") return json([]);
    if (["/projects/1/heuristics", "/projects/1/filters", "/projects/1/embeddings"].includes(path)) return json({ data: [], count: 0 });
    if (path === "/projects/1/records") return json({ data: [{ id: 5, external_id: "r5", data: { text: "great phone" } }], count: 1 });
    if (path === "/projects/1/records/5/comments" && method === "POST") {
      if (refuse) return json({ detail: refuse }, 422);
      const made = comment(next++, user, body.text, { created_at: new Date(NOW).toISOString() });
      comments = [...comments, made];
      return json(made, 201);
    }
    if (path === "/projects/1/records/5/comments") return json({ data: comments, count: comments.length });
    const one = path.match(/^\/projects\/1\/comments\/(\d+)$/);
    if (one && method === "PATCH") {
      const id = Number(one[1]);
      comments = comments.map((c) => (c.id !== id ? c : { ...c,
        ...(body.text !== undefined ? { text: body.text, edited_at: new Date(NOW).toISOString() } : {}),
        ...(body.resolved === true ? { resolved_at: new Date(NOW).toISOString(), resolved_by: user } : {}),
        ...(body.resolved === false ? { resolved_at: null, resolved_by: null } : {}) }));
      return json(comments.find((c) => c.id === id));
    }
    if (one && method === "DELETE") {
      comments = comments.filter((c) => c.id !== Number(one[1]));
      return new Response(null, { status: 204 });
    }
    if (path === "/projects/1/records/5/votes") return json({ votes: [], weak_labels: [], weak_run_id: null });
    if (path === "/projects/1/records/5") {
      const detail: RecordDetail = { id: 5, external_id: "r5", data: { text: "great phone" }, tokens: [],
        tasks: [{ task_id: 3, task: "sentiment", reference: null, reviewed_by: [], manual_labels: [] }] };
      return json(detail);
    }
    return json({ detail: "not here" }, 404);
  });
  return {
    fetch, writes,
    /** someone else comments: stored, and the event sent */
    commentElsewhere(author: string, text: string) {
      const made = comment(next++, author, text);
      comments = [...comments, made];
      events.send("comments.changed", { record_id: 5, comment_id: made.id }, 7);
    },
  };
}

function renderWith(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

const panel = () => <CommentsPanel projectId={1} recordId={5} />;
const itemBy = async (author: string) => screen.findByRole("listitem", { name: `comment by ${author}` });
const box = () => screen.getByRole("textbox", { name: "New comment" });
const dialogOf = (title: string) => within(screen.getByText(title).closest("dialog")!);

beforeEach(() => { vi.spyOn(Date, "now").mockReturnValue(NOW); });

describe("relativeTime", () => {
  it("says how long ago, then the date", () => {
    expect(relativeTime("2026-03-10T11:59:40Z", NOW)).toBe("just now");
    expect(relativeTime("2026-03-10T11:55:00Z", NOW)).toBe("5 min ago");
    expect(relativeTime("2026-03-10T09:00:00Z", NOW)).toBe("3 h ago");
    expect(relativeTime("2026-03-09T09:00:00Z", NOW)).toBe("yesterday");
    expect(relativeTime("2026-03-06T09:00:00Z", NOW)).toBe("4 days ago");
    expect(relativeTime("2026-01-02T09:00:00Z", NOW)).toMatch(/Jan|2/);
  });
});

describe("a record's comments", () => {
  it("shows each comment as typed: author, when, edited, markup as text, links; resolved ones folded", async () => {
    vi.stubGlobal("fetch", server({ thread: [
      comment(1, "ann", MARKUP, { edited_at: "2026-03-10T11:58:00Z" }),
      comment(2, "admin", "Yes, sarcasm: negative.\nSee the guidelines.", { resolved_at: "2026-03-10T11:59:00Z", resolved_by: "bob" }),
    ] }).fetch);
    renderWith(panel());
    const first = await itemBy("ann");
    const text = first.querySelector(".comment-text")!;
    expect(text.textContent).toBe(MARKUP);   // line breaks kept (pre-wrap), nothing read as markup
    for (const tag of ["b", "script", "img"]) expect(text.querySelector(tag)).toBeNull();
    const link = within(first).getByRole("link", { name: "https://example.org/faq" });
    expect(link).toHaveAttribute("target", "_blank");
    expect(link).toHaveAttribute("rel", "noopener noreferrer");
    const time = first.querySelector("time")!;
    expect(time).toHaveTextContent("5 min ago");
    expect(time).toHaveAttribute("title", new Date("2026-03-10T11:55:00Z").toLocaleString());
    expect(first).toHaveTextContent("edited");

    // resolved: dimmed, who resolved it, folded to its first line until shown
    const second = await itemBy("admin");
    expect(second).toHaveClass("resolved");
    expect(second).toHaveTextContent("resolved by bob");
    expect(second.querySelector(".comment-line")).toHaveTextContent("Yes, sarcasm: negative.");
    expect(second).not.toHaveTextContent("See the guidelines.");
    fireEvent.click(within(second).getByRole("button", { name: "Show comment" }));
    expect(second.querySelector(".comment-text")!.textContent).toBe("Yes, sarcasm: negative.\nSee the guidelines.");
    expect(screen.getByRole("region", { name: "comments" })).toHaveTextContent("1 open");
  });

  it("sends a comment with Ctrl+Enter; what was typed outlives a reload until it is sent", async () => {
    const fake = server();
    vi.stubGlobal("fetch", fake.fetch);
    const first = renderWith(panel());
    expect(await screen.findByText("No comments on this record yet.")).toBeInTheDocument();
    fireEvent.change(box(), { target: { value: "Cut off?\nThe text ends mid-word." } });
    first.unmount();

    renderWith(panel());   // the page again (a reload): the draft is back
    await screen.findByText("No comments on this record yet.");
    expect(box()).toHaveValue("Cut off?\nThe text ends mid-word.");
    fireEvent.keyDown(box(), { key: "Enter", ctrlKey: true });
    const mine = await itemBy("ann");
    expect(mine.querySelector(".comment-text")!.textContent).toBe("Cut off?\nThe text ends mid-word.");
    expect(fake.writes).toEqual([{ method: "POST", path: "/projects/1/records/5/comments",
      body: { text: "Cut off?\nThe text ends mid-word." } }]);
    await waitFor(() => expect(box()).toHaveValue(""));
    expect(sessionStorage.length).toBe(0);
    // blank text is not sent
    fireEvent.change(box(), { target: { value: "  \n " } });
    fireEvent.keyDown(box(), { key: "Enter", ctrlKey: true });
    expect(screen.getByRole("button", { name: "Comment" })).toBeDisabled();
    expect(fake.writes).toHaveLength(1);
  });

  it("shows the server's refusal in place and keeps the text", async () => {
    vi.stubGlobal("fetch", server({ refuse: "String should have at most 10000 characters" }).fetch);
    renderWith(panel());
    await screen.findByText("No comments on this record yet.");
    fireEvent.change(box(), { target: { value: "Too long, say" } });
    fireEvent.click(screen.getByRole("button", { name: "Comment" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("String should have at most 10000 characters");
    expect(box()).toHaveValue("Too long, say");
    expect(box()).toHaveAttribute("aria-invalid", "true");
    fireEvent.change(box(), { target: { value: "Too long, say!" } });   // typing clears the refusal
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("lets authors edit their own comments, authors and owners resolve and delete, viewers read", async () => {
    const thread = [comment(1, "ann", "Mine"), comment(2, "admin", "The owner's")];
    vi.stubGlobal("fetch", server({ user: "ann", thread }).fetch);
    const annotator = renderWith(panel());
    const mine = await itemBy("ann");
    for (const name of ["Edit", "Resolve", "Delete"]) expect(within(mine).getByRole("button", { name })).toBeInTheDocument();
    expect(within(await itemBy("admin")).queryAllByRole("button")).toHaveLength(0);
    annotator.unmount();

    vi.stubGlobal("fetch", server({ user: "admin", thread }).fetch);
    const owner = renderWith(panel());
    const theirs = await itemBy("ann");
    expect(within(theirs).queryByRole("button", { name: "Edit" })).toBeNull();   // owners do not rewrite
    expect(within(theirs).getByRole("button", { name: "Resolve" })).toBeInTheDocument();
    expect(within(theirs).getByRole("button", { name: "Delete" })).toBeInTheDocument();
    expect(within(await itemBy("admin")).getByRole("button", { name: "Edit" })).toBeInTheDocument();
    owner.unmount();

    vi.stubGlobal("fetch", server({ user: "vic", role: "viewer", thread }).fetch);
    renderWith(panel());
    await itemBy("ann");
    expect(await screen.findByText("Annotators and owners write comments; you read them.")).toBeInTheDocument();
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.queryByRole("button", { name: /Edit|Resolve|Delete/ })).toBeNull();
  });

  it("edits inline, resolves and reopens, deletes after a confirmation", async () => {
    const fake = server({ user: "ann", thread: [comment(1, "ann", "Spam?")] });
    vi.stubGlobal("fetch", fake.fetch);
    renderWith(panel());
    const mine = await itemBy("ann");
    fireEvent.click(within(mine).getByRole("button", { name: "Edit" }));
    const editor = within(mine).getByRole("textbox", { name: "Edit comment" });
    expect(editor).toHaveValue("Spam?");
    fireEvent.change(editor, { target: { value: "Spam, or a real complaint?" } });
    fireEvent.keyDown(editor, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(within(mine).queryByRole("textbox")).toBeNull());
    expect(mine.querySelector(".comment-text")).toHaveTextContent("Spam, or a real complaint?");
    expect(mine).toHaveTextContent("edited");

    fireEvent.click(within(mine).getByRole("button", { name: "Resolve" }));
    await waitFor(() => expect(mine).toHaveTextContent("resolved by ann"));
    fireEvent.click(within(mine).getByRole("button", { name: "Show comment" }));
    fireEvent.click(within(mine).getByRole("button", { name: "Reopen" }));
    await waitFor(() => expect(mine).not.toHaveClass("resolved"));

    fireEvent.click(within(mine).getByRole("button", { name: "Delete" }));
    const confirm = dialogOf("Delete comment");
    expect(confirm.getByText("Delete your comment? It cannot be undone.")).toBeInTheDocument();
    expect(fake.writes.filter((w) => w.method === "DELETE")).toHaveLength(0);
    fireEvent.click(confirm.getByRole("button", { name: "Delete", hidden: true }));
    expect(await screen.findByText("No comments on this record yet.")).toBeInTheDocument();
    expect(fake.writes.map((w) => [w.method, w.path, w.body])).toEqual([
      ["PATCH", "/projects/1/comments/1", { text: "Spam, or a real complaint?" }],
      ["PATCH", "/projects/1/comments/1", { resolved: true }],
      ["PATCH", "/projects/1/comments/1", { resolved: false }],
      ["DELETE", "/projects/1/comments/1", null]]);
  });

  it("follows comments made elsewhere on the record's page", async () => {
    const fake = server({ user: "admin", thread: [comment(1, "ann", "Sarcasm?")] });
    vi.stubGlobal("fetch", fake.fetch);
    window.history.replaceState(null, "", "/projects/1/records/5");
    renderWith(<RecordPage projectId={1} recordId={5} />);
    await itemBy("ann");
    await waitFor(() => expect(fake.fetch.mock.calls.some(([url]) => String(url).endsWith("/events"))).toBe(true));
    act(() => fake.commentElsewhere("bob", "I think so too."));
    expect((await itemBy("bob")).querySelector(".comment-text")).toHaveTextContent("I think so too.");
  });
});

describe("comments while labeling", () => {
  const openLabeling = () => {
    window.history.replaceState(null, "", "/projects/1/label");
    return renderWith(<Labeling projectId={1} />);
  };

  it("C opens the panel with the cursor in the box; what is typed there never labels", async () => {
    const fake = server({ thread: [comment(1, "admin", "Look at the last sentence.")] });
    vi.stubGlobal("fetch", fake.fetch);
    openLabeling();
    await screen.findByText("great phone");
    const toggle = await screen.findByRole("button", { name: /^Comments \(1\)/ });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(screen.getByLabelText("keyboard")).toHaveTextContent("comment on the record");
    fireEvent.keyDown(window, { key: "c" });
    expect(await screen.findByRole("region", { name: "comments" })).toBeInTheDocument();
    await waitFor(() => expect(box()).toHaveFocus());
    expect(localStorage.getItem(commentsPanelKey(1, "ann"))).toBe("open");

    // keys typed in the box are text: no label, no record skipped
    for (const key of ["1", "2", "u", "g", "?", "c", "ArrowRight", "Enter", "Delete"]) {
      fireEvent.keyDown(box(), { key });
    }
    fireEvent.change(box(), { target: { value: "Is 1 negative?" } });
    fireEvent.keyDown(box(), { key: "Enter", ctrlKey: true });
    await itemBy("ann");
    expect(fake.writes).toEqual([{ method: "POST", path: "/projects/1/records/5/comments", body: { text: "Is 1 negative?" } }]);
    fireEvent.keyDown(box(), { key: "Escape" });
    expect(box()).not.toHaveFocus();

    // another member's comment arrives as it is made
    act(() => fake.commentElsewhere("admin", "Yes, negative."));
    await waitFor(() => expect(screen.getAllByRole("listitem", { name: "comment by admin" })).toHaveLength(2));
    expect(toggle).toHaveTextContent("Comments (3)");
    fireEvent.click(screen.getByRole("button", { name: "Hide comments" }));
    expect(screen.queryByRole("region", { name: "comments" })).toBeNull();
    expect(localStorage.getItem(commentsPanelKey(1, "ann"))).toBe("closed");
  });

  it("leaves C to a label whose own hotkey it is", async () => {
    const fake = server({ labels: [{ id: 1, name: "positive", color: "#2f9e44", hotkey: "c" },
      { id: 2, name: "negative", color: "#e03131", hotkey: null }] });
    vi.stubGlobal("fetch", fake.fetch);
    openLabeling();
    await screen.findByText("great phone");
    expect(screen.getByLabelText("keyboard")).not.toHaveTextContent("comment on the record");
    fireEvent.keyDown(window, { key: "c" });
    await waitFor(() => expect(fake.writes).toEqual([{ method: "POST", path: "/projects/1/records/5/labels",
      body: { task_id: 3, label: "positive" } }]));
    expect(screen.queryByRole("region", { name: "comments" })).toBeNull();
  });
});

describe("mentions", () => {
  const MEMBERS: Member[] = [{ user: "bob", role: "annotator" }, { user: "Bea Lee", role: "owner" },
    { user: "beth", role: "viewer" }, { user: "carl", role: "annotator" }];
  const list = () => screen.queryByRole("listbox", { name: "Members to mention" });
  const options = () => within(list()!).getAllByRole("option").map((o) => o.textContent);
  /** what is typed, the caret after it (as a browser leaves it) */
  const type = (value: string) => fireEvent.change(box(), { target: { value } });

  it("offers the members whose names start with what follows @; the arrows move, Enter and Tab take one", async () => {
    const fake = server({ members: MEMBERS });
    vi.stubGlobal("fetch", fake.fetch);
    renderWith(panel());
    await screen.findByText("No comments on this record yet.");
    await waitFor(() => expect(fake.fetch.mock.calls.some(([url]) => String(url).endsWith("/members"))).toBe(true));
    act(() => box().focus());
    type("Is this spam? @");   // a lone @ offers nothing yet
    expect(list()).toBeNull();
    expect(box()).toHaveAttribute("aria-expanded", "false");

    type("Is this spam? @b");   // case aside, in alphabetical order, oneself left out
    await waitFor(() => expect(list()).not.toBeNull());
    expect(options()).toEqual(["@Bea Lee owner", "@beth viewer", "@bob annotator"]);
    expect(box()).toHaveAttribute("aria-expanded", "true");
    expect(box()).toHaveAttribute("aria-controls", list()!.id);
    const marked = () => within(list()!).getByRole("option", { selected: true });
    expect(box()).toHaveAttribute("aria-activedescendant", marked().id);
    expect(marked()).toHaveTextContent("@Bea Lee");
    fireEvent.keyDown(box(), { key: "ArrowDown" });
    expect(marked()).toHaveTextContent("@beth");
    expect(box()).toHaveAttribute("aria-activedescendant", marked().id);
    fireEvent.keyDown(box(), { key: "ArrowUp" });
    fireEvent.keyDown(box(), { key: "ArrowUp" });   // round to the last
    expect(marked()).toHaveTextContent("@bob");
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(box()).toHaveValue("Is this spam? @bob ");
    expect(list()).toBeNull();
    expect(box()).toHaveAttribute("aria-expanded", "false");
    expect((box() as HTMLTextAreaElement).selectionStart).toBe("Is this spam? @bob ".length);

    // further on: what was typed narrows the list; Tab takes the marked one, a name with a space
    type("Is this spam? @bob ask @BEA");
    await waitFor(() => expect(options()).toEqual(["@Bea Lee owner"]));
    fireEvent.keyDown(box(), { key: "Tab" });
    expect(box()).toHaveValue("Is this spam? @bob ask @Bea Lee ");
    // nobody by that name, an e-mail address: no list
    type("Is this spam? @bob ask @Bea Lee @zed");
    expect(list()).toBeNull();
    type("write to ann@b");
    expect(list()).toBeNull();
    // a click on a name takes it
    type("Also @c");
    fireEvent.click(await screen.findByRole("option", { name: /@carl/ }));
    expect(box()).toHaveValue("Also @carl ");
    expect(fake.writes).toEqual([]);   // Enter took a name; nothing was sent
  });

  it("Escape closes the list only; the next Escape leaves the box; Ctrl+Enter sends with the list open", async () => {
    const fake = server({ members: MEMBERS });
    vi.stubGlobal("fetch", fake.fetch);
    renderWith(panel());
    await screen.findByText("No comments on this record yet.");
    act(() => box().focus());
    await waitFor(() => { type("Ask @ca"); expect(list()).not.toBeNull(); });
    fireEvent.keyDown(box(), { key: "Escape" });
    expect(list()).toBeNull();
    expect(box()).toHaveFocus();
    type("Ask @car");   // the same mention: it stays closed
    expect(list()).toBeNull();
    fireEvent.keyDown(box(), { key: "Escape" });
    expect(box()).not.toHaveFocus();

    act(() => box().focus());
    type("Ask @carl and @b");   // a new mention opens it again
    expect(list()).not.toBeNull();
    fireEvent.keyDown(box(), { key: "Enter", ctrlKey: true });
    await itemBy("ann");
    expect(fake.writes).toEqual([{ method: "POST", path: "/projects/1/records/5/comments",
      body: { text: "Ask @carl and @b" } }]);
  });

  it("completes the name the caret is in, once", async () => {
    vi.stubGlobal("fetch", server({ members: MEMBERS }).fetch);
    renderWith(panel());
    await screen.findByText("No comments on this record yet.");
    act(() => box().focus());
    type("ask @bo is it spam?");
    expect(list()).toBeNull();   // the caret is at the end
    act(() => { (box() as HTMLTextAreaElement).setSelectionRange(6, 6); fireEvent.select(box()); });   // "@b|o"
    await waitFor(() => expect(options()).toEqual(["@Bea Lee owner", "@beth viewer", "@bob annotator"]));
    fireEvent.keyDown(box(), { key: "ArrowUp" });
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(box()).toHaveValue("ask @bob is it spam?");
    expect((box() as HTMLTextAreaElement).selectionStart).toBe("ask @bob ".length);
  });

  it("offers at most 8 members", async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ user: `user${String(i + 1).padStart(2, "0")}`, role: "annotator" as Role }));
    vi.stubGlobal("fetch", server({ members: many }).fetch);
    renderWith(panel());
    await screen.findByText("No comments on this record yet.");
    act(() => box().focus());
    await waitFor(() => { type("@us"); expect(list()).not.toBeNull(); });
    expect(options()).toHaveLength(8);
    expect(options()[0]).toBe("@user01 annotator");
  });

  it("marks the mentions of members in a comment's text, which stays text", async () => {
    const text = "@bob see @Bea Lee's note (not @bo, mail@bob, @bobby or @zed); @ann: https://example.org/@bob <b>x</b>";
    vi.stubGlobal("fetch", server({ members: MEMBERS, thread: [comment(1, "carl", text)] }).fetch);
    renderWith(panel());
    const item = await itemBy("carl");
    const shown = item.querySelector(".comment-text")!;
    await waitFor(() => expect(shown.querySelectorAll(".mention")).toHaveLength(3));
    expect(shown.textContent).toBe(text);
    expect([...shown.querySelectorAll(".mention")].map((m) => m.textContent)).toEqual(["@bob", "@Bea Lee", "@ann"]);
    expect(shown.querySelector(".mention-me")).toHaveTextContent("@ann");   // the reader's own name
    expect(shown.querySelector("b")).toBeNull();
    expect(within(item).getByRole("link", { name: "https://example.org/@bob" })).toHaveAttribute("href", "https://example.org/@bob");
  });
});

describe("mentions while labeling", () => {
  it("keys that move in the list or close it label nothing and keep the cursor in the box", async () => {
    const fake = server({ members: [{ user: "bob", role: "annotator" }] });
    vi.stubGlobal("fetch", fake.fetch);
    window.history.replaceState(null, "", "/projects/1/label");
    renderWith(<Labeling projectId={1} />);
    await screen.findByText("great phone");
    await screen.findByRole("button", { name: /^Comments/ });
    fireEvent.keyDown(window, { key: "c" });
    await waitFor(() => expect(box()).toHaveFocus());
    await waitFor(() => {
      fireEvent.change(box(), { target: { value: "1 or 2, @b" } });
      expect(screen.getByRole("listbox", { name: "Members to mention" })).toBeInTheDocument();
    });
    for (const key of ["ArrowDown", "ArrowUp", "1"]) fireEvent.keyDown(box(), { key });
    fireEvent.keyDown(box(), { key: "Escape" });
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(box()).toHaveFocus();
    fireEvent.change(box(), { target: { value: "1 or 2, @bo" } });
    fireEvent.keyDown(box(), { key: "Enter" });   // the same mention: closed, so Enter is a new line's
    fireEvent.change(box(), { target: { value: "1 or 2, @bob?\n@b" } });
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(box()).toHaveValue("1 or 2, @bob?\n@bob ");
    expect(fake.writes).toEqual([]);
  });
});
