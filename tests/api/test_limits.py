"""Nothing a user sends or makes their code produce is stored or served without bound:
user strings are refused above their limit when the request is parsed (422 naming the
field), and run errors, logs and events are cut to one cap before they are stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from heuristics.errors import InvalidInputError
from store import runs
from store.limits import MESSAGE_CAP, NAME_MAX
from store.models import Event, LabelingTask, Project, Run, RunChunk, TaskKind
from store.tasks import add_label
from tests.api.conftest import API, create_task

HUGE = "x" * 1_000_000
TOO_LONG = [
    ("post", "/projects", {"name": "n" * (NAME_MAX + 1)}, "name"),
    ("post", "/projects", {"name": "p", "description": HUGE}, "description"),
    ("post", "/projects/{p}/tasks", {"name": "t", "kind": "classification",
                                     "labels": ["ok", HUGE]}, "labels.1"),
    ("post", "/projects/{p}/tasks", {"name": "t", "kind": "classification",
                                     "labels": [str(i) for i in range(1001)]}, "labels"),
    ("post", "/projects/{p}/tasks/{t}/labels", {"name": HUGE}, "name"),
    ("patch", "/projects/{p}/tasks/{t}/labels/{label}", {"name": HUGE}, "name"),
    ("post", "/projects/{p}/records/{r}/labels", {"task_id": "{t}", "label": HUGE}, "label"),
    ("post", "/projects/{p}/records/{r}/labels", {"task_id": "{t}", "label": "ham",
                                                  "annotator": HUGE}, "annotator"),
    ("post", "/projects/{p}/attributes", {"name": HUGE, "data_type": "text"}, "name"),
    ("put", "/projects/{p}/members", {"user": HUGE, "role": "viewer"}, "user"),
    ("post", "/projects/{p}/heuristics", {"task_id": "{t}", "name": "h",
                                          "source": "#" * 1_000_001}, "source"),
    ("post", "/projects/{p}/heuristics", {"task_id": "{t}", "name": HUGE,
                                          "source": "def lf(r):\n    return None\n"}, "name"),
    ("post", "/projects/{p}/similar", {"embedding_id": 1, "text": HUGE}, "text"),
    ("post", "/users", {"name": HUGE}, "name"),
]


@pytest.fixture
def where(client, admin, record_ids, loaded) -> dict[str, int]:
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    return {"p": loaded, "t": task["id"], "label": task["labels"][0]["id"],
            "r": record_ids["1"]}


def test_too_long_user_strings_are_refused_at_parse_time(client, admin, where):
    wrong = []
    for method, path, body, field in TOO_LONG:
        filled = {k: int(v.format(**where)) if isinstance(v, str) and v.startswith("{")
                  else v for k, v in body.items()}
        response = client.request(method, API + path.format(**where), headers=admin,
                                  json=filled)
        if (response.status_code != 422 or response.json()["field"] != field
                or "at most" not in response.json()["detail"] or len(response.content) > 10_000):
            wrong.append(f"{method} {path} {field}: {response.status_code} "
                         f"{response.text[:200]}")
    assert not wrong, "\n".join(wrong)


def test_a_label_name_from_a_file_is_capped_too(session):
    """Labels made outside a request (a CoNLL import's tags) go through the same rule."""
    project = Project(name="p", description="")
    task = LabelingTask(project=project, name="t", kind=TaskKind.CLASSIFICATION)
    session.add_all([project, task])
    session.flush()
    with pytest.raises(InvalidInputError, match="at most 200 characters"):
        add_label(session=session, task=task, name="B-" + "x" * 300)


def test_a_huge_value_returned_by_code_gives_a_short_error(client, admin, where):
    heuristic = client.post(f"{API}/projects/{where['p']}/heuristics", headers=admin, json={
        "task_id": where["t"], "name": "huge", "source": "def lf(r):\n    return 'x' * 10**7\n"})
    assert heuristic.status_code == 201, heuristic.text
    response = client.post(f"{API}/projects/{where['p']}/heuristics/"
                           f"{heuristic.json()['id']}/sample", headers=admin, json={"n": 1})
    assert response.status_code == 200
    assert "unknown label 'xxx" in response.json()["results"][0]["error"]
    assert len(response.content) < 10_000


@pytest.fixture
def failed_run(app, where) -> int:
    """A run failed the way a worker fails one, with a 10-million-character error and log."""
    error = "E" * 10_000_000
    with app.state.sessions() as session:
        run = runs.create_run(session=session, project_id=where["p"], kind="labeling_function")
        run = runs.begin_run(session=session, run_id=run.id, stale_before=run.created_at)
        runs.add_chunks(session=session, run=run, item_ids=[1, 2], chunk_size=1)
        chunks = list(session.scalars(select(RunChunk).where(RunChunk.run_id == run.id)))
        runs.append_log(session=session, run_id=run.id, text=error)
        runs.release_chunk(session=session, chunk=chunks[0], error=error)
        runs.finish_chunk(session=session, chunk=chunks[1], status=runs.RunStatus.FAILED,
                          error=error)
        assert runs.fail_run(session=session, run_id=run.id, error=error)
        return run.id


def test_run_errors_logs_and_events_are_stored_capped(app, client, admin, where, failed_run):
    with app.state.sessions() as session:
        run = session.get(Run, failed_run)
        assert len(run.error) < MESSAGE_CAP + 100 and len(run.logs) < MESSAGE_CAP + 100
        assert run.error.startswith("EEE") and "characters cut" in run.error
        longest_chunk_error = session.scalar(select(func.max(func.length(RunChunk.error))))
        assert longest_chunk_error < MESSAGE_CAP + 100
        payloads = [e.payload for e in session.scalars(select(Event))]
        assert max(len(str(p)) for p in payloads) < MESSAGE_CAP + 1_000
    listed = client.get(f"{API}/projects/{where['p']}/runs", headers=admin)
    assert listed.status_code == 200 and len(listed.content) < 2 * MESSAGE_CAP
    assert "logs" not in listed.json()["data"][0]
    detail = client.get(f"{API}/projects/{where['p']}/runs/{failed_run}", headers=admin)
    assert len(detail.content) < 3 * MESSAGE_CAP


def test_runs_stored_before_the_cap_are_served_capped(app, client, admin, where, failed_run):
    with app.state.sessions() as session:
        run = session.get(Run, failed_run)
        run.error, run.logs = "E" * 5_000_000, "L" * 5_000_000
        session.commit()
    listed = client.get(f"{API}/projects/{where['p']}/runs", headers=admin)
    assert len(listed.content) < 2 * MESSAGE_CAP
    detail = client.get(f"{API}/projects/{where['p']}/runs/{failed_run}", headers=admin)
    assert len(detail.content) < 3 * MESSAGE_CAP

