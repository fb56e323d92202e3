import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { fakeEvents, json } from "../testing";
import type { AppNotification } from "../types";
import { Inbox } from "./Inbox";

const NOW = Date.parse("2026-03-10T12:00:00Z");

const note = (id: number, extra: Partial<AppNotification> = {}): AppNotification => ({
  id, reason: "mention", created_at: "2026-03-10T11:55:00Z", read_at: null, project_id: 1,
  project_name: "YouTube spam", record_id: 17, record_external_id: "z13", comment_id: id + 100,
  author: "ann", excerpt: "@bob is this spam?", resolved: false, ...extra });

interface Write { path: string; body: unknown }

/** bob's notifications: two unread (a mention, a reply), one read. ``failing``: the server
 * fails to list them. */
function server({ failing = false } = {}) {
  let notes = [note(42, { reason: "reply", author: "carl", record_id: 18, excerpt: "I think it is.", created_at: "2026-03-10T09:00:00Z" }),
    note(41), note(30, { read_at: "2026-03-09T10:00:00Z", created_at: "2026-03-09T09:00:00Z", excerpt: "Old one", resolved: true })];
  const writes: Write[] = [];
  const asked: string[] = [];
  const events = fakeEvents();
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    const { pathname, searchParams } = new URL(url, "http://heurist");
    const path = pathname.replace("/api/v1", "");
    if (path === "/projects/1/events") {
      return events.response();
    }
    if (path === "/me/notifications" && method === "GET") {
      asked.push(searchParams.toString());
      if (failing) return json({ detail: "Notifications are unavailable." }, 503);
      const state = searchParams.get("state") ?? "unread";
      const matching = notes.filter((n) => state === "all" || n.read_at === null);
      return json({ count: matching.length, unread: notes.filter((n) => n.read_at === null).length,
        data: matching.slice(0, Number(searchParams.get("limit") ?? 50)) });
    }
    if (path === "/me/notifications/read" && method === "POST") {
      writes.push({ path, body });
      notes = notes.map((n) => (body.all || body.ids.includes(n.id) ? { ...n, read_at: n.read_at ?? new Date(NOW).toISOString() } : n));
      return json({ unread: notes.filter((n) => n.read_at === null).length });
    }
    return json({ detail: "not here" }, 404);
  });
  return {
    fetch, writes, asked,
    /** someone mentions bob: a notification, and the project's event (unless ``quiet``) */
    mention(id: number, author: string, excerpt: string, quiet = false) {
      notes = [note(id, { author, excerpt, created_at: new Date(NOW).toISOString() }), ...notes];
      if (!quiet) events.send("comments.changed", { record_id: 17, comment_id: id + 100 }, 3);
    },
  };
}

function renderInbox() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>
    <Inbox projectId={1} /><button type="button">elsewhere</button>
  </QueryClientProvider>);
}

const bell = (name: string | RegExp = /^Notifications/) => screen.getByRole("button", { name });
const panel = () => screen.getByRole("dialog", { name: "Notifications" });
const items = () => within(panel()).getAllByRole("listitem");

beforeEach(() => { vi.spyOn(Date, "now").mockReturnValue(NOW); });

