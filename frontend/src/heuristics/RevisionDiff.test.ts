import { diffLines } from "./RevisionDiff";

describe("revision diff", () => {
  it("keeps common lines and marks removed and added ones", () => {
    const before = "def lf(record):\n    return 'ham'\n";
    const after = "def lf(record):\n    print(record)\n    return 'spam'\n";
    expect(diffLines(before, after)).toEqual([
      { kind: " ", text: "def lf(record):" },
      { kind: "-", text: "    return 'ham'" },
      { kind: "+", text: "    print(record)" },
      { kind: "+", text: "    return 'spam'" },
      { kind: " ", text: "" },
    ]);
  });
});
