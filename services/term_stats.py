"""Where the terms of a lookup list occur in a project's records and which reference labels
of a task they meet there (:mod:`heuristics.term_stats`): the noisy and the dead terms; and
the words the list lacks that signal a label (:func:`heuristics.keywords.ranked_keywords`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from heuristics.keywords import (
    label_names,
    phrase_terms,
    ranked_keywords,
    suggested_keywords,
)
from heuristics.term_stats import RecordTerms, SpanTerms, TermCount, worst_first
from store.lookup_lists import refresh
from store.models import LabelingTask, LookupList, Project, TaskKind
from store.record_subsets import record_batches
from store.reference import reference_labels
from store.tasks import find_label, get_task, text_attribute_name
from store.tokenization import token_text_batches


@dataclass(frozen=True)
class TermStatistics:
    """Every term's counts over the project for one task, the worst first
    (:func:`heuristics.term_stats.worst_first`); ``unit``: what ``found`` counts
    (``records``, or ``places`` in an extraction task); ``labelled``: the records with a
    reference label of the task; ``follows``: the label of the task the list follows."""

    task: LabelingTask
    unit: str
    attribute: str
    labelled: int
    follows: str | None
    terms: list[TermCount]


def default_task(*, session: Session, project: Project, lookup_list: LookupList,
                 task_id: int | None) -> LabelingTask:
    """The task asked for; else the one whose label the list follows; else the project's
    first task."""
    if task_id is not None:
        return get_task(session=session, project=project, task_id=task_id)
    if lookup_list.follows_label is not None:
        return lookup_list.follows_label.task
    if not project.tasks:
        raise InvalidInputError("the project has no labeling task to count labels of",
                                field="task_id")
    return project.tasks[0]


def term_statistics(*, session: Session, project: Project, lookup_list: LookupList,
                    task: LabelingTask) -> TermStatistics:
    """Count the list's terms (caught up with a followed label first; may commit) over
    every record of the project, against ``task``'s reference labels."""
    refresh(session=session, project_id=project.id)
    session.refresh(lookup_list)
    references = reference_labels(session=session, task=task)
    attribute = text_attribute_name(session=session, task=task)
    if task.kind is TaskKind.EXTRACTION:
        spans = SpanTerms(lookup_list.terms)
        for batch in token_text_batches(session=session, attribute=task.target_attribute):
            for rid, words in batch.items():
                spans.add(words, references.get(rid))
        counts, unit = spans.result(), "places"
    else:
        counts, unit = _count_records(session, project, attribute, lookup_list.terms,
                                      references), "records"
    label = lookup_list.follows_label
    follows = label.name if label is not None and label.task_id == task.id else None
    return TermStatistics(task=task, unit=unit, attribute=attribute,
                          labelled=len(references), follows=follows,
                          terms=worst_first(counts, follows))


def _count_records(session: Session, project: Project, attribute: str, terms: list[str],
                   references: dict) -> list[TermCount]:
    """:class:`RecordTerms` of ``terms`` over every record of the project."""
    records = RecordTerms(terms)
    for batch in record_batches(session=session, project=project, record_ids=None):
        for rid, _, data in batch:
            records.add(str(data.get(attribute) or ""), references.get(rid))
    return records.result()


@dataclass(frozen=True)
class Suggestion:
    """A term the list lacks: the labelled records that hold it (``support``), the share of
    them that carry the label (``precision``), and the records of the project it occurs in
    (``found``, labelled or not)."""

    term: str
    support: int
    precision: float
    found: int


@dataclass(frozen=True)
class Suggestions:
    """:class:`Suggestion` s, the best first; ``labelled``: the task's labelled records;
    ``attribute``: the text attribute read."""

    labelled: int
    attribute: str
    terms: list[Suggestion]


def term_suggestions(*, session: Session, project: Project, lookup_list: LookupList,
                     task: LabelingTask, label: str, limit: int = 20,
                     min_support: int = 3) -> Suggestions:
    """The words and word pairs that best signal ``label`` among the task's labelled
    records and are worth adding to the list, the best first
    (:func:`heuristics.keywords.suggested_keywords`)."""
    if task.kind is TaskKind.EXTRACTION:
        raise InvalidInputError(
            f"task {task.name!r} labels spans: a list that follows its label gets the spans' "
            "texts; suggestions come from a classification or multi-label task",
            field="task_id")
    find_label(task, label)
    references = reference_labels(session=session, task=task)
    attribute = text_attribute_name(session=session, task=task)
    texts, labels = [], []
    for batch in record_batches(session=session, project=project, record_ids=list(references)):
        for rid, _, data in batch:
            texts.append(str(data.get(attribute) or ""))
            labels.append(references[rid])
    carry = sum(label in label_names(ref) for ref in labels)
    ranked = suggested_keywords(
        ranked_keywords(texts, labels, terms=phrase_terms, min_support=min_support), label,
        listed=lookup_list.terms, base_rate=carry / max(len(labels), 1), limit=limit)
    found = _count_records(session, project, attribute, [k.word for k in ranked], {})
    return Suggestions(labelled=len(references), attribute=attribute, terms=[
        Suggestion(term=keyword.word, support=keyword.support, precision=keyword.precision,
                   found=count.found) for keyword, count in zip(ranked, found, strict=True)])
