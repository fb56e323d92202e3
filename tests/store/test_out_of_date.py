"""Whether a heuristic's votes are out of date, and running those that are, on SQLite and
PostgreSQL: the rule the API, the UI and ``heurist run --out-of-date`` share."""

from __future__ import annotations

import io

import pytest

from formats.types import AttributeType
from heuristics.errors import InvalidInputError
from services.annotation import create_manual_labels
from services.computed_attributes import create_computed_attribute
from services.heuristic_runs import (
    LABELS_SEEN,
    create_heuristic,
    create_heuristic_run,
    update_heuristic,
)
from services.importing import import_records
from services.out_of_date import (
    LISTS_READ,
    Inputs,
    catch_up,
    current_inputs,
    keep_current,
    out_of_date,
    reasons,
    run_out_of_date,
)
from services.projects import create_project
from services.tasks import create_task
from services.users import create_user
from store.heuristic_lookups import latest_run
from store.lookup_lists import create_lookup_list, update_lookup_list
from store.manual_labels import LabelItem
from store.models import HeuristicKind, Record, Run, RunStatus, TaskKind, User

LF = "def lf(record):\n    return None\n"
LEARNER = ("from heuristics import LearningClassifier, params_fit\n"
           "class L(LearningClassifier):\n"
           "    @params_fit(embedding_name='text-all-MiniLM-L6-v2')\n"
           "    def fit(self, embeddings, labels):\n        pass\n")


def _done(run: Run, total: int, lists: dict[str, int] | None = None) -> Run:
    run.status, run.total_items = RunStatus.SUCCEEDED, total
    run.params = {**run.params, LISTS_READ: lists or {}}
    return run


@pytest.mark.parametrize(("run", "found"), [
    (None, ["revision 3 has not run"]),
    (Run(status=RunStatus.QUEUED), []),
    (Run(status=RunStatus.RUNNING, total_items=1), []),
    (Run(status=RunStatus.FAILED), ["its latest run failed"]),
    (Run(status=RunStatus.CANCELLED), ["its latest run was cancelled"]),
    (Run(status=RunStatus.SUCCEEDED, total_items=10, params={}), []),
    (Run(status=RunStatus.SUCCEEDED, total_items=9, params={}), ["1 record added since its run"]),
    (Run(status=RunStatus.SUCCEEDED, total_items=10, params={LISTS_READ: {"a": 1, "b": 1}}),
     ["lookup list a changed since its run", "lookup list b was deleted since its run"]),
])
def test_reasons(run: Run | None, found: list[str]) -> None:
    inputs = Inputs(list_versions={"a": 2, "c": 1}, n_imported=10, label_changes={})
    assert reasons(run, 3, inputs) == found


@pytest.mark.parametrize(("seen", "now", "found"), [
    (4, 4, []), (4, 5, ["1 label change since its fit"]),
    (None, 12, ["12 label changes since its fit"]),
])
def test_a_learner_is_out_of_date_once_its_labels_changed(seen, now, found) -> None:
    run = Run(status=RunStatus.SUCCEEDED, total_items=10,
              params={} if seen is None else {LABELS_SEEN: seen})
    inputs = Inputs(list_versions={}, n_imported=10, label_changes={7: now})
    assert reasons(run, 1, inputs, learns_from=7) == found
    assert reasons(run, 1, inputs) == [], "a labeling function does not learn from labels"


def _out_of_date(session, heuristic, inputs) -> list[str]:
    return out_of_date(run=latest_run(session=session, heuristic=heuristic, status=None),
                       heuristic=heuristic, inputs=inputs)


@pytest.fixture
def project(session):
    owner = create_user(session=session, name="owner")[0]
    project = create_project(session=session, name="p", description="", owner=owner)
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(b"id,text\na,one\nb,two\nc,three\n"))
    return project


