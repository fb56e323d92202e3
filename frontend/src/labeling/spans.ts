/** Span selection over stored tokens: a mouse selection in characters snaps to whole tokens;
 * spans of one annotator in a task never overlap. */

export interface TokenOffsets { starts: number[]; ends: number[] }
export interface TokenRange { tokenStart: number; tokenEnd: number }
export interface SpanLike extends TokenRange { id?: number; label?: string }

/** The tokens a character selection ``[charStart, charEnd)`` touches, end exclusive; null
 * when it touches none (whitespace only, or empty). */
export function snapToTokens(tokens: TokenOffsets, charStart: number, charEnd: number): TokenRange | null {
  const [from, to] = charStart <= charEnd ? [charStart, charEnd] : [charEnd, charStart];
  if (from === to) return null;
  let tokenStart = -1;
  let tokenEnd = -1;
  for (let i = 0; i < tokens.starts.length; i++) {
    if (tokens.ends[i] > from && tokens.starts[i] < to) {
      if (tokenStart < 0) tokenStart = i;
      tokenEnd = i + 1;
    }
  }
  return tokenStart < 0 ? null : { tokenStart, tokenEnd };
}

/** The first span that shares a token with ``range`` (``exceptId`` aside), or null. */
export function overlapping<T extends SpanLike>(spans: T[], range: TokenRange, exceptId?: number): T | null {
  return spans.find((span) => span.id !== exceptId && span.tokenStart < range.tokenEnd
    && range.tokenStart < span.tokenEnd) ?? null;
}

/** The character offset of a DOM boundary inside text rendered as segments that carry
 * ``data-start`` and ``data-end`` (their character range in the text); a ``data-tag``
 * (a label drawn after a span) counts as the point where it stands. */
export function boundaryOffset(node: Node, offset: number): number | null {
  const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : (node as Element);
  const segment = element?.closest<HTMLElement>("[data-start]");
  if (!segment) return null;
  const start = Number(segment.dataset.start);
  const end = segment.dataset.end !== undefined ? Number(segment.dataset.end) : start;
  if (segment.dataset.tag !== undefined) return start;
  if (node.nodeType === Node.TEXT_NODE) return Math.min(start + offset, end);
  // An element boundary: before its first child, or after some child.
  return offset === 0 ? start : end;
}

/** The token range of the current selection inside ``container``, or null. */
export function selectionTokens(container: HTMLElement, tokens: TokenOffsets,
  selection: Selection | null): TokenRange | null {
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
  const start = boundaryOffset(range.startContainer, range.startOffset);
  const end = boundaryOffset(range.endContainer, range.endOffset);
  if (start === null || end === null) return null;
  return snapToTokens(tokens, start, end);
}

/** The text split into segments of tokens and the gaps between them, for rendering. */
export interface Segment { start: number; text: string; token: number | null }

export function segments(text: string, tokens: TokenOffsets): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  tokens.starts.forEach((start, i) => {
    if (start > at) out.push({ start: at, text: text.slice(at, start), token: null });
    out.push({ start, text: text.slice(start, tokens.ends[i]), token: i });
    at = tokens.ends[i];
  });
  if (at < text.length) out.push({ start: at, text: text.slice(at), token: null });
  return out;
}
