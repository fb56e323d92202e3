"""A learner's automatic refit is queued in the transaction of the label that made it due
and handed to the workers only once that transaction has committed (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.heuristic_runs import create_heuristic, create_heuristic_run
from store.models import HeuristicKind, LabelingTask, Run, RunStatus
from tests.api.conftest import API, create_task, upload

SOURCE = ("from heuristics import LearningClassifier, params_fit\n"
          "class L(LearningClassifier):\n"
          "    @params_fit(embedding_name='e')\n"
          "    def fit(self, embeddings, labels):\n        pass\n")


class CommittedRuns:
    """The app's queue, checking first on a connection of its own that each run handed to
    it is stored: what it saw, by run id (None: not committed)."""

    def __init__(self, queue, sessions) -> None:
        self.queue, self.sessions, self.seen = queue, sessions, {}

    def enqueue_run(self, run_id: int, *, kind: str | None = None,
                    recovered: bool = False) -> None:
        with self.sessions() as session:
            self.seen[run_id] = session.scalar(select(Run.status).where(Run.id == run_id))
        self.queue.enqueue_run(run_id, kind=kind, recovered=recovered)


@pytest.fixture
def learning(app, client, admin) -> dict:
    """Ten records, a classification and a multi-label task, each with a learner that refits
    after every 2 labelling acts (its first run done); the app's queue checked."""
    project = client.post(f"{API}/projects", json={"name": "refits"}, headers=admin).json()["id"]
    rows = "".join(f"r{i},text {i}\n" for i in range(10))
    assert upload(client, admin, project, f"id,text\n{rows}", id_column="id").status_code == 201
    single = create_task(client, admin, project, name="single", kind="classification",
                         labels=["ham", "spam"])["id"]
    multi = create_task(client, admin, project, name="multi", kind="multilabel",
                        labels=["x", "y"])["id"]
    learners = {}
    with app.state.sessions() as session:
        for task_id in (single, multi):
            learner = create_heuristic(session=session, task=session.get(LabelingTask, task_id),
                                       name="l", source=SOURCE,
                                       kind=HeuristicKind.ACTIVE_LEARNER)
            learner.auto_refit_every = 2
            create_heuristic_run(session=session, heuristic=learner).status = \
                RunStatus.SUCCEEDED
            session.commit()
            learners[task_id] = learner.id
    records = [r["id"] for r in client.get(f"{API}/projects/{project}/records", headers=admin,
                                           params={"limit": 10}).json()["data"]]
    app.state.queue = CommittedRuns(app.state.queue, app.state.sessions)
    return {"project": project, "single": single, "multi": multi, "learners": learners,
            "records": records, "queue": app.state.queue}


def _queued_refits(app, learner_id: int) -> list[Run]:
    with app.state.sessions() as session:
        return list(session.scalars(select(Run).where(
            Run.heuristic_id == learner_id, Run.status == RunStatus.QUEUED)))


def test_labels_queue_a_due_refit_once_and_enqueue_it_committed(app, client, admin, learning):
    project, task, records = learning["project"], learning["single"], learning["records"]
    path = f"{API}/projects/{project}/records/{{}}/labels"
    first = client.post(path.format(records[0]), headers=admin,
                        json={"task_id": task, "label": "spam"})
    assert first.status_code == 201 and learning["queue"].seen == {}
    second = client.post(path.format(records[1]), headers=admin,
                         json={"task_id": task, "label": "ham"})
    assert second.status_code == 201
    [refit] = _queued_refits(app, learning["learners"][task])
    assert learning["queue"].seen == {refit.id: RunStatus.QUEUED}
    assert refit.params["manual_labels"] == 2
    # one at a time: more labels while it waits queue nothing more
    for record in records[2:5]:
        assert client.post(path.format(record), headers=admin,
                           json={"task_id": task, "label": "ham"}).status_code == 201
    assert [r.id for r in _queued_refits(app, learning["learners"][task])] == [refit.id]
    assert list(learning["queue"].seen) == [refit.id]


def test_bulk_labels_and_reviews_queue_due_refits_committed(app, client, admin, learning):
    project, records = learning["project"], learning["records"]
    bulk = client.post(f"{API}/projects/{project}/tasks/{learning['single']}/labels/bulk",
                       headers=admin, json={"labels": [
                           {"record_id": rid, "label": "ham"} for rid in records[:3]]})
    assert bulk.status_code == 201, bulk.text
    [single] = _queued_refits(app, learning["learners"][learning["single"]])
    multi = learning["multi"]
    for record in records[:2]:
        reviewed = client.post(f"{API}/projects/{project}/records/{record}/reviews",
                               headers=admin, json={"task_id": multi})
        assert reviewed.status_code == 201, reviewed.text
    [refit] = _queued_refits(app, learning["learners"][multi])
    assert learning["queue"].seen == {single.id: RunStatus.QUEUED,
                                      refit.id: RunStatus.QUEUED}
