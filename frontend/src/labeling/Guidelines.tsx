/** A task's guidelines and its labels' descriptions where annotators label: the text with
 * its line breaks and links (React nodes: nothing in it is ever HTML), the panel beside the
 * record, and a label's description on its button. */
import type { Label, Task } from "../types";
import { Badge, Button, Kbd, Swatch } from "../ui";
import { Link } from "../ui/Link";
import { linkify } from "./links";

/** Plain text as written: line breaks kept, http(s) URLs as links that open a new tab. */
export function GuidelinesText({ text, className }: { text: string; className?: string }) {
  return (
    <div className={`guidelines-text ${className ?? ""}`}>
      {linkify(text).map((part, i) => (part.url
        ? <a key={i} href={part.url} target="_blank" rel="noopener noreferrer">{part.text}</a>
        : <span key={i}>{part.text}</span>))}
    </div>
  );
}

/** The first line of a description, for where there is little room. */
export const shortDescription = (description: string | undefined) =>
  (description ?? "").trim().split("\n")[0].trim();

/** Beside the record: how to label the task, and what each label means. */
export function GuidelinesPanel({ task, hotkeys, updated, onHide }: {
  task: Task; hotkeys: (label: Label) => string | undefined; updated: boolean; onHide: () => void;
}) {
  return (
    <section className="panel guidelines-panel" aria-label="guidelines" id={`guidelines-${task.id}`}>
      <div className="panel-head">
        <h2>Guidelines</h2>
        {updated && <Badge tone="accent" title="They changed since you last closed them">updated</Badge>}
        <span className="spacer" />
        <Button small variant="ghost" aria-label="Hide guidelines" title="Hide the guidelines (?)" onClick={onHide}>×</Button>
      </div>
      <div className="panel-body guidelines-body">
        <GuidelinesText text={task.guidelines ?? ""} />
        {task.labels.length > 0 && (
          <div aria-label="label descriptions">
            <h3>Labels</h3>
            <dl className="label-descriptions">
              {task.labels.map((label) => (
                <div key={label.id}>
                  <dt><Swatch color={label.color} /><b>{label.name}</b>{hotkeys(label) && <Kbd>{hotkeys(label)!.toUpperCase()}</Kbd>}</dt>
                  <dd>{label.description?.trim()
                    ? <GuidelinesText text={label.description} />
                    : <span className="faint">no description</span>}</dd>
                </div>
              ))}
            </dl>
          </div>
        )}
      </div>
    </section>
  );
}

/** Where a task has no guidelines: a word to its owners that they can write some. */
export function NoGuidelinesHint({ projectId, task }: { projectId: number; task: Task }) {
  return (
    <p className="small faint guidelines-hint" aria-label="no guidelines">
      No guidelines for annotators yet.{" "}
      <Link href={`/projects/${projectId}/settings?task=${task.id}`}>Write some on Tasks &amp; members</Link>
    </p>
  );
}
