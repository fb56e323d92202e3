/** Helpers of the component tests: a render with a fresh query cache, a JSON answer for a
 * stubbed fetch (stubs are undone after every test, see setupTests.ts), a project's event
 * stream, the data browser's menu of actions. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactElement } from "react";

export function renderWithQueries(ui: ReactElement) {
  return render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);
}

export function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), { status });
}

/** A project's event stream for a stubbed fetch: ``response()`` answers a request for it
 * (the stream stays open), ``send`` writes an event to every stream answered so far. */
export function fakeEvents() {
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  return {
    response: () => new Response(new ReadableStream<Uint8Array>({ start: (c) => { streams.push(c); } })),
    send(type: string, data: unknown, id = 1): void {
      const text = new TextEncoder().encode(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      for (const stream of streams) stream.enqueue(text);
    },
    listening: () => streams.length > 0,
  };
}

/** The data browser's "Actions" menu button (owners'), once it offers something. */
export async function actionsButton(): Promise<HTMLElement> {
  const button = await screen.findByRole("button", { name: "Actions" });
  await waitFor(() => expect(button).toBeEnabled());
  return button;
}

/** Choose ``name`` (e.g. "Delete 3 records…") in the data browser's "Actions" menu. */
export async function chooseAction(name: string | RegExp): Promise<void> {
  const button = await actionsButton();
  if (button.getAttribute("aria-expanded") !== "true") fireEvent.click(button);
  fireEvent.click(await screen.findByRole("menuitem", { name }));
}
