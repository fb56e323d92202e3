import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { json, renderWithQueries } from "../testing";
import type { LookupList } from "../types";
import { termsOf } from "../lookupLists";
import { LookupListsPage, termChanges } from "./LookupListsPage";

const MADE: LookupList = { id: 5, name: "cities", description: "", n_terms: 2, version: 1,
  follows: null, n_from_labels: 0, read_by: [], updated_at: "2026-12-07T04:00:00Z", terms: ["Paris", "Lyon"] };

/** The server: an admin (an owner), lists held in memory, every write recorded. */
function server(writes: { method: string; url: string; body: unknown }[]) {
  let lists: LookupList[] = [];
  return vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    if (method !== "GET") writes.push({ method, url, body });
    if (url.endsWith("/me")) return json({ name: "admin", is_admin: true });
    if (url.endsWith("/members")) return json([]);
    if (url.endsWith("/tasks")) {
      return json({ data: [{ id: 3, name: "ner", kind: "extraction", target_attribute: "text",
        labels: [{ id: 1, name: "LOC", color: "#00f", hotkey: null }, { id: 2, name: "PER", color: "#f00", hotkey: null }] }] });
    }
    if (url.endsWith("/labelled-terms")) {
      const terms = [...new Set([...lists[0].terms, "Oslo", "Bergen"])];
      lists = [{ ...lists[0], terms, n_terms: terms.length, version: lists[0].version + 1 }];
      return json(lists[0]);
    }
    if (url.endsWith("/lookup-lists") && method === "POST") {
      if (!/^[A-Za-z]\w*$/.test(body.name)) {
        return json({ detail: "field 'name': a lookup list's name must be a Python identifier", field: "name" }, 422);
      }
      lists = [{ ...MADE, name: body.name, terms: body.terms, n_terms: body.terms.length }];
      return json(lists[0], 201);
    }
    if (url.endsWith("/lookup-lists")) return json({ data: lists.map(({ terms: _, ...summary }) => summary), count: lists.length });
    if (url.endsWith("/lookup-lists/5") && method === "PATCH") {
      const was = lists[0];
      if ("follows" in body) {
        lists = [{ ...was, n_from_labels: body.follows ? 1 : 0, follows: body.follows
          && { task_id: body.follows.task_id, task_name: "ner", label: body.follows.label } }];
        return json(lists[0]);
      }
      const terms: string[] = body.terms ?? [...was.terms.filter((t) => !body.remove.includes(t)), ...body.add];
      lists = [{ ...was, terms, n_terms: terms.length, version: was.version + 1 }];
      return json(lists[0]);
    }
    if (url.endsWith("/lookup-lists/5")) return json(lists[0]);
    return json({ detail: "not here" }, 404);
  });
}

