"""The labelling queue (``GET .../tasks/{task}/next``): leases, cold start, a model's ranking,
relabelling by ActiveLab, settings and simulation input checks; SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from api.main import create_app
from config import Settings
from heuristics.active import sequence_uncertainties
from services import active_queue
from services.demo import FIXTURES
from services.users import ensure_admin
from store.embeddings import write_vectors
from store.models import (
    ActiveLearningSettings,
    Embedding,
    EmbeddingLevel,
    LabelingTask,
    QueueLease,
    Run,
    RunArtifact,
    RunStatus,
    User,
)
from store.projects import find_attribute
from store.records import record_ids_of
from tests.api.conftest import API, create_task, upload
from tests.api.live import serving
from tests.conftest import DATASETS

N_RECORDS = 30


def _project(client, admin, app) -> tuple[int, int, list[int]]:
    """30 records, spam and ham by turns, with a two-cluster record embedding; a spam task."""
    project = client.post(f"{API}/projects", json={"name": "queue"}, headers=admin).json()["id"]
    rows = "\n".join(f"r{i},{'spam offer' if i % 2 else 'ham note'} {i}"
                     for i in range(N_RECORDS))
    assert upload(client, admin, project, f"id,text\n{rows}\n", id_column="id").status_code == 201
    task = create_task(client, admin, project, name="spam", kind="classification",
                       labels=["ham", "spam"])["id"]
    with app.state.sessions() as session:
        ids = record_ids_of(session=session, project_id=project)
        from store.models import Project

        attribute = find_attribute(session.get(Project, project), "text")
        embedding = Embedding(project_id=project, attribute=attribute, name="text-vectors",
                              model="m", level=EmbeddingLevel.RECORD, dims=4,
                              state=RunStatus.SUCCEEDED)
        session.add(embedding)
        session.flush()
        rng = np.random.default_rng(0)
        centres = np.array([[3.0, 0, 0, 0], [0, 3.0, 0, 0]])
        write_vectors(session=session, embedding=embedding, record_ids=ids,
                      vectors=[(centres[i % 2] + rng.normal(0, 0.5, 4)).astype(np.float32)
                               for i in range(len(ids))])
        session.commit()
    return project, task, ids


@pytest.fixture
def queue_project(client, admin, app):
    return _project(client, admin, app)


@pytest.fixture
def annotators(client, admin, make_user, queue_project):
    project = queue_project[0]
    headers = {}
    for name in ("ann", "bob"):
        headers[name] = make_user(name)
        response = client.put(f"{API}/projects/{project}/members",
                              json={"user": name, "role": "annotator"}, headers=admin)
        assert response.status_code == 200, response.text
    return headers


def _next(client, headers, project, task, **params) -> dict:
    response = client.get(f"{API}/projects/{project}/tasks/{task}/next", params=params,
                          headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _label(client, headers, project, task, record_id, label) -> None:
    response = client.post(f"{API}/projects/{project}/records/{record_id}/labels",
                           json={"task_id": task, "label": label}, headers=headers)
    assert response.status_code == 201, response.text


def _ids(batch: dict) -> list[int]:
    return [item["record"]["id"] for item in batch["data"]]


def _refit(app, task_id: int) -> Run:
    """The refit the labels requested, run here as a worker runs it."""
    from workers.jobs.active_queue import ActiveQueueJob

    with app.state.sessions() as session:
        run_id = session.get(ActiveLearningSettings, task_id).active_run_id
        assert run_id is not None, "labels requested no refit"
        run = session.get(Run, run_id)
        job = ActiveQueueJob()
        job.process(session, run, job.prepare(session, run), lambda **_: None)
        run.status = RunStatus.SUCCEEDED
        session.commit()
        job.succeeded(session, run)
        return run


def test_cold_start_offers_diverse_records_and_leases_them(client, queue_project, annotators):
    project, task, ids = queue_project
    batch = _next(client, annotators["ann"], project, task, n=2)
    assert batch["model"] == "cold start" and batch["count"] == 2
    assert all(item["reason"].startswith("cold start: nearest to the centre of a group")
               for item in batch["data"])
    # one record from each cluster: the even records are one, the odd ones the other
    assert {ids.index(rid) % 2 for rid in _ids(batch)} == {0, 1}
    # bob is never offered what ann holds
    rest = _next(client, annotators["bob"], project, task, n=N_RECORDS - 2)
    assert rest["count"] == N_RECORDS - 2 and not set(_ids(rest)) & set(_ids(batch))
    assert _next(client, annotators["bob"], project, task, n=5)["count"] == 5  # his own, again


def test_without_an_embedding_the_queue_says_why_it_is_random(client, admin, app):
    project = client.post(f"{API}/projects", json={"name": "no vectors"},
                          headers=admin).json()["id"]
    assert upload(client, admin, project, "id,text\na,one\nb,two\nc,three\n",
                  id_column="id").status_code == 201
    task = create_task(client, admin, project, name="t", kind="classification",
                       labels=["x", "y"])["id"]
    batch = _next(client, admin, project, task, n=2)
    assert batch["count"] == 2 and {i["reason"] for i in batch["data"]} == {"random sample"}
    assert batch["notes"] == ["cold start needs a record embedding (create one under "
                              "Embeddings): records in random order"]
    with app.state.sessions() as session:
        from store.models import Project

        session.add(Embedding(project_id=project, name="text-minilm", model="m",
                              attribute=find_attribute(session.get(Project, project), "text"),
                              level=EmbeddingLevel.RECORD, dims=4, state=RunStatus.RUNNING))
        session.commit()
    assert _next(client, admin, project, task, n=2)["notes"] == [
        "cold start waits for the embedding 'text-minilm' (running): records in random "
        "order until it is ready"]


def test_two_annotators_asking_at_once_never_share_a_record(app, admin, annotators,
                                                            queue_project):
    project, task, _ = queue_project
    url = f"{API}/projects/{project}/tasks/{task}/next"
    got: dict[str, list[int]] = {}
    with serving(app) as base:
        start = threading.Barrier(2)

        def ask(name: str) -> None:
            start.wait()
            response = httpx.get(base + url, params={"n": 12}, headers=annotators[name],
                                 timeout=60)
            assert response.status_code == 200, response.text
            got[name] = _ids(response.json())

        threads = [threading.Thread(target=ask, args=(name,)) for name in ("ann", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert len(got["ann"]) == len(got["bob"]) == 12
    assert not set(got["ann"]) & set(got["bob"])


def test_a_label_releases_the_lease_and_own_labels_come_back_only_to_relabel(
        client, queue_project, annotators):
    project, task, _ = queue_project
    ann, bob = annotators["ann"], annotators["bob"]
    everything = _ids(_next(client, ann, project, task, n=N_RECORDS))
    assert len(everything) == N_RECORDS
    assert _next(client, bob, project, task, n=5)["count"] == 0
    _label(client, ann, project, task, everything[0], "ham")
    # ann's label ended her lease of that record: bob may relabel it, and only that one
    assert _ids(_next(client, bob, project, task, n=5, relabel=True)) == [everything[0]]
    # ann's own label: not offered to her again, unless she asks to relabel
    _label(client, bob, project, task, everything[0], "ham")
    mine = _ids(_next(client, ann, project, task, n=N_RECORDS))
    assert everything[0] not in mine and len(mine) == N_RECORDS - 1
    again = _ids(_next(client, ann, project, task, n=N_RECORDS, relabel=True))
    assert everything[0] in again


def test_an_expired_lease_frees_its_records(database_url, tmp_path):
    import time

    from store.models import as_utc, utcnow

    lease_s = 2.0   # long enough for two requests on a busy machine
    settings = Settings(database_url=database_url, data_dir=tmp_path / "var",
                        datasets_dir=DATASETS, queue_lease_s=lease_s)
    app = create_app(settings)
    try:
        client = TestClient(app)
        with app.state.sessions() as session:
            admin = {"Authorization": "Bearer " + ensure_admin(
                session=session, key_file=settings.admin_key_file)}
        project, task, _ = _project(client, admin, app)
        bob = client.post(f"{API}/users", json={"name": "bob"}, headers=admin).json()
        client.put(f"{API}/projects/{project}/members", json={"user": "bob",
                                                              "role": "annotator"},
                   headers=admin)
        bob_headers = {"Authorization": f"Bearer {bob['api_key']}"}
        asked = utcnow()
        held = _ids(_next(client, admin, project, task, n=N_RECORDS))
        assert _next(client, bob_headers, project, task, n=3)["count"] == 0
        answered = utcnow()
        with app.state.sessions() as session:
            expires = as_utc(session.query(QueueLease).first().expires_at)
        # the lease runs lease_s from the request that took it
        assert (expires - asked).total_seconds() >= lease_s
        assert (expires - answered).total_seconds() <= lease_s
        time.sleep(max((expires - utcnow()).total_seconds(), 0) + 0.1)
        assert set(_ids(_next(client, bob_headers, project, task, n=3))) <= set(held)
        assert _next(client, bob_headers, project, task, n=3)["count"] == 3
    finally:
        app.state.engine.dispose()


def test_a_refit_ranks_by_margin_and_gives_a_stop_hint(app, client, admin, queue_project):
    project, task, ids = queue_project
    for i in range(6):
        _label(client, admin, project, task, ids[i], "spam" if i % 2 else "ham")
    run = _refit(app, task)
    assert run.metrics["fitted"] and run.metrics["n_labelled"] == 6
    batch = _next(client, admin, project, task, n=3, strategy="margin")
    assert batch["model"] == f"default logistic regression (run {run.id})"
    # the learner reads the texts too ("spam offer 3", "ham note 4"): certain at once
    assert batch["stop"]["message"].startswith(
        "labelling can stop: kappa needs 4 refits (1 so far); uncertainty")
    assert all(item["reason"].startswith("margin ") for item in batch["data"])
    scores = [item["score"] for item in batch["data"]]
    assert scores == sorted(scores, reverse=True)
    assert not set(_ids(batch)) & set(ids[:6])
    # the margin of the reason is 1 - score
    item = batch["data"][0]
    assert float(item["reason"].split()[1]) == pytest.approx(1 - item["score"], abs=0.006)
    state = client.get(f"{API}/projects/{project}/tasks/{task}/active-learning",
                       headers=admin).json()
    assert state["model_run_id"] == run.id and state["refit_run_id"] is None


def test_records_deleted_after_the_refit_are_never_offered(app, client, admin, queue_project):
    project, task, ids = queue_project
    for i in range(6):
        _label(client, admin, project, task, ids[i], "spam" if i % 2 else "ham")
    _refit(app, task)
    first = _ids(_next(client, admin, project, task, n=3, strategy="margin"))
    deleted = client.post(f"{API}/projects/{project}/records/delete", headers=admin,
                          json={"record_ids": first})
    assert deleted.status_code == 200, deleted.text
    again = _ids(_next(client, admin, project, task, n=3, strategy="margin"))
    assert len(again) == 3 and not set(again) & set(first), (
        "the model ranked them, but they are gone")


def test_the_queue_ranks_the_same_from_the_vector_file_as_from_the_database(
        app, client, admin, settings, annotators, queue_project):
    project, task, ids = queue_project

    def both(**params) -> tuple[list[int], list[int]]:
        """The API's batch (vectors from the file) and the same asked again of the service
        without a vector folder (vectors from the database); the second replaces the
        first's leases."""
        from_file = _ids(_next(client, annotators["ann"], project, task, **params))
        with app.state.sessions() as session:
            batch = active_queue.next_records(
                session=session, task=session.get(LabelingTask, task),
                annotator=session.scalar(select(User).where(User.name == "ann")), **params)
        return from_file, [item.record.id for item in batch.items]

    cold_file, cold_database = both(n=4)
    assert len(cold_file) == 4 and cold_file == cold_database
    assert list(settings.vector_cache_dir.glob("*.npy"))
    for i in range(6):
        _label(client, admin, project, task, ids[i], "spam" if i % 2 else "ham")
    _refit(app, task)
    diverse_file, diverse_database = both(n=3, strategy="margin_diverse")
    assert len(diverse_file) == 3 and diverse_file == diverse_database


