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

type Listener = (event: ServerEvent) => void;

interface Stream { listeners: Set<Listener>; controller: AbortController }

/** One connection per project, shared by every component that follows its events: a
 * browser keeps about six connections open per host, across all its tabs. */
const streams = new Map<number, Stream>();

function follow(projectId: number, stream: Stream): void {
  const { signal } = stream.controller;
  let lastId: number | null = null;
  async function connect(): Promise<void> {
    while (!signal.aborted) {
      try {
        const headers: Record<string, string> = { Authorization: `Bearer ${storedKey()}` };
        if (lastId !== null) headers["Last-Event-ID"] = String(lastId);
        const response = await fetch(`${API}/projects/${projectId}/events`, { headers, signal });
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
            for (const listener of [...stream.listeners]) {
              try {
                listener(event);
              } catch (error) {
                console.error(error);   // one listener's failure is not the others'
              }
            }
          }
        }
      } catch {
        if (signal.aborted) return;
      }
      await new Promise((resolve) => window.setTimeout(resolve, 1000));
    }
  }
  void connect();
}

/** Call ``listener`` with each event of the project from now on; the returned function
 * stops it (the connection closes with its last listener). */
export function subscribe(projectId: number, listener: Listener): () => void {
  let stream = streams.get(projectId);
  if (stream === undefined) {
    stream = { listeners: new Set(), controller: new AbortController() };
    streams.set(projectId, stream);
    follow(projectId, stream);
  }
  const held = stream;
  held.listeners.add(listener);
  return () => {
    held.listeners.delete(listener);
    if (held.listeners.size === 0) {
      held.controller.abort();
      if (streams.get(projectId) === held) streams.delete(projectId);
    }
  };
}

export function useProjectEvents(projectId: number, onEvent: (event: ServerEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => subscribe(projectId, (event) => handler.current(event)), [projectId]);
}
