"""Span aggregation on CoNLL-2003 with fixed rules: entity F1 of each way of merging them.

Run: ``.venv/bin/python bench/span_rules_bench.py [--split dev|test] [--limit N]`` (from the
project root; default: every sentence of ``../shared/datasets/conll2003/test.txt``).

The rules below were written once, looked at on ``dev.txt`` only, and are not tuned on
``test.txt``. Their gazetteers come from the gold spans of ``train.txt`` alone: an entity
string (its exact tokens) seen at least ``MIN_COUNT`` times there, with one type for at least
``MIN_SHARE`` of its occurrences, goes into that type's gazetteer. The other rules look only at
a token's shape and a few fixed words:

* ``gazetteer PER / LOC / ORG / MISC`` — longest train entity string of that type, left to right;
* ``title + name`` — one or two capitalised words after "Mr.", "President", "coach", ... -> PER;
* ``first name + name`` — a capitalised word after a first name (a token that starts at least
  ``MIN_COUNT`` train PER spans of two or more tokens and that starts a PER span in at least
  ``MIN_SHARE`` of its train occurrences) -> PER;
* ``organisation suffix`` — a run of capitalised words ending in "Inc", "Corp", "Party", ... -> ORG;
* ``acronym`` — an upper-case word of 2-5 letters in a sentence that is not all upper case -> ORG;
* ``in + place`` — a run of capitalised words after "in" -> LOC;
* ``capitalised run`` (noisy) — two or three capitalised words in a row, not at the sentence
  start, none of them in a gazetteer -> PER.

Aggregations, all through :func:`heuristics.aggregation.aggregate_spans` on the same rule
output: token majority vote (``outside_votes="all"``: every rule that fired in a sentence votes
OUTSIDE on its other tokens), the default span aggregation (majority vote, OUTSIDE votes only
on a rule's own labels) and the label model. The label model is fitted on the rules' votes on
the evaluated split itself (no gold labels). A second table anchors the label model on the gold
spans of some sentences of the other split (``--references``), aggregated together with the
evaluated ones, against the unanchored label model and majority vote on the same records.
Score, the same for every method and every rule:
seqeval entity F1 (IOB2, strict: a span counts only with its exact boundaries and type).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formats.readers import read_conll  # noqa: E402
from heuristics.aggregation import RecordSpans, aggregate_spans  # noqa: E402
from heuristics.spans import iob_to_spans, spans_to_iob2  # noqa: E402

CONLL = next((folder / "shared" / "datasets" / "conll2003" for folder in ROOT.parents
              if (folder / "shared" / "datasets" / "conll2003").is_dir()),
             ROOT.parent / "shared" / "datasets" / "conll2003")
LABELS = ["PER", "LOC", "ORG", "MISC"]
MIN_COUNT = 2
MIN_SHARE = 0.8
MAX_ENTITY_TOKENS = 6
TITLES = {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "president", "minister", "coach",
          "captain", "chancellor", "premier", "spokesman", "spokeswoman", "striker",
          "midfielder", "defender", "goalkeeper", "manager", "chairman", "secretary", "judge",
          "general", "senator", "governor", "king", "queen", "prince", "pope", "sir"}
ORG_SUFFIXES = {"inc", "inc.", "corp", "corp.", "co", "co.", "ltd", "ltd.", "plc", "ag", "sa",
                "nv", "club", "party", "bank", "group", "council", "university", "fc",
                "association", "federation", "union", "committee", "ministry", "agency",
                "airlines", "corporation", "company", "institute", "exchange", "fund"}

Span = tuple[str, int, int]
Rule = Callable[[list[str]], list[Span]]
Sentence = tuple[list[str], list[str]]


def sentences(name: str, limit: int | None = None) -> list[Sentence]:
    """Tokens and IOB2 tags of the first ``limit`` sentences of a CoNLL-2003 file."""
    found = []
    with (CONLL / name).open("rb") as handle:
        for sentence in read_conll(handle):
            found.append((sentence.tokens, sentence.tags))
            if limit and len(found) == limit:
                break
    return found


def capitalised(token: str) -> bool:
    return token[:1].isupper() and token[1:].islower() and token.replace("-", "").isalpha()


def capitalised_run(tokens: list[str], start: int, most: int = MAX_ENTITY_TOKENS) -> int:
    """End of the run of capitalised words from ``start`` (``start`` if there is none)."""
    end = start
    while end < len(tokens) and end - start < most and capitalised(tokens[end]):
        end += 1
    return end


class Gazetteers:
    """Per type, the train entity strings that are that type in ``MIN_SHARE`` of cases."""

    def __init__(self, train: list[Sentence]) -> None:
        types: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        starts: Counter[str] = Counter()  # first tokens of PER spans of >= 2 tokens
        seen: Counter[str] = Counter()
        for tokens, tags in train:
            seen.update(tokens)
            for span in iob_to_spans(tags):
                types[tuple(tokens[span.start:span.end])][span.label] += 1
                if span.label == "PER" and span.end - span.start > 1:
                    starts[tokens[span.start]] += 1
        self.entries: dict[str, set[tuple[str, ...]]] = {label: set() for label in LABELS}
        for words, counts in types.items():
            label, count = counts.most_common(1)[0]
            if count >= MIN_COUNT and count >= MIN_SHARE * counts.total():
                self.entries[label].add(words)
        self.known = {word for entries in self.entries.values() for words in entries
                      for word in words}
        self.first_names = {word for word, count in starts.items()
                            if count >= MIN_COUNT and count >= MIN_SHARE * seen[word]}

    def rule(self, label: str) -> Rule:
        entries = self.entries[label]
        longest = max(map(len, entries), default=0)

        def gazetteer(tokens: list[str]) -> list[Span]:
            spans, i = [], 0
            while i < len(tokens):
                size = next((n for n in range(min(longest, len(tokens) - i), 0, -1)
                             if tuple(tokens[i:i + n]) in entries), 0)
                if size:
                    spans.append((label, i, i + size))
                i += size or 1
            return spans

        gazetteer.__name__ = f"gazetteer {label}"
        return gazetteer


def after_title(tokens: list[str]) -> list[Span]:
    spans, i = [], 0
    while i < len(tokens) - 1:
        end = capitalised_run(tokens, i + 1, most=2)
        if tokens[i].lower() in TITLES and end > i + 1:
            spans.append(("PER", i + 1, end))
            i = end
        else:
            i += 1
    return spans


def organisation_suffix(tokens: list[str]) -> list[Span]:
    spans = []
    for i, token in enumerate(tokens):
        if i and token.lower() in ORG_SUFFIXES and tokens[i - 1][:1].isupper():
            start = i - 1
            while start and capitalised(tokens[start - 1]) and i - start < MAX_ENTITY_TOKENS:
                start -= 1
            if spans and spans[-1][2] > start:  # "World Bank Group": the longer span
                spans.pop()
            spans.append(("ORG", start, i + 1))
    return spans


def acronym(tokens: list[str]) -> list[Span]:
    if all(not token.isalpha() or token.isupper() for token in tokens):
        return []  # a headline or a table row
    return [("ORG", i, i + 1) for i, token in enumerate(tokens)
            if token.isalpha() and token.isupper() and 2 <= len(token) <= 5]


def in_place(tokens: list[str]) -> list[Span]:
    spans = []
    for i, word in enumerate(tokens[:-1]):
        end = capitalised_run(tokens, i + 1, most=3)
        if word == "in" and end > i + 1:
            spans.append(("LOC", i + 1, end))
    return spans


def make_rules(gazetteers: Gazetteers) -> list[Rule]:
    def first_name(tokens: list[str]) -> list[Span]:
        spans, i = [], 0
        while i < len(tokens) - 1:
            end = capitalised_run(tokens, i + 1, most=2)
            if tokens[i] in gazetteers.first_names and end > i + 1:
                spans.append(("PER", i, end))
                i = end
            else:
                i += 1
        return spans

    def unknown_capitalised_run(tokens: list[str]) -> list[Span]:
        spans, i = [], 1
        while i < len(tokens):
            end = capitalised_run(tokens, i, most=3)
            if end - i >= 2 and not any(t in gazetteers.known for t in tokens[i:end]):
                spans.append(("PER", i, end))
            i = max(end, i + 1)
        return spans

    first_name.__name__ = "first name + name"
    unknown_capitalised_run.__name__ = "capitalised run"
    after_title.__name__ = "title + name"
    organisation_suffix.__name__ = "organisation suffix"
    acronym.__name__ = "acronym"
    in_place.__name__ = "in + place"
    return [*(gazetteers.rule(label) for label in LABELS), after_title, first_name,
            organisation_suffix, acronym, in_place, unknown_capitalised_run]


def entity_f1(gold: list[list[str]], spans: list[list], sizes: list[int]) -> tuple[float, ...]:
    """Precision, recall and F1 (seqeval, IOB2 strict) of spans against gold tags."""
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    predicted = [spans_to_iob2(found, n) for found, n in zip(spans, sizes, strict=True)]
    return tuple(score(gold, predicted, mode="strict", scheme=IOB2)
                 for score in (precision_score, recall_score, f1_score))


METHODS = {
    "token majority vote": {"method": "majority", "outside_votes": "all"},
    "span aggregation (majority, default)": {"method": "majority"},
    "span aggregation (label model)": {"method": "label_model"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--limit", type=int, default=None, help="first N sentences only")
    parser.add_argument("--references", type=int, nargs="*", default=[100, 300, 1000, 0],
                        help="numbers of the other split's sentences whose gold spans anchor "
                             "the label model (0: all of them)")
    args = parser.parse_args()
    started = time.perf_counter()
    gazetteers = Gazetteers(sentences("train.txt"))
    rules = make_rules(gazetteers)
    evaluated = sentences(f"{args.split}.txt", args.limit)
    gold = [tags for _, tags in evaluated]
    sizes = [len(tokens) for tokens, _ in evaluated]
    fired = [[rule(tokens) for rule in rules] for tokens, _ in evaluated]
    records = [RecordSpans(n, spans) for n, spans in zip(sizes, fired, strict=True)]
    print(f"{args.split}.txt: {len(evaluated)} sentences, {sum(sizes)} tokens, "
          f"{sum(len(iob_to_spans(tags)) for tags in gold)} entities; gazetteer entries "
          + ", ".join(f"{label} {len(gazetteers.entries[label])}" for label in LABELS)
          + f"; {len(gazetteers.first_names)} first names; rules in "
          f"{time.perf_counter() - started:.0f} s\n")
    print("| rule | spans | precision | recall | F1 |\n|---|---:|---:|---:|---:|")
    for position, rule in enumerate(rules):
        spans = [record[position] for record in fired]
        precision, recall, f1 = entity_f1(gold, spans, sizes)
        print(f"| {rule.__name__} | {sum(map(len, spans))} | {precision:.4f} | {recall:.4f} "
              f"| {f1:.4f} |")
    print("\n| aggregation | spans | precision | recall | entity F1 | seconds |\n"
          "|---|---:|---:|---:|---:|---:|")
    for name, arguments in METHODS.items():
        started = time.perf_counter()
        spans = aggregate_spans(records, labels=LABELS, **arguments)
        seconds = time.perf_counter() - started
        precision, recall, f1 = entity_f1(gold, spans, sizes)
        print(f"| {name} | {sum(map(len, spans))} | {precision:.4f} | {recall:.4f} | "
              f"{f1:.4f} | {seconds:.1f} |", flush=True)
    if args.references:
        other = "dev" if args.split == "test" else "test"
        references_section(rules, evaluated, sentences(f"{other}.txt"), args.references,
                           other)


def references_section(rules: list[Rule], evaluated: list[Sentence],
                       known: list[Sentence], counts: list[int], name: str) -> None:
    """With gold spans of ``known`` sentences (random ones, seed 0), aggregated together with
    the evaluated split: the anchored label model against the same records' unanchored label
    model and majority vote, scored on the evaluated split only (its gold spans unseen)."""
    print(f"\nWith the gold spans of some {name}.txt sentences, aggregated together with "
          "the evaluated ones (entity F1 on the evaluated split):\n")
    print("| known sentences | majority | label model | anchored label model | anchored "
          "seconds |\n|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    gold = [tags for _, tags in evaluated]
    sizes = [len(tokens) for tokens, _ in evaluated]
    for count in counts:
        chosen = (known if count == 0 or count >= len(known) else
                  [known[i] for i in sorted(rng.choice(len(known), count, replace=False))])
        pooled = chosen + evaluated
        records = [RecordSpans(len(tokens), [rule(tokens) for rule in rules])
                   for tokens, _ in pooled]
        references = [[(s.label, s.start, s.end) for s in iob_to_spans(tags)]
                      for _, tags in chosen] + [None] * len(evaluated)
        scores, seconds = [], 0.0
        for method in ("majority", "label_model", "anchored_label_model"):
            started = time.perf_counter()
            spans = aggregate_spans(records, labels=LABELS, method=method,
                                    references=references)[len(chosen):]
            seconds = time.perf_counter() - started
            scores.append(entity_f1(gold, spans, sizes)[2])
        print(f"| {len(chosen):,} | {scores[0]:.4f} | {scores[1]:.4f} | {scores[2]:.4f} | "
              f"{seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