def test_the_default_strategy_asks_cold_start_records_until_enough_labels(
        app, client, admin, queue_project, monkeypatch):
    project, task, ids = queue_project
    for i in range(6):
        _label(client, admin, project, task, ids[i], "spam" if i % 2 else "ham")
    run = _refit(app, task)
    warming = _next(client, admin, project, task, n=2)
    assert (warming["strategy"], warming["model"]) == ("margin_after_cold_start", "cold start")
    assert [item["reason"].startswith("cold start: ") for item in warming["data"]] == [True] * 2
    # one record of each of the two clusters, none labelled; the fitted model's hint stays
    clusters = {ids.index(rid) % 2 for rid in _ids(warming)}
    assert clusters == {0, 1} and not set(_ids(warming)) & set(ids[:6])
    assert warming["stop"] is not None
    monkeypatch.setattr(active_queue, "WARM_UP_LABELS", 6)
    ranked = _next(client, admin, project, task, n=3)
    assert ranked["model"] == f"default logistic regression (run {run.id})"
    assert all(item["reason"].startswith("margin ") for item in ranked["data"])


def test_a_burst_of_labels_requests_one_refit(app, client, admin, queue_project):
    project, task, ids = queue_project
    for i in range(5):
        _label(client, admin, project, task, ids[i], "spam" if i % 2 else "ham")
    with app.state.sessions() as session:
        refits = session.query(Run).filter(Run.kind == active_queue.REFIT_RUN).all()
    assert len(refits) == 1 and refits[0].status is RunStatus.QUEUED