describe("LookupListsPage", () => {
  it("reads terms one per line, stripped, without empty lines or repeats", () => {
    expect(termsOf(" Paris \r\nLyon\n\nParis\nNew \t York\n")).toEqual(["Paris", "Lyon", "New York"]);
  });

  it("saves an edit as the terms added and removed, or all of them when only the order changed", () => {
    expect(termChanges(["Paris", "Lyon"], ["Lyon", "Nice"])).toEqual({ add: ["Nice"], remove: ["Paris"] });
    expect(termChanges(["Paris", "Lyon"], ["Lyon", "Paris"])).toEqual({ terms: ["Lyon", "Paris"] });
  });

  it("creates a list, shows its terms, saves an edit and says what the server refuses", async () => {
    const writes: { method: string; url: string; body: unknown }[] = [];
    vi.stubGlobal("fetch", server(writes));
    renderWithQueries(<LookupListsPage projectId={1} />);
    expect(await screen.findByText(/No lookup lists yet/)).toBeInTheDocument();
    const form = screen.getByRole("form", { name: "new lookup list" });
    fireEvent.change(within(form).getByLabelText("List name"), { target: { value: "2cities" } });
    fireEvent.change(within(form).getByLabelText("New list terms"), { target: { value: "Paris\n Lyon\n\nParis" } });
    expect(within(form).getByText("Terms, one per line (2)")).toBeInTheDocument();
    fireEvent.click(within(form).getByRole("button", { name: "Create list" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("must be a Python identifier");
    fireEvent.change(within(form).getByLabelText("List name"), { target: { value: "cities" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create list" }));

    const editor = await screen.findByLabelText("lookup list cities");
    expect(writes.at(-1)).toMatchObject({ method: "POST", body: { name: "cities", terms: ["Paris", "Lyon"] } });
    await waitFor(() => expect(within(editor).getByLabelText("Terms")).toHaveValue("Paris\nLyon"));
    expect(within(editor).getByText("from knowledge import cities")).toBeInTheDocument();
    expect(within(editor).getByRole("button", { name: "Saved" })).toBeDisabled();

    fireEvent.change(within(editor).getByLabelText("Terms"), { target: { value: "Paris\nLyon\nNice" } });
    expect(within(editor).getByLabelText("term count")).toHaveTextContent("3 terms (unsaved)");
    const leaving = new Event("beforeunload", { cancelable: true });
    window.dispatchEvent(leaving);
    expect(leaving.defaultPrevented).toBe(true);
    fireEvent.change(within(editor).getByLabelText("Find a term"), { target: { value: "ni" } });
    expect(within(editor).getByLabelText("found terms")).toHaveTextContent("1 found: Nice");
    fireEvent.click(within(editor).getByRole("button", { name: "Save terms" }));
    await waitFor(() => expect(within(editor).getByLabelText("term count")).toHaveTextContent("3 terms · version 2"));
    expect(writes.at(-1)).toMatchObject({ method: "PATCH", url: "/api/v1/projects/1/lookup-lists/5",
      body: { add: ["Nice"], remove: [] } });

    const saved = vi.spyOn(URL, "createObjectURL");
    fireEvent.click(within(editor).getByRole("button", { name: "Download as .txt" }));
    expect(await (saved.mock.calls[0][0] as Blob).text()).toBe("Paris\nLyon\nNice\n");

    const spans = within(editor).getByLabelText("terms from labelled spans");
    fireEvent.change(within(spans).getByLabelText("Span label"), { target: { value: "PER" } });
    fireEvent.click(within(spans).getByRole("button", { name: "Add spans" }));
    expect(await within(spans).findByRole("status")).toHaveTextContent("2 new terms added");
    expect(writes.at(-1)).toMatchObject({ method: "POST", body: { task_id: 3, label: "PER" } });
    await waitFor(() => expect(within(editor).getByLabelText("Terms")).toHaveValue("Paris\nLyon\nNice\nOslo\nBergen"));

    fireEvent.click(within(spans).getByRole("button", { name: "Follow the label" }));
    const following = await within(editor).findByLabelText("follows a label");
    expect(writes.at(-1)).toMatchObject({ method: "PATCH", body: { follows: { task_id: 3, label: "PER" } } });
    expect(following).toHaveTextContent("Follows the reference spans of PER in ner: 1 term comes from them");
    expect(within(editor).getByLabelText("term count")).toHaveTextContent("5 terms, 1 from spans · version 3");
    expect(within(editor).queryByLabelText("terms from labelled spans")).toBeNull();
    expect(await within(screen.getByRole("table", { name: "lookup lists" })).findByText("ner / PER")).toBeInTheDocument();
    fireEvent.click(within(following).getByRole("button", { name: "Stop following" }));
    await waitFor(() => expect(within(editor).queryByLabelText("follows a label")).toBeNull());
    expect(writes.at(-1)).toMatchObject({ method: "PATCH", body: { follows: null } });
  });

  it("creates a list that follows a label", async () => {
    const writes: { method: string; url: string; body: unknown }[] = [];
    vi.stubGlobal("fetch", server(writes));
    renderWithQueries(<LookupListsPage projectId={1} />);
    const form = await screen.findByRole("form", { name: "new lookup list" });
    fireEvent.change(within(form).getByLabelText("List name"), { target: { value: "places" } });
    const follow = await within(form).findByLabelText("Follow a label");
    fireEvent.change(follow, { target: { value: "3:LOC" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create list" }));
    await screen.findByLabelText("lookup list places");
    expect(writes.at(-1)).toMatchObject({ method: "POST",
      body: { name: "places", terms: [], follows: { task_id: 3, label: "LOC" } } });
  });

  it("names the labeling functions that read a list, in the table and before deleting it", async () => {
    const read = { ...MADE, read_by: [{ id: 8, name: "city_lf", task_id: 3 }, { id: 9, name: "town_lf", task_id: 3 }] };
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      if (url.endsWith("/me")) return json({ name: "admin", is_admin: true });
      if (url.endsWith("/members")) return json([]);
      if (url.endsWith("/tasks")) return json({ data: [] });
      if (url.endsWith("/lookup-lists")) return json({ data: [read], count: 1 });
      if (url.endsWith("/lookup-lists/5")) return json(read);
      return json({ detail: "not here" }, 404);
    }));
    renderWithQueries(<LookupListsPage projectId={1} />);
    const row = (await screen.findByText("cities")).closest("tr")!;
    expect(within(row).getByRole("link", { name: "city_lf" })).toHaveAttribute("href", "/projects/1/heuristics/8");
    fireEvent.click(within(row).getByRole("button", { name: "cities" }));
    const editor = await screen.findByLabelText("lookup list cities");
    fireEvent.click(within(editor).getByRole("button", { name: "Delete" }));
    expect(await screen.findByRole("note", { hidden: true })).toHaveTextContent("Read by 2 labeling functions: city_lf, town_lf.");
  });
});