def test_only_the_heuristics_out_of_date_run_again(session, project):
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["x", "y"])
    other = create_task(session=session, project=project, name="u",
                        kind=TaskKind.CLASSIFICATION, labels=["x"])
    words = create_lookup_list(session=session, project=project, name="words", terms=["one"])
    current, edited, reading, busy = (
        create_heuristic(session=session, task=task, name=name, source=LF)
        for name in ("current", "edited", "reading", "busy"))
    never = create_heuristic(session=session, task=task, name="never", source=LF)
    for heuristic in (current, edited, reading):
        _done(create_heuristic_run(session=session, heuristic=heuristic), 3,
              {"words": 1} if heuristic is reading else None)
    create_heuristic_run(session=session, heuristic=busy)           # queued
    update_heuristic(session=session, heuristic=edited, source=LF + "# v2\n")
    update_lookup_list(session=session, lookup_list=words, add=["two"])
    session.commit()

    inputs = current_inputs(session=session, project_id=project.id)
    assert {h.name: _out_of_date(session, h, inputs)
            for h in (current, edited, reading, busy, never)} == {
        "current": [], "edited": ["revision 2 has not run"],
        "reading": ["lookup list words changed since its run"], "busy": [],
        "never": ["revision 1 has not run"]}
    started = run_out_of_date(session=session, project=project, task=task)
    assert sorted(run.heuristic_id for run in started) == sorted(
        [edited.id, reading.id, never.id])
    assert all(run.status is RunStatus.QUEUED for run in started)
    assert run_out_of_date(session=session, project=project, task=task) == [], (
        "queued runs are not started twice")
    every = run_out_of_date(session=session, project=project, task=task,
                            heuristic_ids=[current.id, busy.id], everything=True)
    assert [run.heuristic_id for run in every] == [current.id]   # busy is queued still

    stranger = create_heuristic(session=session, task=other, name="stranger", source=LF)
    with pytest.raises(InvalidInputError, match=f"heuristic {stranger.id} is not a heuristic"):
        run_out_of_date(session=session, project=project, task=task,
                        heuristic_ids=[stranger.id])


def test_a_learner_fitted_before_a_label_runs_again(session, project):
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["x", "y"])
    learner = create_heuristic(session=session, task=task, name="learner", source=LEARNER,
                               kind=HeuristicKind.ACTIVE_LEARNER)
    function = create_heuristic(session=session, task=task, name="function", source=LF)
    for heuristic in (learner, function):
        _done(create_heuristic_run(session=session, heuristic=heuristic), 3)
    session.commit()
    assert _out_of_date(session, learner, current_inputs(session=session,
                                                         project_id=project.id)) == []

    record = session.query(Record).filter_by(project_id=project.id).first()
    create_manual_labels(session=session, task=task, items=[
        LabelItem(record=record, label_name="x", annotator=session.query(User).one())])
    inputs = current_inputs(session=session, project_id=project.id)
    assert _out_of_date(session, learner, inputs) == [
        "1 label change since its fit (it refits after 10)"]
    assert _out_of_date(session, function, inputs) == []
    assert [run.heuristic_id for run in run_out_of_date(
        session=session, project=project, task=task)] == [learner.id]