def test_a_refit_in_flight_queues_one_more_after_it(app, client, admin, queue_project):
    project, task, ids = queue_project
    for i in range(4):
        _label(client, admin, project, task, ids[i], "spam" if i % 2 else "ham")
    from workers.jobs.active_queue import ActiveQueueJob

    with app.state.sessions() as session:
        run = session.get(Run, session.get(ActiveLearningSettings, task).active_run_id)
        job = ActiveQueueJob()
        job.process(session, run, [task], lambda **_: None)   # reads 4 labels
        run.status = RunStatus.RUNNING
        session.commit()
        run_id = run.id
    for i in range(4, 7):   # labels while it fits: no new run yet
        _label(client, admin, project, task, ids[i], "spam" if i % 2 else "ham")
    with app.state.sessions() as session:
        assert session.query(Run).filter(Run.kind == active_queue.REFIT_RUN).count() == 1
        run = session.get(Run, run_id)
        run.status = RunStatus.SUCCEEDED
        session.commit()
        committed = []
        count = committed.append   # one bound method, to remove the same listener
        event.listen(session, "after_commit", count)
        follow_ups = job.succeeded(session, run)
        event.remove(session, "after_commit", count)
        assert len(follow_ups) == 1 and follow_ups[0].id != run_id
        chosen = session.get(ActiveLearningSettings, task)
        assert chosen.latest_run_id == run_id and chosen.active_run_id == follow_ups[0].id
        # the queue goes from this refit to the next in one transaction: nobody reads "no
        # refit pending" in between
        assert len(committed) == 1


