"""Where the terms of a lookup list occur in a project's records and which reference labels
of a task they meet there (:mod:`heuristics.term_stats`): the noisy and the dead terms."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from heuristics.term_stats import RecordTerms, SpanTerms, TermCount
from store.lookup_lists import refresh
from store.models import LabelingTask, LookupList, Project, TaskKind
from store.record_subsets import record_batches
from store.reference import reference_labels
from store.tasks import get_task, text_attribute_name
from store.tokenization import stored_offsets


@dataclass(frozen=True)
class TermStatistics:
    """Every term's counts over the project for one task; ``unit``: what ``found`` counts
    (``records``, or ``places`` in an extraction task); ``labelled``: the records with a
    reference label of the task."""

    task: LabelingTask
    unit: str
    attribute: str
    labelled: int
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
        for batch in record_batches(session=session, project=project, record_ids=None):
            offsets = stored_offsets(session=session, attribute_id=task.target_attribute_id,
                                     record_range=(batch[0][0], batch[-1][0]))
            for rid, _, data in batch:
                text, (starts, ends) = data.get(attribute), offsets.get(rid, ((), ()))
                if isinstance(text, str):
                    spans.add([text[s:e] for s, e in zip(starts, ends, strict=True)],
                              references.get(rid))
        counts, unit = spans.result(), "places"
    else:
        records = RecordTerms(lookup_list.terms)
        for batch in record_batches(session=session, project=project, record_ids=None):
            for rid, _, data in batch:
                records.add(str(data.get(attribute) or ""), references.get(rid))
        counts, unit = records.result(), "records"
    return TermStatistics(task=task, unit=unit, attribute=attribute,
                          labelled=len(references), terms=counts)
