import { afterEach, describe, expect, it, vi } from "vitest";
import { subscribe, type ServerEvent } from "./events";

function streamOf(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      // left open, as the server's stream is
    },
  });
  return new Response(body, { status: 200 });
}

afterEach(() => vi.restoreAllMocks());

describe("subscribe", () => {
  it("shares one connection per project among its listeners and closes it with the last", async () => {
    const signals: AbortSignal[] = [];
    const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation(async (_url, init) => {
      signals.push((init as RequestInit).signal as AbortSignal);
      return streamOf(['id: 1\nevent: labels.changed\ndata: {"task_id": 2}\n\n']);
    });
    const first: ServerEvent[] = [];
    const second: ServerEvent[] = [];
    const stopFirst = subscribe(7, (event) => first.push(event));
    const stopSecond = subscribe(7, (event) => {
      second.push(event);
      throw new Error("a failing listener");
    });
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    await vi.waitFor(() => expect(first).toHaveLength(1));
    expect(second).toHaveLength(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(String(fetchMock.mock.calls[0][0])).toMatch(/\/projects\/7\/events$/);
    stopFirst();
    expect(signals[0].aborted).toBe(false);
    stopSecond();
    expect(signals[0].aborted).toBe(true);
    const stopAgain = subscribe(7, () => undefined);
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    stopAgain();
  });
});