def test_activelab_asks_to_relabel_where_annotators_disagree(app, client, admin, annotators,
                                                              queue_project):
    project, task, ids = queue_project
    ann, bob = annotators["ann"], annotators["bob"]
    for i in range(10):
        truth = "spam" if i % 2 else "ham"
        _label(client, ann, project, task, ids[i], truth)
        _label(client, bob, project, task, ids[i], truth)
    disputed = ids[10]
    _label(client, ann, project, task, disputed, "ham")
    _label(client, bob, project, task, disputed, "spam")
    _refit(app, task)
    owner = _next(client, admin, project, task, n=3)
    assert owner["data"][0]["record"]["id"] == disputed
    assert owner["data"][0]["reason"].startswith("relabel: annotators disagree")
    assert all(item["reason"].startswith(("relabel:", "new:")) for item in owner["data"])
    # ann labelled it: she is not asked to relabel it unless she asks to relabel
    assert disputed not in _ids(_next(client, ann, project, task, n=5))


def test_annotator_quality_and_consensus_weigh_labels_with_the_queue_model(
        app, client, admin, annotators, queue_project):
    project, task, ids = queue_project
    ann, bob = annotators["ann"], annotators["bob"]
    url = f"{API}/projects/{project}/tasks/{task}/annotators"
    truth = ["spam" if i % 2 else "ham" for i in range(N_RECORDS)]
    for i in range(16):   # ann is always right; bob is wrong on every third record
        _label(client, ann, project, task, ids[i], truth[i])
        wrong = {"spam": "ham", "ham": "spam"}[truth[i]]
        _label(client, bob, project, task, ids[i], wrong if i % 3 == 0 else truth[i])
    before = client.get(url, headers=admin).json()
    assert before["model"] is None and "none yet" in before["note"]
    assert [(a["name"], a["labels"], a["quality"]) for a in before["annotators"]] == [
        ("ann", 16, None), ("bob", 16, None)]
    assert before["n_disagreements"] == 6   # records 0, 3, 6, 9, 12, 15
    assert {d["record_id"] for d in before["disagreements"]} == {ids[i] for i in range(0, 16, 3)}
    assert all(d["reference"] is None and d["consensus"] is None   # 1 against 1: a tie
               for d in before["disagreements"])

    refit = _refit(app, task)
    # the refit settled the six ties by CROWDLAB: they have references now
    assert refit.metrics["consensus"] == {"disputed": 6, "settled": 6, "references": 6}
    with app.state.sessions() as session:   # its own settlements queue no refit after it
        assert session.get(ActiveLearningSettings, task).active_run_id is None
    report = client.get(url, headers=admin).json()
    assert report["model"].startswith("default") and report["note"] is None
    quality = {a["name"]: a["quality"] for a in report["annotators"]}
    assert 0 <= quality["bob"] < quality["ann"] <= 1
    agreement = {a["name"]: a["agreement"] for a in report["annotators"]}
    assert agreement["ann"] > agreement["bob"]
    settled = {d["record_id"]: d for d in report["disagreements"]}
    assert set(settled) == {ids[i] for i in range(0, 16, 3)}
    # the two clusters make the model sure: it sides with ann on every tie
    assert all(d["consensus"] == truth[ids.index(rid)] for rid, d in settled.items())
    assert all(d["annotations"]["ann"] == d["consensus"] == d["reference"]
               for d in settled.values())
    page = client.get(f"{API}/projects/{project}/records", params={"limit": N_RECORDS},
                      headers=admin).json()["data"]
    assert {r["id"]: r["references"].get(str(task)) for r in page if r["id"] in settled} == {
        rid: d["consensus"] for rid, d in settled.items()}
    # a refit's own settlements queue no refit after it (only labels do); a gold label
    # decides over the consensus
    gold = ids[0]
    response = client.post(f"{API}/projects/{project}/records/{gold}/labels", headers=admin,
                           json={"task_id": task, "label": "spam", "is_gold": True})
    assert response.status_code == 201, response.text
    assert _refit(app, task).metrics["consensus"] == {"disputed": 5, "settled": 5,
                                                       "references": 0}
    detail = client.get(f"{API}/projects/{project}/records/{gold}", headers=admin).json()
    assert next(t for t in detail["tasks"] if t["task_id"] == task)["reference"] == "spam"
    with app.state.sessions() as session:
        assert session.get(ActiveLearningSettings, task).active_run_id is None
    assert [d["consensus_quality"] for d in report["disagreements"]] == sorted(
        d["consensus_quality"] for d in report["disagreements"])


