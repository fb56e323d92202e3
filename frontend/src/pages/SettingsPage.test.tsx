import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { fakeEvents, json } from "../testing";
import type { Task } from "../types";
import { SettingsPage } from "./SettingsPage";

const task = (): Task => ({ id: 3, name: "sentiment", kind: "classification", target_attribute: null, auto_run: false,
  guidelines: "", guidelines_revision: 0, labels: [{ id: 1, name: "positive", color: "#2f9e44", hotkey: null, description: "" },
    { id: 2, name: "negative", color: "#e03131", hotkey: null, description: "Unhappy with the product." }] });

type Write = { method: string; path: string; body: Record<string, unknown> };

/** The API of one project with one task, edited as the server edits it (new guidelines are a
 * new revision; a save naming another revision than the stored one is refused with a 409);
 * ``refuse`` answers the next PATCH with a 422 instead, and ``hold`` keeps PATCHes waiting
 * until ``release``. */
function server({ member }: { member?: { user: string; role: string } } = {}) {
  const stored = task();
  const writes: Write[] = [];
  const events = fakeEvents();
  let refuse: string | null = null;
  let held: (() => void)[] | null = null;
  const save = (change: Partial<Task>) => {
    if (change.guidelines !== undefined && change.guidelines !== stored.guidelines) stored.guidelines_revision! += 1;
    Object.assign(stored, change);
  };
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    const path = new URL(url, "http://heurist").pathname.replace("/api/v1", "");
    if (method !== "GET") {
      writes.push({ method, path, body });
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      if (refuse) {
        const detail = refuse;
        refuse = null;
        return json({ detail, field: "guidelines", row: null }, 422);
      }
    }
    if (path === "/projects/1/events") return events.response();
    if (path === "/me") return json(member ? { name: member.user, is_admin: false } : { name: "admin", is_admin: true });
    if (path === "/projects/1/members") return json(member ? [member] : []);
    if (path === "/projects/1/attributes") return json([]);
    if (path === "/projects/1/tasks") return json({ data: [stored], count: 1 });
    if (path === "/projects/1/tasks/3" && method === "PATCH") {
      const { guidelines_revision: revision, ...change } = body;
      if (revision !== undefined && revision !== stored.guidelines_revision) {
        return json({ detail: `the guidelines were changed by someone else since you opened them (revision ${stored.guidelines_revision} now)`,
          field: "guidelines_revision", row: null }, 409);
      }
      save(change);
      return json(stored);
    }
    const label = path.match(/^\/projects\/1\/tasks\/3\/labels\/(\d+)$/);
    if (label && method === "PATCH") {
      const found = stored.labels.find((l) => l.id === Number(label[1]))!;
      Object.assign(found, body);
      return json(found);
    }
    return json({ detail: "not here" }, 404);
  });
  return {
    fetch, writes, stored,
    refuse(detail: string) { refuse = detail; },
    /** Another owner's change (a new revision of new guidelines), made without a word. */
    saveElsewhere: save,
    /** Another owner's change, as the server announces it. */
    changed(change: Partial<Task>) {
      save(change);
      events.send("task.changed", { task_id: 3 });
    },
    hold() { held = []; },
    release() { for (const resolve of held ?? []) resolve(); held = null; },
  };
}

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return { client, ...render(<QueryClientProvider client={client}><SettingsPage projectId={1} /></QueryClientProvider>) };
}

const guidelinesBox = () => within(screen.getByLabelText("guidelines of sentiment"));
const area = () => screen.getByLabelText("Guidelines of sentiment") as HTMLTextAreaElement;

