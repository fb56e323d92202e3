/** Records deleted while a labeling session walks its fixed list: passed over. */

/** The index one ``step`` (1 or -1) from ``index``, over the records deleted meanwhile;
 * ``index`` itself when no record is left that way. */
export function stepOver(ids: readonly number[], gone: ReadonlySet<number>, index: number,
  step: 1 | -1): number {
  for (let i = index + step; i >= 0 && i < ids.length; i += step) {
    if (!gone.has(ids[i])) return i;
  }
  return index;
}
