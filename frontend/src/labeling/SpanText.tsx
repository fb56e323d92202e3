/** A text with its stored tokens: existing spans coloured, a mouse selection snapped to
 * whole tokens and reported as a token range. */
import { Fragment, useMemo, useRef } from "react";
import type { Label, ManualLabel, Tokens } from "../types";
import { segments, selectionTokens, type TokenRange } from "./spans";

export interface ShownSpan { span: ManualLabel; mine: boolean }

export function SpanText({ text, tokens, spans, labels, pending, selectedId, onSelect, onSpanClick }: {
  text: string; tokens: Tokens; spans: ShownSpan[]; labels: Label[];
  pending: TokenRange | null; selectedId: number | null;
  onSelect: (range: TokenRange | null) => void; onSpanClick: (span: ManualLabel) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const parts = useMemo(() => segments(text, tokens), [text, tokens]);
  const color = (name: string) => labels.find((l) => l.name === name)?.color ?? "#868e96";
  // Which span (mine first) covers each token, and where spans start and end.
  const cover = useMemo(() => {
    const byToken = new Map<number, ShownSpan>();
    for (const shown of [...spans].sort((a, b) => Number(a.mine) - Number(b.mine))) {
      const s = shown.span;
      if (s.token_start === null || s.token_end === null) continue;
      for (let t = s.token_start; t < s.token_end; t++) byToken.set(t, shown);
    }
    return byToken;
  }, [spans]);

  function mouseUp() {
    const range = ref.current ? selectionTokens(ref.current, tokens, window.getSelection()) : null;
    if (range) onSelect(range);
  }

  return (
    <div ref={ref} className="text-block" onMouseUp={mouseUp} data-testid="span-text">
      {parts.map((part) => {
        const shown = part.token !== null ? cover.get(part.token) : undefined;
        const inPending = pending && part.token !== null && part.token >= pending.tokenStart
          && part.token < pending.tokenEnd;
        if (part.token === null) {
          // A gap inside one span is drawn as part of it.
          const before = parts.find((p) => p.token !== null && p.start + p.text.length === part.start);
          const left = before ? cover.get(before.token!) : undefined;
          const inside = left && left.span.token_end !== null && before!.token! + 1 < left.span.token_end;
          const pendingGap = pending && before && before.token! + 1 < pending.tokenEnd && before.token! >= pending.tokenStart;
          return (
            <span key={part.start} data-start={part.start} data-end={part.start + part.text.length}
              className={inside ? "span-mark" : pendingGap ? "pending" : undefined}
              style={inside ? { ["--c" as string]: color(left.span.label) } : undefined}>{part.text}</span>
          );
        }
        const isEnd = shown && shown.span.token_end === part.token + 1;
        const style = shown ? { ["--c" as string]: color(shown.span.label) } : undefined;
        return (
          <Fragment key={part.start}>
            <span data-start={part.start} data-end={part.start + part.text.length}
              data-token={part.token}
              className={[shown ? "span-mark" : "tok", inPending ? "pending" : "",
                shown && shown.span.id === selectedId ? "selected" : "",
                shown && !shown.mine ? "other" : ""].join(" ")}
              style={style}
              title={shown ? `${shown.span.label} · ${shown.span.annotator}${shown.span.is_gold ? " (gold)" : ""}` : undefined}
              onClick={shown ? (e) => { if (window.getSelection()?.isCollapsed) { e.stopPropagation(); onSpanClick(shown.span); } } : undefined}>
              {part.text}
            </span>
            {isEnd && <span className="span-tag" style={style} aria-hidden data-start={part.start + part.text.length} data-tag="">{shown.span.label}</span>}
          </Fragment>
        );
      })}
    </div>
  );
}
