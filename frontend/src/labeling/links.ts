/** Plain text whose http(s) URLs become links: the parts to build React nodes of (never
 * HTML), as a task's guidelines and its labels' descriptions are shown. */

export type Part = { text: string; url?: undefined } | { text: string; url: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Characters that end a sentence rather than a URL. */
const TRAILING = /[.,;:!?'")\]}>*_]$/;

function trimUrl(candidate: string): string {
  let url = candidate;
  while (TRAILING.test(url)) {
    const last = url[url.length - 1];
    // a closing bracket that closes one opened inside the URL stays (Wikipedia's "(disambiguation)")
    if (last === ")" && (url.match(/\(/g)?.length ?? 0) >= (url.match(/\)/g)?.length ?? 0)) break;
    url = url.slice(0, -1);
  }
  return url;
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** The text cut into plain parts and links (only http and https: nothing else is ever a
 * link, whatever it looks like). */
export function linkify(text: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const found of text.matchAll(URL_PATTERN)) {
    const start = found.index ?? 0;
    const url = trimUrl(found[0]);
    if (!isWebUrl(url)) continue;
    if (start > at) parts.push({ text: text.slice(at, start) });
    parts.push({ text: url, url });
    at = start + url.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