describe("the notifications in the top bar", () => {
  it("counts the unread ones on the bell and lists them, newest first, each linked to its record", async () => {
    const fake = server();
    vi.stubGlobal("fetch", fake.fetch);
    renderInbox();
    const button = await screen.findByRole("button", { name: "Notifications, 2 unread" });
    expect(button.querySelector(".inbox-count")).toHaveTextContent("2");
    expect(button.querySelector("svg")).not.toBeNull();   // drawn, not an emoji
    expect(button).toHaveAttribute("aria-expanded", "false");
    expect(fake.asked[0]).toContain("state=unread");

    fireEvent.click(button);
    expect(button).toHaveAttribute("aria-expanded", "true");
    await waitFor(() => expect(items()).toHaveLength(2));
    expect(panel()).toHaveFocus();
    const [reply, mention] = items();
    expect(reply).toHaveClass("unread");
    expect(reply).toHaveTextContent("carl replied");
    expect(reply).toHaveTextContent("YouTube spam");
    expect(reply).toHaveTextContent("3 h ago");
    expect(reply).toHaveTextContent("I think it is.");
    expect(within(reply).getByRole("link")).toHaveAttribute("href", "/projects/1/records/18");
    expect(mention).toHaveTextContent("ann mentioned you");
    expect(mention).toHaveTextContent("5 min ago");
    expect(mention).toHaveTextContent("@bob is this spam?");
    expect(within(mention).getByRole("link")).toHaveAccessibleName(
      "Unread: ann mentioned you in YouTube spam, 5 min ago: @bob is this spam?");
  });

  it("marks one read as it is opened (the record's page), all at once, and shows the read ones on demand", async () => {
    const fake = server();
    vi.stubGlobal("fetch", fake.fetch);
    renderInbox();
    fireEvent.click(await screen.findByRole("button", { name: "Notifications, 2 unread" }));
    await waitFor(() => expect(items()).toHaveLength(2));
    fireEvent.click(within(items()[1]).getByRole("link"));
    expect(window.location.pathname).toBe("/projects/1/records/17");
    expect(screen.queryByRole("dialog")).toBeNull();
    await screen.findByRole("button", { name: "Notifications, 1 unread" });
    expect(fake.writes).toEqual([{ path: "/me/notifications/read", body: { ids: [41] } }]);

    fireEvent.click(bell());
    await waitFor(() => expect(items()).toHaveLength(1));
    fireEvent.click(within(panel()).getByRole("button", { name: "Mark all read" }));
    expect(await within(panel()).findByText("Nothing new.")).toBeInTheDocument();
    expect(fake.writes[1]).toEqual({ path: "/me/notifications/read", body: { all: true } });
    await waitFor(() => expect(bell()).toHaveAccessibleName("Notifications"));
    expect(bell().querySelector(".inbox-count")).toBeNull();
    expect(within(panel()).getByRole("button", { name: "Mark all read" })).toBeDisabled();

    // the read ones too: listed, not marked unread; opening a read one writes nothing
    fireEvent.click(within(panel()).getByRole("checkbox", { name: "Show read ones too" }));
    await waitFor(() => expect(items()).toHaveLength(3));
    expect(fake.asked.at(-1)).toContain("state=all");
    for (const item of items()) expect(item).not.toHaveClass("unread");
    expect(items()[2]).toHaveTextContent("Old one");
    expect(items()[2]).toHaveTextContent("resolved");
    fireEvent.click(within(items()[2]).getByRole("link"));
    expect(window.location.pathname).toBe("/projects/1/records/17");
    expect(fake.writes).toHaveLength(2);
  });

  it("closes with Escape (focus back on the bell) and with a click elsewhere", async () => {
    vi.stubGlobal("fetch", server().fetch);
    renderInbox();
    fireEvent.click(await screen.findByRole("button", { name: "Notifications, 2 unread" }));
    await waitFor(() => expect(items()).toHaveLength(2));
    fireEvent.keyDown(panel(), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(bell()).toHaveFocus();
    expect(bell()).toHaveAttribute("aria-expanded", "false");

    fireEvent.click(bell());
    expect(panel()).toBeInTheDocument();
    fireEvent.mouseDown(panel());   // inside: stays
    expect(panel()).toBeInTheDocument();
    fireEvent.mouseDown(screen.getByRole("button", { name: "elsewhere" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("reads them again when a comment changes in the open project", async () => {
    const fake = server();
    vi.stubGlobal("fetch", fake.fetch);
    renderInbox();
    await screen.findByRole("button", { name: "Notifications, 2 unread" });
    await waitFor(() => expect(fake.fetch.mock.calls.some(([url]) => String(url).endsWith("/events"))).toBe(true));
    act(() => fake.mention(50, "dora", "@bob have a look"));
    await screen.findByRole("button", { name: "Notifications, 3 unread" });
    fireEvent.click(bell());
    await waitFor(() => expect(items()).toHaveLength(3));
    expect(items()[0]).toHaveTextContent("dora mentioned you");
  });

  it("reads them again every 30 s", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const fake = server();
      vi.stubGlobal("fetch", fake.fetch);
      renderInbox();
      await screen.findByRole("button", { name: "Notifications, 2 unread" });
      const before = fake.asked.length;
      fake.mention(51, "dora", "@bob and another", true);   // no event: the poll finds it
      act(() => { vi.advanceTimersByTime(29_000); });
      expect(fake.asked).toHaveLength(before);
      act(() => { vi.advanceTimersByTime(1_000); });
      await screen.findByRole("button", { name: "Notifications, 3 unread" });
      expect(fake.asked).toHaveLength(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("says why they cannot be listed", async () => {
    vi.stubGlobal("fetch", server({ failing: true }).fetch);
    renderInbox();
    fireEvent.click(bell());
    expect(await within(panel()).findByRole("alert")).toHaveTextContent("Notifications are unavailable.");
    expect(bell()).toHaveAccessibleName("Notifications");
  });
});
