/** A line diff of two revisions (longest common subsequence): removed lines red, added green. */
export function diffLines(before: string, after: string): { kind: " " | "-" | "+"; text: string }[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const lines: { kind: " " | "-" | "+"; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { lines.push({ kind: " ", text: a[i] }); i++; j++; }
    else if (i < a.length && (j >= b.length || common[i + 1][j] >= common[i][j + 1])) { lines.push({ kind: "-", text: a[i] }); i++; }
    else { lines.push({ kind: "+", text: b[j] }); j++; }
  }
  return lines;
}

export function RevisionDiff({ before, after }: { before: string; after: string }) {
  return (
    <pre className="diff" aria-label="diff">
      {diffLines(before, after).map((line, k) => (
        <div key={k} className={line.kind === "+" ? "add" : line.kind === "-" ? "del" : ""}>{line.kind} {line.text}</div>
      ))}
    </pre>
  );
}
