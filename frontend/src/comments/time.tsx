/** When something happened, as a comment's header says it: relative while recent ("just
 * now", "5 min ago", "3 h ago", "yesterday", "4 days ago"), then the date; the exact time is
 * its title. */
import { useEffect, useState } from "react";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function relativeTime(iso: string, now: number): string {
  const then = new Date(iso).getTime();
  if (!Number.isFinite(then)) return iso;
  const ago = Math.max(0, now - then);
  if (ago < MINUTE) return "just now";
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  if (ago < 2 * DAY) return "yesterday";
  if (ago < 7 * DAY) return `${Math.floor(ago / DAY)} days ago`;
  const date = new Date(then);
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short",
    ...(date.getFullYear() !== new Date(now).getFullYear() ? { year: "numeric" } : {}) });
}

/** The time now, again every minute (relative times stay true on an open page). */
export function useNow(every = MINUTE): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), every);
    return () => window.clearInterval(timer);
  }, [every]);
  return now;
}

/** A moment shown relative to now, its exact time as the title. */
export function When({ iso, now, prefix = "" }: { iso: string; now: number; prefix?: string }) {
  return <time dateTime={iso} title={new Date(iso).toLocaleString()}>{prefix}{relativeTime(iso, now)}</time>;
}
