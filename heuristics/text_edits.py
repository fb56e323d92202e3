"""Where the spans of a text are after the text was edited: a span whose own characters
are unchanged follows the edit; a span whose characters changed has no place in the new text.

The unchanged characters are the common start and end of the two texts and, between them,
the blocks :class:`difflib.SequenceMatcher` finds (several separate edits keep the spans
between them); a middle part longer than :data:`MAX_COMPARED` counts as changed as a whole.

>>> edit = TextEdit("Jon lives in Rome", "John lives in Rome")
>>> edit.span(13, 17), edit.span(0, 3)
((14, 18), None)
>>> TextEdit("a Rome b Paris c", "a Rome X Paris c").span(9, 14)
(9, 14)
>>> TextEdit("Rome and Paris", "Rome, Oslo and Paris").span(0, 4)
(0, 4)
"""

from __future__ import annotations

from difflib import SequenceMatcher

MAX_COMPARED = 20_000
"""The longest changed middle part compared character by character (the comparison's cost
grows with the product of the two lengths)."""


class TextEdit:
    """The unchanged blocks of ``old`` in ``new``: (start in old, start in new, length)."""

    def __init__(self, old: str, new: str) -> None:
        prefix = _common_prefix(old, new)
        suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
        self.blocks = [(0, 0, prefix)]
        old_middle, new_middle = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
        if old_middle and new_middle and max(len(old_middle), len(new_middle)) <= MAX_COMPARED:
            matcher = SequenceMatcher(None, old_middle, new_middle, autojunk=False)
            self.blocks += [(prefix + a, prefix + b, size)
                            for a, b, size in matcher.get_matching_blocks() if size]
        self.blocks.append((len(old) - suffix, len(new) - suffix, suffix))

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """Where the characters ``old[start:end]`` are in the new text, when none of them
        changed; else None."""
        for old_start, new_start, size in self.blocks:
            if old_start <= start and end <= old_start + size and start < end:
                return new_start + start - old_start, new_start + end - old_start
        return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
