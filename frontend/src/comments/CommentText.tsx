/** A comment's text as typed: line breaks kept, http(s) URLs as links that open a new tab,
 * mentions of the project's members marked (one's own more so). React nodes only: nothing in
 * the text is ever read as HTML. */
import { linkify } from "../labeling/links";
import { splitMentions } from "./mentions";

export function CommentText({ text, members, me, className }: {
  text: string; members: readonly string[]; me?: string; className?: string;
}) {
  const parts = linkify(text);
  return (
    <div className={`guidelines-text ${className ?? ""}`}>
      {parts.map((part, i) => (part.url
        ? <a key={i} href={part.url} target="_blank" rel="noopener noreferrer">{part.text}</a>
        : splitMentions(part.text, members, parts[i - 1]?.text ?? "").map((piece, j) => (piece.mention !== undefined
          ? <span key={`${i}-${j}`} className={piece.mention === me ? "mention mention-me" : "mention"}
            title={piece.mention === me ? "mentions you" : `mentions ${piece.mention}`}>{piece.text}</span>
          : <span key={`${i}-${j}`}>{piece.text}</span>))))}
    </div>
  );
}
