"""Computed values written into records on SQLite and PostgreSQL: one key changes, the
others stay; a text value's tokens follow it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from formats.types import AttributeType
from services.computed_attributes import (
    ATTRIBUTE_RUN,
    Computed,
    apply_staged,
    discard_staged,
    stage_values,
    store_values,
)
from services.heuristic_runs import project_records
from services.importing import import_records
from services.projects import create_project
from services.users import create_user
from store.models import ComputedValue, Record, Tokenization
from store.projects import add_attribute
from store.records import set_attribute_values
from store.runs import add_run


def _project(session):
    owner, _ = create_user(session=session, name="owner")
    project = create_project(session=session, name="p", description="", owner=owner)
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(b"id,text,stars\na,one two,5\nb,three,1\n"))
    return project


def _data(session) -> dict[str, dict]:
    session.expire_all()
    return {r.external_id: r.data for r in session.scalars(select(Record))}


def test_one_key_changes_and_the_others_stay(session):
    project = _project(session)
    ids = {r.external_id: r.id for r in session.scalars(select(Record))}
    odd = "n of wörter-2"   # as a computed attribute's name may be
    set_attribute_values(session=session, name=odd, values={ids["a"]: 3, ids["b"]: None})
    set_attribute_values(session=session, name="flag", values={ids["a"]: True})
    session.commit()
    assert _data(session) == {
        "a": {"text": "one two", "stars": 5, odd: 3, "flag": True},
        "b": {"text": "three", "stars": 1, odd: None}}
    assert project.id
    with pytest.raises(ValueError, match="quote or backslash"):
        set_attribute_values(session=session, name='a "quote"', values={ids["a"]: 1})


def test_a_text_values_tokens_follow_it(session):
    project = _project(session)
    attribute = add_attribute(session=session, project=project, name="shout",
                              data_type=AttributeType.TEXT)
    attribute.source = "def ac(record):\n    return record['text'].upper()\n"
    first, second = [r.id for r in session.scalars(select(Record).order_by(Record.id))]

    def tokens() -> list[int]:
        return [len(t.starts) for t in session.scalars(
            select(Tokenization).where(Tokenization.attribute_id == attribute.id)
            .order_by(Tokenization.record_id))]

    store_values(session=session, attribute=attribute, values={first: "ONE TWO", second: None})
    session.commit()
    assert tokens() == [2, 0]
    store_values(session=session, attribute=attribute, values={first: "A B C"})
    session.commit()
    assert tokens() == [3, 0]
    assert _data(session)["a"]["shout"] == "A B C"


def test_a_runs_values_reach_the_records_only_once_it_succeeded(session):
    project = _project(session)
    attribute = add_attribute(session=session, project=project, name="n",
                              data_type=AttributeType.INTEGER)
    ids = [r.id for r in session.scalars(select(Record).order_by(Record.id))]
    records = project_records(session=session, project=project, record_ids=ids)
    good, bad = (add_run(session=session, project_id=project.id, kind=ATTRIBUTE_RUN)
                 for _ in range(2))
    for run, values in ((good, (1, 2)), (bad, (8, 9))):
        for record, value in zip(records, values, strict=True):   # one chunk a record
            stage_values(session=session, run_id=run.id, outcomes=[Computed(record, value)])
    stage_values(session=session, run_id=good.id, outcomes=[Computed(records[1], None)])
    session.commit()
    assert "n" not in _data(session)["a"], "nothing written while the runs are under way"

    discard_staged(session=session, run_ids=[bad.id])
    apply_staged(session=session, attribute=attribute, run_id=good.id, batch=1)
    session.commit()
    assert {k: v["n"] for k, v in _data(session).items()} == {"a": 1, "b": None}, (
        "the retried chunk's value replaced the first one; the failed run wrote nothing")
    assert session.scalar(select(func.count()).select_from(ComputedValue)) == 0
