"""Replacing one annotator's labels of many records by name (what an update import does
with its label column)."""

from __future__ import annotations

from sqlalchemy import select

from services.tasks import create_task
from store.auth import get_or_create_user
from store.manual_labels import LabelItem, add_manual_labels, replace_labels
from store.models import Label, ManualLabel, Record, TaskKind


def _by_annotator(session, task) -> set[tuple[int, str, int, bool]]:
    return set(session.execute(
        select(ManualLabel.record_id, Label.name, ManualLabel.annotator_id,
               ManualLabel.is_gold).join(Label).where(ManualLabel.task_id == task.id)).all())


def test_multi_label_sets_are_made_the_given_ones_and_others_stay(session, project):
    task = create_task(session=session, project=project, name="topics",
                       kind=TaskKind.MULTILABEL, labels=["a", "b", "c"])
    ann, bob = (get_or_create_user(session=session, name=n) for n in ("ann", "bob"))
    one, two, three = session.scalars(select(Record).where(
        Record.project_id == project.id).order_by(Record.id).limit(3)).all()
    add_manual_labels(session=session, task=task, items=[
        LabelItem(one, "a", ann), LabelItem(one, "b", ann), LabelItem(two, "c", ann),
        LabelItem(one, "c", bob)])
    changed = replace_labels(session=session, task=task, annotator=ann, is_gold=False,
                             given={one: {"b", "c"}, two: {"c"}, three: {"a"}})
    assert [record.id for record in changed] == [one.id, three.id], "two had them already"
    assert _by_annotator(session, task) == {
        (one.id, "b", ann.id, False), (one.id, "c", ann.id, False),
        (two.id, "c", ann.id, False), (three.id, "a", ann.id, False),
        (one.id, "c", bob.id, False)}


def test_a_classification_gold_label_is_the_records_one_gold_label(session, project):
    task = create_task(session=session, project=project, name="mood",
                       kind=TaskKind.CLASSIFICATION, labels=["pos", "neg"])
    ann, bob = (get_or_create_user(session=session, name=n) for n in ("ann", "bob"))
    record = session.scalars(select(Record).where(Record.project_id == project.id)).first()
    add_manual_labels(session=session, task=task, items=[
        LabelItem(record, "neg", bob, is_gold=True), LabelItem(record, "neg", ann)])
    changed = replace_labels(session=session, task=task, annotator=ann, is_gold=True,
                             given={record: {"pos"}})
    assert changed == [record]
    assert _by_annotator(session, task) == {(record.id, "pos", ann.id, True),
                                            (record.id, "neg", ann.id, False)}, \
        "bob's gold label replaced, ann's own label kept"