def test_annotator_quality_is_for_classification_tasks(client, admin, queue_project):
    project, _, _ = queue_project
    spans = create_task(client, admin, project, name="spans", kind="extraction",
                        labels=["X"], target_attribute="text")["id"]
    answer = client.get(f"{API}/projects/{project}/tasks/{spans}/annotators", headers=admin)
    assert answer.status_code == 422 and "classification tasks" in answer.json()["detail"]


def test_settings_and_bad_input(client, admin, queue_project):
    project, task, ids = queue_project
    url = f"{API}/projects/{project}/tasks/{task}"
    changed = client.patch(f"{url}/active-learning", json={"strategy": "entropy",
                                                           "batch_size": 4}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["strategy"], changed.json()["batch_size"]) == ("entropy", 4)
    assert changed.json()["ranks_by"] == "entropy"
    assert [c["name"] for c in changed.json()["strategies"]] == [
        "margin_after_cold_start", "margin", "least_confidence", "entropy", "margin_diverse",
        "random"]
    # a span task offers the strategies that rank its records differently, in words
    spans = create_task(client, admin, project, name="spans", kind="extraction",
                        labels=["X"], target_attribute="text")["id"]
    offered = client.get(f"{API}/projects/{project}/tasks/{spans}/active-learning",
                         headers=admin).json()
    assert offered["ranks_by"] == "cold start, then least confident token sequence"
    assert {c["name"]: c["ranks_by"] for c in offered["strategies"]} == {
        "margin_after_cold_start": "cold start, then least confident token sequence",
        "margin": "least confident token sequence",
        "margin_diverse": "least confident predicted span", "random": "random"}
    assert _next(client, admin, project, task)["count"] == 4
    bad = client.get(f"{url}/next", params={"strategy": "psychic"}, headers=admin)
    assert bad.status_code == 422 and "strategy" in bad.text
    wrong = client.patch(f"{url}/active-learning", json={"heuristic_id": 999}, headers=admin)
    assert wrong.status_code == 422 and "not an active learner" in wrong.json()["detail"]
    # a budget the reference labels cannot serve is refused at once, not by a failed run
    too_big = client.post(f"{url}/simulations", json={"budget": 20}, headers=admin)
    assert too_big.status_code == 422, too_big.text
    assert ("0 records have a reference label; a simulation with a budget of 20 needs more"
            in too_big.json()["detail"])
    for i, record in enumerate(ids):
        _label(client, admin, project, task, record, "spam" if i % 2 else "ham")
    queued = client.post(f"{url}/simulations", json={"budget": 20}, headers=admin)
    assert queued.status_code == 202 and queued.json()["kind"] == "simulation"
    missing = client.get(f"{API}/projects/{project}/runs/{queued.json()['id']}/artifacts/"
                         "learning_curve.png", headers=admin)
    assert missing.status_code == 404 and "no artifact" in missing.json()["detail"]
    bad_seed = client.post(f"{url}/simulations", json={"budget": 10, "seed_size": 20},
                           headers=admin)
    assert bad_seed.status_code == 422 and "seed size" in bad_seed.json()["detail"]


