/** Mentions in comments: ``@`` and a project member's name, exactly as the server reads them
 * (the ``@`` starts the text or follows a character that is not a letter, digit or
 * underscore; the name ends the text or is followed by such a character; names may hold
 * spaces). The completion's fragment and the parts a comment's text is shown in. */

/** The longest fragment after ``@`` that completion looks at. */
const FRAGMENT_MAX = 60;

/** A letter, digit or underscore (of any script): what a mention may not touch. */
export const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}_]/u.test(char);

/** The mention being typed before ``caret``: where its ``@`` is and what follows it up to the
 * caret (at least one character, on the same line); null where none is being typed. */
export function mentionFragment(text: string, caret: number): { start: number; query: string } | null {
  const from = Math.max(0, caret - FRAGMENT_MAX - 1);
  for (let at = caret - 1; at >= from; at--) {
    const char = text[at];
    if (char === "\n") return null;
    if (char !== "@") continue;
    if (isWordChar(text[at - 1])) return null;   // an address (ann@example.org), not a mention
    const query = text.slice(at + 1, caret);
    return query.length > 0 && !query.startsWith(" ") ? { start: at, query } : null;
  }
  return null;
}

/** The names that start with ``query`` (case aside), in alphabetical order, at most ``limit``. */
export function matchingNames(names: readonly string[], query: string, limit = 8): string[] {
  const wanted = query.toLocaleLowerCase();
  return names.filter((name) => name.toLocaleLowerCase().startsWith(wanted))
    .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }))
    .slice(0, limit);
}

export type MentionPart = { text: string; mention?: undefined } | { text: string; mention: string };

/** Plain text cut into its text and its mentions of ``names`` (the longest name where several
 * fit: ``@Ann Lee`` over ``@Ann``). ``before``: the character before the text (where it is
 * the rest of a longer one). */
export function splitMentions(text: string, names: readonly string[], before = ""): MentionPart[] {
  const longestFirst = [...new Set(names)].filter(Boolean).sort((a, b) => b.length - a.length);
  const parts: MentionPart[] = [];
  let plain = 0;
  for (let at = text.indexOf("@"); at >= 0 && longestFirst.length; at = text.indexOf("@", at + 1)) {
    const previous = at === 0 ? before.slice(-1) : text[at - 1];
    if (isWordChar(previous || undefined)) continue;
    const name = longestFirst.find((n) => text.startsWith(n, at + 1) && !isWordChar(text[at + 1 + n.length]));
    if (name === undefined) continue;
    if (at > plain) parts.push({ text: text.slice(plain, at) });
    parts.push({ text: `@${name}`, mention: name });
    plain = at + 1 + name.length;
    at = plain - 1;
  }
  if (plain < text.length) parts.push({ text: text.slice(plain) });
  return parts;
}
