/** CodeMirror 6 for heuristics: Python highlighting, completion of the task's attribute and
 * label names, problems shown as line markers with their line highlighted. */
import { autocompletion, type CompletionContext } from "@codemirror/autocomplete";
import { python } from "@codemirror/lang-python";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

export interface Problem { line: number; message: string }

const setProblemLines = StateEffect.define<Problem[]>();

/** Lines with a problem get a tinted background and ``data-error-line``. */
const problemLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(lines, transaction) {
    lines = lines.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (!effect.is(setProblemLines)) continue;
      const doc = transaction.state.doc;
      lines = Decoration.set(effect.value.filter((p) => p.line >= 1 && p.line <= doc.lines)
        .map((p) => Decoration.line({ class: "cm-problem-line", attributes: { "data-error-line": String(p.line) } })
          .range(doc.line(p.line).from)), true);
    }
    return lines;
  },
  provide: (field) => EditorView.decorations.from(field),
});

export function nameCompletions(names: string[]) {
  return (context: CompletionContext) => {
    const word = context.matchBefore(/[\w-]+/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    return { from: word.from, options: names.map((name) => ({ label: name, type: "constant" })) };
  };
}

function diagnosticsOf(state: EditorState, problems: Problem[]): Diagnostic[] {
  return problems.filter((p) => p.line >= 1 && p.line <= state.doc.lines).map((p) => {
    const line = state.doc.line(p.line);
    return { from: line.from, to: line.to, severity: "error", message: p.message };
  });
}

export function CodeEditor({ value, onChange, names, problems, label, readOnly }: {
  value: string; onChange?: (value: string) => void; names: string[]; problems: Problem[];
  label: string; readOnly?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  const namesRef = useRef(names);
  namesRef.current = names;
  useEffect(() => {
    const extensions: Extension[] = [
      basicSetup, python(), lintGutter(), problemLines,
      autocompletion({ override: [(c) => nameCompletions(namesRef.current)(c)] }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) changed.current?.(update.state.doc.toString());
      }),
      EditorView.contentAttributes.of({ "aria-label": label }),
      EditorState.readOnly.of(Boolean(readOnly)),
    ];
    view.current = new EditorView({ parent: host.current!, state: EditorState.create({ doc: value, extensions }) });
    return () => { view.current?.destroy(); view.current = null; };
    // the editor is made once; value and problems flow in below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnosticsOf(v.state, problems)));
    v.dispatch({ effects: setProblemLines.of(problems) });
  }, [problems, value]);
  return <div className="code-editor" ref={host} />;
}