class Sent:
    """A queue that keeps the ids of the runs handed to it."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def enqueue_run(self, run_id: int, *, kind: str | None = None,
                    recovered: bool = False) -> None:
        self.ids.append(run_id)


def test_tasks_that_keep_current_run_their_out_of_date_functions(session, project):
    kept = create_task(session=session, project=project, name="kept",
                       kind=TaskKind.CLASSIFICATION, labels=["x"])
    left = create_task(session=session, project=project, name="left",
                       kind=TaskKind.CLASSIFICATION, labels=["x"])
    kept.auto_run = True
    function = create_heuristic(session=session, task=kept, name="f", source=LF)
    learner = create_heuristic(session=session, task=kept, name="l", source=LEARNER,
                               kind=HeuristicKind.ACTIVE_LEARNER)
    create_heuristic(session=session, task=left, name="g", source=LF)
    session.commit()

    queue = Sent()
    due = keep_current(session=session, project=project, queue=queue)
    assert [run.heuristic_id for run in due] == [function.id], (
        "a learner keeps its refit rule; a task not kept current is left alone")
    assert queue.ids == [run.id for run in due] and due[0].status is RunStatus.QUEUED
    assert keep_current(session=session, project=project, queue=queue) == [], (
        "a queued run is not queued twice")
    _done(due[0], 3)
    session.commit()
    assert keep_current(session=session, project=project, queue=queue) == []
    update_heuristic(session=session, heuristic=function, source=LF + "# v2\n")
    assert keep_current(session=session, project=project, queue=queue,
                        task_ids=[left.id]) == [], "only the tasks named"
    [again] = keep_current(session=session, project=project, queue=queue)
    assert again.heuristic_id == function.id
    assert learner.id not in {r.heuristic_id for r in session.query(Run)}
    again.status = RunStatus.FAILED
    session.commit()
    assert keep_current(session=session, project=project, queue=queue) == [], (
        "code that failed is not tried again unasked")


def test_a_change_during_a_run_is_caught_up_after_it(session, project):
    kept = create_task(session=session, project=project, name="kept",
                       kind=TaskKind.CLASSIFICATION, labels=["x"])
    words = create_lookup_list(session=session, project=project, name="words", terms=["one"])
    function = create_heuristic(session=session, task=kept, name="f", source=LF)
    running = create_heuristic_run(session=session, heuristic=function)
    running.status, running.params = RunStatus.RUNNING, {LISTS_READ: {"words": 1}}
    kept.auto_run = True
    update_lookup_list(session=session, lookup_list=words, add=["two"])
    session.commit()
    assert keep_current(session=session, project=project, queue=Sent()) == [], (
        "a running function is left alone")

    _done(running, 3, {"words": 1})
    session.commit()
    [next_run] = catch_up(session=session, run=running)
    assert (next_run.heuristic_id, next_run.status) == (function.id, RunStatus.QUEUED)
    _done(next_run, 3, {"words": 2})
    session.commit()
    assert catch_up(session=session, run=next_run) == [], "nothing changed during this one"
    kept.auto_run = False
    update_lookup_list(session=session, lookup_list=words, add=["three"])
    session.commit()
    assert catch_up(session=session, run=next_run) == [], "a task not kept current"


READS_N = 'def lf(record):\n    return "x" if record["n"] else None\n'


def test_functions_kept_current_wait_for_the_attributes_they_read(session, project):
    kept = create_task(session=session, project=project, name="kept",
                       kind=TaskKind.CLASSIFICATION, labels=["x"])
    kept.auto_run = True
    reads = create_heuristic(session=session, task=kept, name="reads_n", source=READS_N)
    other = create_heuristic(session=session, task=kept, name="other", source=LF)
    session.commit()
    queue = Sent()
    attribute = create_computed_attribute(session=session, project=project, name="n",
                                          data_type=AttributeType.INTEGER,
                                          source="def ac(record):\n    return 1\n", queue=queue)
    computing = session.get(Run, attribute.run_id)

    due = keep_current(session=session, project=project, queue=queue)
    assert [run.heuristic_id for run in due] == [other.id], (
        "the function reading n waits for n's run; the other one runs")
    [asked] = run_out_of_date(session=session, project=project, task=kept,
                              heuristic_ids=[reads.id])
    assert asked.heuristic_id == reads.id, "asked for, it runs at once"
    words = create_lookup_list(session=session, project=project, name="words", terms=["a"])
    _done(asked, 0, {"words": words.version})
    update_lookup_list(session=session, lookup_list=words, add=["b"])
    computing.status = RunStatus.RUNNING
    session.commit()
    assert catch_up(session=session, run=asked) == [], (
        "out of date after its run, it still waits while n is computed")
    assert keep_current(session=session, project=project, queue=queue) == []

    computing.status = RunStatus.SUCCEEDED
    session.commit()
    [after] = keep_current(session=session, project=project, queue=queue)
    assert after.heuristic_id == reads.id, "n's values are there: the function runs"
