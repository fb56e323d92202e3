import type { Label } from "../types";
import { hotkeyOf, keyAction, labelHotkeys } from "./hotkeys";

const label = (id: number, name: string, hotkey: string | null = null): Label =>
  ({ id, name, color: "#000", hotkey });

describe("labelHotkeys", () => {
  it("numbers labels 1..9 in order", () => {
    const keys = labelHotkeys([label(1, "ham"), label(2, "spam")]);
    expect(keys.get("1")?.name).toBe("ham");
    expect(keys.get("2")?.name).toBe("spam");
  });
  it("keeps a label's own hotkey and skips digits already taken", () => {
    const keys = labelHotkeys([label(1, "a", "2"), label(2, "b"), label(3, "c", "S")]);
    expect(keys.get("2")?.name).toBe("a");
    expect(keys.get("1")?.name).toBe("b");
    expect(keys.get("s")?.name).toBe("c");
    expect(hotkeyOf(keys, label(2, "b"))).toBe("1");
  });
  it("gives digits to nine labels at most", () => {
    const many = Array.from({ length: 12 }, (_, i) => label(i, `l${i}`));
    expect(labelHotkeys(many).size).toBe(9);
  });
});

describe("keyAction", () => {
  const keys = labelHotkeys([label(1, "ham"), label(2, "spam")]);
  it("maps a digit to its label", () => {
    expect(keyAction({ key: "2" }, keys)).toEqual({ type: "label", label: label(2, "spam") });
  });
  it("navigates with the arrows and undoes with Ctrl+Z, Cmd+Z or U", () => {
    expect(keyAction({ key: "ArrowRight" }, keys)).toEqual({ type: "next" });
    expect(keyAction({ key: "ArrowLeft" }, keys)).toEqual({ type: "previous" });
    expect(keyAction({ key: "z", ctrlKey: true }, keys)).toEqual({ type: "undo" });
    expect(keyAction({ key: "z", metaKey: true }, keys)).toEqual({ type: "undo" });
    expect(keyAction({ key: "u" }, keys)).toEqual({ type: "undo" });
  });
  it("marks nothing with Enter and toggles gold with G", () => {
    expect(keyAction({ key: "Enter" }, keys)).toEqual({ type: "nothing" });
    expect(keyAction({ key: "g" }, keys)).toEqual({ type: "gold" });
  });
  it("shows or hides the guidelines with ?", () => {
    expect(keyAction({ key: "?" }, keys)).toEqual({ type: "guidelines" });
    expect(keyAction({ key: "?", target: document.createElement("textarea") }, keys)).toBeNull();
  });
  it("asks for the comment box with C, unless a label's own hotkey is C", () => {
    expect(keyAction({ key: "c" }, keys)).toEqual({ type: "comment" });
    expect(keyAction({ key: "c", target: document.createElement("textarea") }, keys)).toBeNull();
    expect(keyAction({ key: "c", ctrlKey: true }, keys)).toBeNull();   // copy
    const own = labelHotkeys([label(1, "contradiction", "C")]);
    expect(keyAction({ key: "c" }, own)).toEqual({ type: "label", label: label(1, "contradiction", "C") });
  });
  it("ignores keys typed into a field and other shortcuts", () => {
    const input = document.createElement("input");
    expect(keyAction({ key: "1", target: input }, keys)).toBeNull();
    expect(keyAction({ key: "1", ctrlKey: true }, keys)).toBeNull();
    expect(keyAction({ key: "x" }, keys)).toBeNull();
  });
  it("lets a label's own hotkey win over the built-in keys", () => {
    const own = labelHotkeys([label(1, "good", "g")]);
    expect(keyAction({ key: "g" }, own)).toEqual({ type: "label", label: label(1, "good", "g") });
  });
});