def test_default_settings_row_is_per_task(app, queue_project):
    _, task, _ = queue_project
    with app.state.sessions() as session:
        settings = active_queue.queue_settings(session=session,
                                               task=session.get(LabelingTask, task))
        assert (settings.strategy, settings.batch_size, settings.heuristic_id) == \
            ("margin_after_cold_start", 20, None)


def test_extraction_queue_ranks_by_a_crf_over_token_vectors(app, client, admin):
    from store.models import Project, Tokenization

    conll = FIXTURES / "conll_sample.txt"
    project = client.post(f"{API}/projects", json={"name": "ner"}, headers=admin).json()["id"]
    response = client.post(f"{API}/projects/{project}/records/import-conll", headers=admin,
                           files={"file": ("s.conll", conll.read_bytes())})
    assert response.status_code == 201, response.text
    task_id = response.json()["task_id"]
    random = _next(client, admin, project, task_id, n=2, relabel=True)
    assert random["notes"] == ["cold start needs a token embedding of the task's attribute "
                               "(create one under Embeddings): records in random order"]
    with app.state.sessions() as session:
        task = session.get(LabelingTask, task_id)
        embedding = Embedding(project_id=project, attribute=task.target_attribute,
                              name="tokens", model="m", level=EmbeddingLevel.TOKEN, dims=8,
                              state=RunStatus.SUCCEEDED)
        session.add(embedding)
        session.flush()
        rng = np.random.default_rng(0)
        rows = session.query(Tokenization).filter(
            Tokenization.attribute_id == task.target_attribute_id).all()
        write_vectors(session=session, embedding=embedding, record_ids=[t.record_id for t in rows],
                      vectors=[rng.normal(size=(len(t.starts), 8)).astype(np.float32)
                               for t in rows])
        session.commit()
        assert session.get(Project, project) is not None
    # a second span task over the same text, with no labels yet: cold start clusters the
    # sentences by the mean of their token vectors, one sentence per cluster
    fresh = create_task(client, admin, project, name="fresh", kind="extraction",
                        labels=["X"], target_attribute="text")["id"]
    cold = _next(client, admin, project, fresh, n=4)
    assert cold["model"] == "cold start" and cold["notes"] == [] and cold["count"] == 4
    assert all(item["reason"].startswith("cold start: nearest to the centre of a group of ")
               for item in cold["data"])
    assert sum(int(item["reason"].split()[-2]) for item in cold["data"]) == len(rows)
    # the import's spans are labels: a refit is due once the task has an embedding
    with app.state.sessions() as session:
        run = active_queue.request_refit(session=session,
                                         task=session.get(LabelingTask, task_id))
        assert run is not None
    run = _refit(app, task_id)
    batch = _next(client, admin, project, task_id, n=3, relabel=True)
    assert batch["model"].startswith("default CRF (run ")
    # the stopping hint's uncertainty is per record (its least sure token), not a mean over
    # tokens, most of which are confident O tokens
    with app.state.sessions() as session:
        found = active_queue.run_artifacts(session, run.id)
    marginals = np.split(found["probabilities"], np.cumsum(found["lengths"])[:-1])
    per_record = sequence_uncertainties(marginals).mean()
    per_token = (1 - found["probabilities"].max(axis=1)).mean()
    assert run.metrics["stop"]["uncertainty"] == pytest.approx(per_record, abs=1e-6)
    assert per_record > per_token
    assert all(item["reason"].startswith("mean token confidence ") for item in batch["data"])
    scores = [item["score"] for item in batch["data"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] < 1


def test_a_multilabel_queue_ranks_by_its_least_certain_label_once_fitted(
        app, client, admin, queue_project):
    project, _, ids = queue_project
    task = create_task(client, admin, project, name="topics", kind="multilabel",
                       labels=["offer", "note", "other"])["id"]
    assert _next(client, admin, project, task, n=3)["model"] == "cold start"
    for i in range(6):   # odd records are offers, even ones notes; "other" never chosen
        _label(client, admin, project, task, ids[i], "offer" if i % 2 else "note")
    run = _refit(app, task)
    assert run.metrics["fitted"] and run.metrics["learner"] == "logistic regression per label"
    with app.state.sessions() as session:
        found = active_queue.run_artifacts(session, run.id)
    probabilities = found["probabilities"]
    # the stopping hint: the kappa waits for more refits; a record is as unsure as its least
    # certain label (every record is in the stopping set: fewer than 1,000)
    stop = run.metrics["stop"]
    assert stop["kappas"] == [] and "kappa needs 4 refits (1 so far)" in stop["message"]
    least_sure = np.maximum(probabilities, 1 - probabilities).min(axis=1)
    assert stop["uncertainty"] == pytest.approx(np.mean(1 - least_sure), abs=1e-6)
    assert stop["stop"] is (stop["uncertainty"] < 0.05)   # the two clusters: a sure model
    assert probabilities.shape == (N_RECORDS, 3) and (probabilities[:, 2] == 0).all()
    # the two clusters: offers likelier among odd records, notes among even ones
    odd = np.arange(N_RECORDS) % 2 == 1
    assert probabilities[odd, 0].mean() > 0.5 > probabilities[~odd, 0].mean()
    assert probabilities[~odd, 1].mean() > 0.5 > probabilities[odd, 1].mean()
    # hand-made probabilities in place of the fitted ones: the queue asks first for the
    # record whose least certain label is nearest 0.5, whatever the other labels say
    hand = np.tile([[0.99, 0.01, 0.0]], (N_RECORDS, 1)).astype(np.float32)
    hand[10] = [0.6, 0.9, 0.0]      # margins 0.2, 0.8: score 0.8
    hand[20] = [0.98, 0.45, 0.0]    # margins 0.96, 0.1: score 0.9
    hand[25] = [0.3, 0.3, 0.3]      # margins 0.4 each: score 0.6
    with app.state.sessions() as session:
        session.merge(RunArtifact(run_id=run.id, name="probabilities",
                                  data=active_queue._save(hand)))
        session.commit()
    batch = _next(client, admin, project, task, n=4)
    assert batch["model"] == f"default logistic regression per label (run {run.id})"
    assert batch["stop"] == stop
    row = {rid: i for i, rid in enumerate(found["record_ids"].tolist())}
    assert [row[rid] for rid in _ids(batch)[:3]] == [20, 10, 25]
    assert [item["score"] for item in batch["data"][:3]] == pytest.approx([0.9, 0.8, 0.6])
    assert batch["data"][0]["reason"] == \
        "label note at 0.45 of 1 unsure (margin 0.10); mean margin 0.69"
    assert batch["data"][3]["score"] == pytest.approx(0.02, abs=1e-6)
    assert not set(_ids(batch)) & set(ids[:6])
    # the next refit compares every record's yes/no per label with the last one's
    _label(client, admin, project, task, ids[6], "note")
    again = _refit(app, task)
    assert len(again.metrics["stop"]["kappas"]) == 1
    assert 0.0 <= again.metrics["stop"]["kappas"][0] <= 1.0