describe("a task's guidelines on the Tasks page", () => {
  it("are written and saved by an owner, with the save's progress", async () => {
    const api = server();
    vi.stubGlobal("fetch", api.fetch);
    renderPage();
    await screen.findByLabelText("Guidelines of sentiment");
    expect(guidelinesBox().getByRole("button", { name: "Save guidelines" })).toBeDisabled();
    const text = "Label the review as a whole.\nSee https://example.org/guide for examples.";
    fireEvent.change(area(), { target: { value: text } });
    api.hold();
    fireEvent.click(guidelinesBox().getByRole("button", { name: "Save guidelines" }));
    await waitFor(() => expect(guidelinesBox().getByRole("button", { name: "Saving…" })).toBeDisabled());
    expect(sessionStorage.getItem("heurist.draft.1.guidelines-3")).toContain("Label the review");  // safe until saved
    api.release();
    await waitFor(() => expect(guidelinesBox().getByRole("button", { name: "Saved" })).toBeDisabled());
    // sent with the revision it was written on
    expect(api.writes).toEqual([{ method: "PATCH", path: "/projects/1/tasks/3", body: { guidelines: text, guidelines_revision: 0 } }]);
    expect(api.stored.guidelines_revision).toBe(1);
    expect(area()).toHaveValue(text);
    expect(sessionStorage.getItem("heurist.draft.1.guidelines-3")).toBeNull();

    // the preview shows them as annotators will: the URL a link
    fireEvent.click(guidelinesBox().getByRole("button", { name: "Preview" }));
    const link = within(screen.getByLabelText("preview")).getByRole("link", { name: "https://example.org/guide" });
    expect(link).toHaveAttribute("href", "https://example.org/guide");

    // Ctrl+Enter saves too, and clearing them is a save of ""
    fireEvent.change(area(), { target: { value: "" } });
    fireEvent.keyDown(area(), { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(api.stored.guidelines).toBe(""));
    expect(api.writes[1].body).toEqual({ guidelines: "", guidelines_revision: 1 });
  });

  it("shows the server's refusal in place and keeps what was typed", async () => {
    const api = server();
    vi.stubGlobal("fetch", api.fetch);
    renderPage();
    await screen.findByLabelText("Guidelines of sentiment");
    fireEvent.change(area(), { target: { value: "far too long" } });
    api.refuse("field 'guidelines': String should have at most 100000 characters");
    fireEvent.click(guidelinesBox().getByRole("button", { name: "Save guidelines" }));
    expect(await guidelinesBox().findByRole("alert")).toHaveTextContent(
      "field 'guidelines': String should have at most 100000 characters");
    expect(area()).toHaveValue("far too long");
    expect(area()).toHaveAttribute("aria-invalid", "true");
    expect(guidelinesBox().getByRole("button", { name: "Save guidelines" })).toBeEnabled();
    expect(api.stored.guidelines).toBe("");
    // typing again clears the message; the next save goes through
    fireEvent.change(area(), { target: { value: "shorter" } });
    expect(guidelinesBox().queryByRole("alert")).toBeNull();
    fireEvent.click(guidelinesBox().getByRole("button", { name: "Save guidelines" }));
    await waitFor(() => expect(api.stored.guidelines).toBe("shorter"));
  });

  it("keeps unsaved guidelines through a reload, with Discard", async () => {
    const api = server();
    api.stored.guidelines = "Saved ones.";
    vi.stubGlobal("fetch", api.fetch);
    const first = renderPage();
    await waitFor(() => expect(area()).toHaveValue("Saved ones."));
    fireEvent.change(area(), { target: { value: "Saved ones.\nAnd a new rule." } });
    first.unmount();   // the page left (or reloaded) unsaved

    renderPage();
    await waitFor(() => expect(area()).toHaveValue("Saved ones.\nAnd a new rule."));
    const notice = screen.getByLabelText("unsaved guidelines");
    expect(notice).toHaveTextContent(/Unsaved guidelines from .* restored\./);
    fireEvent.click(within(notice).getByRole("button", { name: "Discard" }));
    expect(area()).toHaveValue("Saved ones.");
    expect(screen.queryByLabelText("unsaved guidelines")).toBeNull();
    expect(sessionStorage.getItem("heurist.draft.1.guidelines-3")).toBeNull();
    expect(api.writes).toEqual([]);
  });

  it("are in focus when the labeling page's link names the task", async () => {
    vi.stubGlobal("fetch", server().fetch);
    window.history.replaceState(null, "", "/projects/1/settings?task=3");
    renderPage();
    await waitFor(() => expect(area()).toHaveFocus());
  });

  it("says when another owner saved them while these were typed, and keeps what was typed", async () => {
    const api = server();
    api.saveElsewhere({ guidelines: "First version." });
    vi.stubGlobal("fetch", api.fetch);
    renderPage();
    await waitFor(() => expect(area()).toHaveValue("First version."));
    fireEvent.change(area(), { target: { value: "First version, mine." } });
    api.changed({ guidelines: "Theirs." });   // saved elsewhere, announced
    const notice = await screen.findByLabelText("saved meanwhile");
    expect(notice).toHaveTextContent("Another owner saved these guidelines meanwhile (revision 2 now). "
      + "Your unsaved text is kept here until you choose");
    expect(notice).toHaveAttribute("role", "alert");
    expect(area()).toHaveValue("First version, mine.");
    // one notice, no other word: Save waits for the choice
    expect(screen.queryByLabelText("unsaved guidelines")).toBeNull();
    expect(guidelinesBox().getByRole("button", { name: "Save guidelines" })).toBeDisabled();
    expect(guidelinesBox().queryByRole("button", { name: "Discard changes" })).toBeNull();
    fireEvent.click(within(notice).getByRole("button", { name: "Load their version" }));
    expect(area()).toHaveValue("Theirs.");
    expect(screen.queryByLabelText("saved meanwhile")).toBeNull();
    expect(sessionStorage.getItem("heurist.draft.1.guidelines-3")).toBeNull();

    // one's own save is no one else's
    fireEvent.change(area(), { target: { value: "Theirs, and mine." } });
    fireEvent.click(guidelinesBox().getByRole("button", { name: "Save guidelines" }));
    await waitFor(() => expect(guidelinesBox().getByRole("button", { name: "Saved" })).toBeDisabled());
    expect(screen.queryByLabelText("saved meanwhile")).toBeNull();
    expect(api.writes.at(-1)?.body).toEqual({ guidelines: "Theirs, and mine.", guidelines_revision: 2 });
    expect(api.stored).toMatchObject({ guidelines: "Theirs, and mine.", guidelines_revision: 3 });
  });

  it("are not saved over another owner's save unheard of: the refusal is said, and the text kept on their version on request", async () => {
    const api = server();
    api.saveElsewhere({ guidelines: "First version." });
    vi.stubGlobal("fetch", api.fetch);
    renderPage();
    await waitFor(() => expect(area()).toHaveValue("First version."));
    fireEvent.change(area(), { target: { value: "Mine." } });
    api.saveElsewhere({ guidelines: "Theirs." });   // no word of it reaches this page
    fireEvent.click(guidelinesBox().getByRole("button", { name: "Save guidelines" }));
    // refused: said in one notice, the text kept; their version is read, and named
    const notice = await screen.findByLabelText("saved meanwhile");
    await waitFor(() => expect(notice).toHaveTextContent("Another owner saved these guidelines meanwhile (revision 2 now)."));
    expect(area()).toHaveValue("Mine.");
    expect(area()).not.toHaveAttribute("aria-invalid");
    expect(guidelinesBox().getAllByRole("alert")).toEqual([notice]);
    expect(api.stored.guidelines).toBe("Theirs.");
    expect(api.writes.map((w) => w.body)).toEqual([{ guidelines: "Mine.", guidelines_revision: 1 }]);
    // typing on keeps the choice to make
    fireEvent.change(area(), { target: { value: "Mine, and more." } });
    expect(screen.getByLabelText("saved meanwhile")).toBeInTheDocument();
    expect(guidelinesBox().getByRole("button", { name: "Save guidelines" })).toBeDisabled();

    // kept on their version: the next save replaces theirs
    fireEvent.click(within(notice).getByRole("button", { name: "Keep my changes on their version" }));
    expect(screen.queryByLabelText("saved meanwhile")).toBeNull();
    expect(area()).toHaveValue("Mine, and more.");
    expect(JSON.parse(sessionStorage.getItem("heurist.draft.1.guidelines-3")!).revision).toBe(2);
    fireEvent.click(guidelinesBox().getByRole("button", { name: "Save guidelines" }));
    await waitFor(() => expect(guidelinesBox().getByRole("button", { name: "Saved" })).toBeDisabled());
    expect(api.writes.at(-1)?.body).toEqual({ guidelines: "Mine, and more.", guidelines_revision: 2 });
    expect(api.stored).toMatchObject({ guidelines: "Mine, and more.", guidelines_revision: 3 });
  });

  it("say so when unsaved text restored after a reload was written on an older revision", async () => {
    const api = server();
    api.saveElsewhere({ guidelines: "First version." });
    vi.stubGlobal("fetch", api.fetch);
    const first = renderPage();
    await waitFor(() => expect(area()).toHaveValue("First version."));
    fireEvent.change(area(), { target: { value: "First version, mine." } });
    first.unmount();
    api.saveElsewhere({ guidelines: "Theirs." });   // while this page was away

    renderPage();
    const notice = await screen.findByLabelText("saved meanwhile");
    await waitFor(() => expect(area()).toHaveValue("First version, mine."));
    expect(notice).toHaveTextContent("(revision 2 now)");
    fireEvent.click(within(notice).getByRole("button", { name: "Load their version" }));
    expect(area()).toHaveValue("Theirs.");
    expect(screen.queryByLabelText("saved meanwhile")).toBeNull();
    expect(screen.queryByLabelText("unsaved guidelines")).toBeNull();
    expect(api.writes).toEqual([]);
  });

  it("are read, not edited, by annotators, links and all", async () => {
    const api = server({ member: { user: "ann", role: "annotator" } });
    api.stored.guidelines = "Read https://example.org/a.\n<script>alert(1)</script>";
    vi.stubGlobal("fetch", api.fetch);
    renderPage();
    const box = await screen.findByLabelText("guidelines of sentiment");
    await waitFor(() => expect(box).toHaveTextContent("<script>alert(1)</script>"));
    expect(within(box).getByRole("link", { name: "https://example.org/a" })).toHaveAttribute("href", "https://example.org/a");
    expect(box.querySelector("script")).toBeNull();
    expect(screen.queryByLabelText("Guidelines of sentiment")).toBeNull();
    expect(screen.queryByLabelText("Description of negative")).toBeNull();
    expect(screen.getByRole("row", { name: /negative/ })).toHaveTextContent("Unhappy with the product.");
  });
});

it("shows another owner's change as it is announced", async () => {
  const api = server({ member: { user: "ann", role: "annotator" } });
  vi.stubGlobal("fetch", api.fetch);
  renderPage();
  await screen.findByRole("row", { name: /negative/ });
  api.changed({ guidelines: "New: judge the whole review." });
  const box = await screen.findByLabelText("guidelines of sentiment");
  await waitFor(() => expect(box).toHaveTextContent("New: judge the whole review."));
});

describe("a label's description on the Tasks page", () => {
  it("is saved when the field is left, and the server's refusal shows beside it", async () => {
    const api = server();
    vi.stubGlobal("fetch", api.fetch);
    renderPage();
    const field = await screen.findByLabelText("Description of positive");
    expect(screen.getByLabelText("Description of negative")).toHaveValue("Unhappy with the product.");
    fireEvent.change(field, { target: { value: "Happy with it overall." } });
    fireEvent.blur(field);
    await waitFor(() => expect(api.stored.labels[0].description).toBe("Happy with it overall."));
    expect(api.writes).toEqual([{ method: "PATCH", path: "/projects/1/tasks/3/labels/1", body: { description: "Happy with it overall." } }]);
    await waitFor(() => expect(screen.queryByLabelText("description of positive unsaved")).toBeNull());

    // refused: said under the field, what was typed stays; Save sends it again
    fireEvent.change(field, { target: { value: "x".repeat(20) } });
    api.refuse("field 'description': String should have at most 10000 characters");
    fireEvent.click(within(screen.getByLabelText("description of positive unsaved")).getByRole("button", { name: "Save" }));
    const row = within(screen.getByRole("row", { name: /positive/ }));
    expect(await row.findByRole("alert")).toHaveTextContent("String should have at most 10000 characters");
    expect(field).toHaveValue("x".repeat(20));
    expect(field).toHaveAttribute("aria-invalid", "true");
    // Escape puts the saved description back
    fireEvent.keyDown(field, { key: "Escape" });
    expect(field).toHaveValue("Happy with it overall.");
    expect(row.queryByRole("alert")).toBeNull();
    expect(api.writes).toHaveLength(2);
  });
});
