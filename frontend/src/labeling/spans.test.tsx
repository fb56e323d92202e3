import { render } from "@testing-library/react";
import { SpanText } from "./SpanText";
import { overlapping, segments, selectionTokens, snapToTokens } from "./spans";

// "Phil Simmons took four" -> tokens at 0-4, 5-12, 13-17, 18-22
const TEXT = "Phil Simmons took four";
const TOKENS = { attribute: "text", tokens: ["Phil", "Simmons", "took", "four"],
  starts: [0, 5, 13, 18], ends: [4, 12, 17, 22] };

describe("snapToTokens", () => {
  it("extends a selection inside a token to the whole token", () => {
    expect(snapToTokens(TOKENS, 6, 8)).toEqual({ tokenStart: 1, tokenEnd: 2 });
  });
  it("covers every token a selection touches, partly or wholly", () => {
    expect(snapToTokens(TOKENS, 2, 14)).toEqual({ tokenStart: 0, tokenEnd: 3 });
  });
  it("accepts a backwards selection", () => {
    expect(snapToTokens(TOKENS, 12, 0)).toEqual({ tokenStart: 0, tokenEnd: 2 });
  });
  it("ignores whitespace between tokens at the edges", () => {
    expect(snapToTokens(TOKENS, 4, 13)).toEqual({ tokenStart: 1, tokenEnd: 2 });
  });
  it("gives nothing for a selection of whitespace only, or an empty one", () => {
    expect(snapToTokens(TOKENS, 12, 13)).toBeNull();
    expect(snapToTokens(TOKENS, 6, 6)).toBeNull();
  });
});

describe("overlapping", () => {
  const spans = [{ id: 1, label: "PER", tokenStart: 0, tokenEnd: 2 }];
  it("finds a span sharing a token", () => {
    expect(overlapping(spans, { tokenStart: 1, tokenEnd: 3 })?.label).toBe("PER");
  });
  it("lets adjacent spans be", () => {
    expect(overlapping(spans, { tokenStart: 2, tokenEnd: 4 })).toBeNull();
  });
  it("does not count the span being edited", () => {
    expect(overlapping(spans, { tokenStart: 0, tokenEnd: 1 }, 1)).toBeNull();
  });
});

describe("segments", () => {
  it("splits the text into tokens and gaps that rebuild it", () => {
    const parts = segments(" a  bc ", { starts: [1, 4], ends: [2, 6] });
    expect(parts.map((p) => p.text).join("")).toBe(" a  bc ");
    expect(parts.filter((p) => p.token !== null).map((p) => p.text)).toEqual(["a", "bc"]);
  });
});

describe("a mouse selection over the rendered text", () => {
  function select(container: HTMLElement, from: [number, number], to: [number, number]) {
    const text = (token: number) => container.querySelector(`[data-token="${token}"]`)!.firstChild!;
    const range = document.createRange();
    range.setStart(text(from[0]), from[1]);
    range.setEnd(text(to[0]), to[1]);
    const selection = window.getSelection()!;
    selection.removeAllRanges();
    selection.addRange(range);
    return selectionTokens(container, TOKENS, selection);
  }

  it("snaps to the stored tokens it touches", () => {
    const { getByTestId } = render(<SpanText text={TEXT} tokens={TOKENS} spans={[]} labels={[]}
      pending={null} selectedId={null} onSelect={() => {}} onSpanClick={() => {}} />);
    const container = getByTestId("span-text");
    expect(select(container, [0, 2], [1, 3])).toEqual({ tokenStart: 0, tokenEnd: 2 });
    expect(select(container, [2, 1], [3, 4])).toEqual({ tokenStart: 2, tokenEnd: 4 });
  });

  it("is not thrown off by the label drawn after a span", () => {
    const span = { id: 7, record_id: 1, task_id: 1, label: "PER", annotator: "ann", is_gold: false,
      token_start: 0, token_end: 2, char_start: 0, char_end: 12, text: "Phil Simmons", updated_at: "" };
    const { getByTestId } = render(<SpanText text={TEXT} tokens={TOKENS} spans={[{ span, mine: true }]}
      labels={[{ id: 1, name: "PER", color: "#f00", hotkey: null }]} pending={null} selectedId={null}
      onSelect={() => {}} onSpanClick={() => {}} />);
    const container = getByTestId("span-text");
    expect(container.textContent).toContain("PER");
    expect(select(container, [2, 0], [3, 2])).toEqual({ tokenStart: 2, tokenEnd: 4 });
  });
});
