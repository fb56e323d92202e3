/** The project's Server-Sent Events, read over fetch (EventSource cannot send the API key);
 * reconnects with Last-Event-ID so nothing is missed. */
import { useEffect, useRef } from "react";
import { API, storedKey } from "./api";

export interface ServerEvent { id: number; type: string; data: Record<string, unknown> }

export function parseEvents(buffer: string): { events: ServerEvent[]; rest: string } {
  const events: ServerEvent[] = [];
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let id = 0;
    let type = "message";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = Number(line.slice(4));
      else if (line.startsWith("event: ")) type = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (data) {
      try {
        events.push({ id, type, data: JSON.parse(data) });
      } catch {
        /* a malformed event is skipped */
      }
    }
  }
  return { events, rest };
}

export function useProjectEvents(projectId: number, onEvent: (event: ServerEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const controller = new AbortController();
    let lastId: number | null = null;
    async function connect(): Promise<void> {
      while (!controller.signal.aborted) {
        try {
          const headers: Record<string, string> = { Authorization: `Bearer ${storedKey()}` };
          if (lastId !== null) headers["Last-Event-ID"] = String(lastId);
          const response = await fetch(`${API}/projects/${projectId}/events`,
            { headers, signal: controller.signal });
          if (!response.ok || !response.body) throw new Error(String(response.status));
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const parsed = parseEvents(buffer + value);
            buffer = parsed.rest;
            for (const event of parsed.events) {
              lastId = event.id;
              handler.current(event);
            }
          }
        } catch {
          if (controller.signal.aborted) return;
        }
        await new Promise((resolve) => window.setTimeout(resolve, 1000));
      }
    }
    void connect();
    return () => controller.abort();
  }, [projectId]);
}
