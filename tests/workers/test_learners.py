"""Active learners through the API, a real worker, the sandbox and real MiniLM embeddings."""

from __future__ import annotations

import csv
import os
import re
import time

import pytest

from tests.conftest import DATASETS
from tests.workers.conftest import Stack
from tests.workers.test_labeling_functions import external_ids, run_to_end, youtube_project
from tests.workers.test_runs import events_until

YOUTUBE = DATASETS / "youtube" / "Youtube01-Psy.csv"
LEARNER = '''
from sklearn.linear_model import LogisticRegression
from heuristics import LearningClassifier, params_fit, params_inference

class SpamLearner(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()      # any sklearn estimator, GridSearchCV included

    @params_fit(embedding_name="CONTENT-all-MiniLM-L6-v2", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    @params_inference(min_confidence=0.8, label_names=None)
    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)
'''


def embedded_youtube(stack: Stack) -> tuple[int, int]:
    project, task = youtube_project(stack)
    created = stack.post(f"/projects/{project}/embeddings", json={"attribute": "CONTENT"})
    assert created.status_code == 202
    assert stack.wait_run(project, created.json()["run"]["id"])["status"] == "succeeded"
    return project, task


def label(stack: Stack, project: int, task: int, rows: list[dict], ids: dict) -> None:
    for row in rows:
        response = stack.post(f"/projects/{project}/records/{ids[row['COMMENT_ID']]}/labels",
                              json={"task_id": task,
                                    "label": "spam" if row["CLASS"] == "1" else "ham"})
        assert response.status_code == 201, response.text


def labelled_youtube(stack: Stack, n_labels: int) -> tuple[int, int, list[dict], dict]:
    """The embedded YouTube project with its first ``n_labels`` comments labelled: project,
    task, the CSV rows and record ids by comment id."""
    project, task = embedded_youtube(stack)
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {e: rid for rid, e in external_ids(stack, project).items()}
    label(stack, project, task, rows[:n_labels], ids)
    return project, task, rows, ids


def test_learner_fits_cross_fitted_and_votes_above_its_threshold(embedded: Stack):
    embedded.worker_env["HEURIST_SANDBOX_SPARE_LEARNER_AT_START"] = "true"   # the default
    embedded.start_worker()
    project, task, rows, ids = labelled_youtube(embedded, 80)
    created = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "learner", "kind": "active_learner", "source": LEARNER})
    assert created.status_code == 201, created.text
    learner = created.json()
    assert learner["revision"]["settings"]["embedding_name"] == "CONTENT-all-MiniLM-L6-v2"
    assert learner["auto_refit_every"] == 10
    started = time.monotonic()
    run = run_to_end(embedded, project, learner["id"])
    run_seconds = time.monotonic() - started
    assert run["status"] == "succeeded", (run, embedded.logs())
    held_out = run["metrics"]["held_out"]
    assert run["metrics"]["n_labelled"] == 80 and 0.7 < held_out["accuracy"] < 1.0
    assert run["metrics"]["n_folds"] == 2
    # progress moved with each of the three models (two folds, then all labels)
    mine = [(t, p) for t, p in events_until(embedded, project, run["id"])
            if p.get("id") == run["id"]]
    progress = [p["progress"] for t, p in mine if t == "run.progress"]
    assert progress == pytest.approx([0.1, 0.1 + 0.8 / 3, 0.1 + 1.6 / 3, 0.9, 1.0])
    logs = embedded.get(f"/projects/{project}/runs/{run['id']}")["logs"]
    assert f"inputs ready: {len(rows)} records, 80 labelled" in logs
    # numbered as they end: the folds' models may fit side by side (one per core)
    models = re.findall(r"model (\d) of 3 ?(.*)", logs)
    assert sorted(done for done, _ in models) == ["1", "2", "3"]
    assert sorted(what for _, what in models) == [
        "(fold 1 of 2 held out): fitted on 40 labelled records, predicted 40",
        "(fold 2 of 2 held out): fitted on 40 labelled records, predicted 40",
        f": fitted on all 80 labelled records, predicted the {len(rows) - 80} unlabelled"]
    phases = re.search(r"timing: inputs ([\d.]+) s, sandbox ([\d.]+) s \(.+\), outputs ([\d.]+) s",
                       logs)
    assert phases and 0 < float(phases[2]) < run_seconds
    outputs = embedded.get(f"/projects/{project}/heuristics/{learner['id']}/outputs",
                           limit=5000)["data"]
    assert len(outputs) == len(rows)
    confidences = [o["outputs"][0]["confidence"] for o in outputs]
    assert all(0.5 <= c <= 1.0 for c in confidences)
    assert [o["outputs"][0]["vote"] for o in outputs] == [c >= 0.8 for c in confidences]
    [served] = embedded.get(f"/projects/{project}/tasks/{task}/stats")["data"]
    votes = sum(c >= 0.8 for c in confidences)
    assert served["hits"] == votes
    # the threshold preview counts the same votes, judged as the statistics judge them
    preview = embedded.get(f"/projects/{project}/heuristics/{learner['id']}/threshold-preview")
    assert preview["run_id"] == run["id"]
    at = {round(point["threshold"], 2): point for point in preview["points"]}
    assert at[0.0]["votes"] == len(rows) and at[0.8]["votes"] == votes
    assert at[0.8]["judged"] == served["total"]["tp"] + served["total"]["fp"] > 0
    assert at[0.8]["correct"] == served["total"]["tp"]
    assert at[0.8]["precision"] == pytest.approx(served["total"]["precision"])
    # a new threshold changes the votes without refitting
    path = f"/projects/{project}/heuristics/{learner['id']}"
    assert embedded.get(path)["vote_threshold"] == 0.8
    assert embedded.patch(path, json={"min_confidence": 0.95}).status_code == 200
    assert embedded.get(path)["vote_threshold"] == 0.95
    assert embedded.patch(path, json={"min_confidence": None}).json()["vote_threshold"] == 0.8
    # a weak supervision that follows the task runs again when the learner's votes change
    weak = f"/projects/{project}/tasks/{task}/weak-supervision"
    first = embedded.post(weak, json={"method": "majority", "auto_rerun": True}).json()
    assert embedded.wait_run(project, first["id"])["status"] == "succeeded"
    assert embedded.patch(path, json={"min_confidence": 0.95}).status_code == 200
    runs = embedded.get(f"/projects/{project}/runs", kind="weak_supervision")["data"]
    assert len(runs) == 2
    assert embedded.wait_run(project, runs[0]["id"])["status"] == "succeeded"
    assert embedded.get(weak)["stale"] is False
    [served] = embedded.get(f"/projects/{project}/tasks/{task}/stats")["data"]
    assert served["hits"] == sum(c >= 0.95 for c in confidences)
    assert embedded.get(f"/projects/{project}/runs", kind="active_learner")["count"] == 1
    # after auto_refit_every new labels a refit is queued by itself
    embedded.patch(path, json={"auto_refit_every": 5})
    label(embedded, project, task, rows[80:85], ids)
    runs = embedded.get(f"/projects/{project}/runs", kind="active_learner")["data"]
    assert len(runs) == 2 and runs[0]["params"]["manual_labels"] == 85
    assert embedded.wait_run(project, runs[0]["id"])["status"] == "succeeded"
    # the first run took the sandbox the worker started with it (ready, unless the machine
    # was too busy for its imports meanwhile); the refit ran in the one the first run left
    # waiting, with scikit-learn imported; both fit their models side by side
    refit_logs = embedded.get(f"/projects/{project}/runs/{runs[0]['id']}")["logs"]
    assert "learner sandbox started ahead of this process's first learner run" in \
        (embedded.log_dir / "w1.log").read_text()
    assert re.search(r"\(run 1 of the project's waiting sandbox(, still importing)?\)", logs)
    assert "(run 2 of the project's waiting sandbox)" in refit_logs
    cores = len(os.sched_getaffinity(0))
    for run_logs in (logs, refit_logs):
        assert (f"; up to {cores} models fitted at a time" in run_logs) == (cores > 1)


def test_cold_start_and_missing_embedding_say_what_is_needed(embedded: Stack):
    embedded.start_worker()
    project, task = youtube_project(embedded)
    learner = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "learner", "kind": "active_learner",
        "source": LEARNER}).json()
    run = run_to_end(embedded, project, learner["id"])
    assert run["status"] == "failed"
    assert "no embedding named 'CONTENT-all-MiniLM-L6-v2' (embeddings: none yet)" in run["error"]
    assert not run["error"].startswith("failed")   # its status says that already
    created = embedded.post(f"/projects/{project}/embeddings", json={"attribute": "CONTENT"})
    embedded.wait_run(project, created.json()["run"]["id"])
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {e: r for r, e in external_ids(embedded, project).items()}
    label(embedded, project, task, [row for row in rows if row["CLASS"] == "1"][:5], ids)
    run = run_to_end(embedded, project, learner["id"])
    assert run["status"] == "failed"
    assert "needs labels of at least 2 classes, has 1 (spam: 5)" in run["error"]
    # more labelling fixes that failure, so the learner is refitted by itself once it is due
    embedded.patch(f"/projects/{project}/heuristics/{learner['id']}",
                   json={"auto_refit_every": 5})
    label(embedded, project, task, [row for row in rows if row["CLASS"] == "0"][:5], ids)
    runs = embedded.get(f"/projects/{project}/runs", kind="active_learner")["data"]
    assert len(runs) == 3 and runs[0]["params"]["manual_labels"] == 10


@pytest.mark.parametrize(("source", "words"), [
    ("class A:\n    pass\n", "exactly one class derived from LearningClassifier"),
    (LEARNER.replace('embedding_name="CONTENT-all-MiniLM-L6-v2", ', ""), "embedding_name"),
    (LEARNER.replace("min_confidence=0.8", "min_confidence=1.8"), "min_confidence"),
    (LEARNER.replace("min_confidence=0.8", 'min_confidence="high"'),
     "min_confidence must be a number, got 'high'"),
    (LEARNER.replace("train_test_split=0.5", "train_test_split=None"),
     "train_test_split must be a number, got None"),
    (LEARNER.replace("label_names=None", 'label_names="spam"'),
     "label_names must be a list of label names"),
    (LEARNER.replace("label_names=None", 'label_names=["spamm"]'),
     "label_names ['spamm'] are not labels of the task (labels: ham, spam)"),
    (LEARNER.replace("LearningClassifier", "LearningExtractor"),
     "the classification task 'spam' needs a LearningClassifier"),
])
def test_bad_learner_sources_are_refused_on_save(embedded: Stack, source, words):
    project, task = youtube_project(embedded)
    response = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "learner", "kind": "active_learner", "source": source})
    assert response.status_code == 422 and words in response.json()["detail"]


HANGING = LEARNER.replace("        self.fit_model(embeddings, labels)",
                          "        import time\n        time.sleep(10**6)")
FAILING = LEARNER.replace("        self.fit_model(embeddings, labels)",
                          '        print("fitting on", len(embeddings))\n'
                          '        raise ValueError("boom in fit")')


def test_failed_and_cancelled_learners_stop_and_wait_for_their_user(embedded: Stack):
    embedded.start_worker()
    project, task, rows, ids = labelled_youtube(embedded, 20)
    created = {name: embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": name, "kind": "active_learner", "source": source}).json()
        for name, source in (("hanging", HANGING), ("failing", FAILING))}
    # A failure in fit: the user's line and message, what it printed, no "did not load".
    run = run_to_end(embedded, project, created["failing"]["id"])
    assert run["status"] == "failed"
    assert "line 12" in run["error"] and "ValueError: boom in fit" in run["error"]
    assert "did not load" not in run["error"]
    logs = embedded.get(f"/projects/{project}/runs/{run['id']}")["logs"]
    assert "fitting on 10" in logs and "line 12, in fit" in logs
    # Cancelling a learner that hangs in fit frees the worker at once, not at the time limit.
    started = embedded.post(f"/projects/{project}/heuristics/{created['hanging']['id']}/runs")
    hanging = started.json()["id"]
    embedded.wait_run(project, hanging, until=lambda r: r["status"] == "running")
    time.sleep(1)
    assert embedded.post(f"/projects/{project}/runs/{hanging}/cancel").status_code == 200
    begun = time.monotonic()
    learner = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "learner", "kind": "active_learner", "source": LEARNER}).json()
    assert run_to_end(embedded, project, learner["id"])["status"] == "succeeded"
    assert time.monotonic() - begun < 30, "the cancelled sandbox kept the worker busy"
    assert embedded.get(f"/projects/{project}/runs/{hanging}")["status"] == "cancelled"
    # Auto-refit: only the learner that works is refitted after 10 new labels.
    label(embedded, project, task, rows[20:30], ids)
    runs = embedded.get(f"/projects/{project}/runs", kind="active_learner")["data"]
    assert [r["heuristic_id"] for r in runs if r["status"] in ("queued", "running")] == [
        learner["id"]]
    # A learner cannot be tried on a few records, and an edit keeps the task's kind.
    sample = embedded.post(f"/projects/{project}/heuristics/{learner['id']}/sample", json={})
    assert sample.status_code == 422 and "cannot be tried" in sample.json()["detail"]
    edit = embedded.patch(f"/projects/{project}/heuristics/{learner['id']}", json={
        "source": LEARNER.replace("LearningClassifier", "LearningExtractor")})
    assert edit.status_code == 422 and "needs a LearningClassifier" in edit.json()["detail"]


def test_a_learner_on_few_labels_of_a_class_says_so(embedded: Stack):
    embedded.start_worker()
    project, task = embedded_youtube(embedded)
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {e: r for r, e in external_ids(embedded, project).items()}
    label(embedded, project, task, [row for row in rows if row["CLASS"] == "0"][:40]
          + [row for row in rows if row["CLASS"] == "1"][:4], ids)
    learner = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "learner", "kind": "active_learner",
        "source": LEARNER}).json()
    run = run_to_end(embedded, project, learner["id"])
    assert run["status"] == "succeeded", run
    warnings = run["metrics"]["warnings"]
    assert warnings[0] == ("only 4 labelled records of 'spam': its held-out metrics are "
                           "unreliable; label more")
    spam = next(m for m in run["metrics"]["held_out"]["labels"] if m["label"] == "spam")
    recall_warning = ("held-out recall of 'spam' is 0: the model never found it among its "
                      "labelled records")
    assert (recall_warning in warnings) == (spam["recall"] == 0)
    outputs = embedded.get(f"/projects/{project}/heuristics/{learner['id']}/outputs",
                           limit=5000)["data"]
    predicted = {o["outputs"][0]["label"] for o in outputs}
    assert any(w.startswith("the model predicts") for w in warnings) == (len(predicted) == 1)
    logs = embedded.get(f"/projects/{project}/runs/{run['id']}")["logs"]
    assert all(f"warning: {w}" in logs for w in warnings)


def test_templates_name_the_tasks_embeddings(embedded: Stack):
    embedded.start_worker()
    project, task = embedded_youtube(embedded)
    templates = embedded.get(f"/projects/{project}/heuristics/templates/{task}")["data"]
    kinds = [t["kind"] for t in templates]
    assert kinds == ["labeling_function", "active_learner"]
    assert 'embedding_name="CONTENT-all-MiniLM-L6-v2"' in templates[1]["source"]
    for template in templates:
        response = embedded.post(f"/projects/{project}/heuristics", json={
            "task_id": task, "name": template["name"], "kind": template["kind"],
            "source": template["source"]})
        assert response.status_code == 201, response.text
    # no labels yet: the keyword rule is a placeholder to edit
    assert "Edit the pattern: words that signal 'ham'" in templates[0]["source"]
    assert r'r"\bexample\b"' in templates[0]["source"]


def test_the_keyword_template_starts_from_a_word_the_labels_point_at(embedded: Stack):
    embedded.start_worker()
    project, task, rows, _ = labelled_youtube(embedded, 80)
    [rule] = [t["source"] for t in embedded.get(
        f"/projects/{project}/heuristics/templates/{task}")["data"]
        if t["kind"] == "labeling_function"]
    pattern = re.compile(re.search(r'PATTERN = re.compile\(r"(.+)", re.IGNORECASE\)',
                                   rule).group(1), re.IGNORECASE)
    vote = re.search(r'return "(\w+)"', rule).group(1)
    assert vote == "spam" and "labelled records" in rule
    # the word holds on the whole file, not only on the 80 labels it was found in
    hits = [row for row in rows if pattern.search(row["CONTENT"])]
    right = sum((row["CLASS"] == "1") == (vote == "spam") for row in hits)
    assert len(hits) >= 20 and right / len(hits) >= 0.9, (pattern.pattern, len(hits), right)


EXTRACTOR = '''
from sequencelearn.sequence_tagger import CRFTagger
from heuristics import LearningExtractor, params_fit, params_inference

class Entities(LearningExtractor):
    def __init__(self):
        self.model = CRFTagger(num_epochs=50)

    @params_fit(embedding_name="text-all-MiniLM-L6-v2-token", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    @params_inference(min_confidence=0.5, label_names=None)
    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)
'''


def conll_project(stack: Stack, n_sentences: int) -> tuple[int, dict]:
    """A project of the first CoNLL-2003 dev sentences, their spans imported as manual
    labels: the project and the import's answer."""
    from services.demo import first_sentences

    lines = first_sentences((DATASETS / "conll2003" / "dev.txt").open(encoding="utf-8"),
                            n_sentences)
    project = stack.post("/projects", json={"name": "conll"}).json()["id"]
    imported = stack.post(f"/projects/{project}/records/import-conll",
                          files={"file": ("dev.txt", "".join(lines).encode())})
    assert imported.status_code == 201, imported.text
    return project, imported.json()


def embed_tokens(stack: Stack, project: int) -> None:
    created = stack.post(f"/projects/{project}/embeddings",
                         json={"attribute": "text", "level": "token"})
    assert created.status_code == 202, created.text
    assert stack.wait_run(project, created.json()["run"]["id"])["status"] == "succeeded"


def test_extractor_learns_spans_from_conll_labels(embedded: Stack):
    embedded.start_worker()
    project, imported = conll_project(embedded, 120)
    embed_tokens(embedded, project)
    learner = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": imported["task_id"], "name": "entities", "kind": "active_learner",
        "source": EXTRACTOR})
    assert learner.status_code == 201, learner.text
    run = run_to_end(embedded, project, learner.json()["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    # the import reviews every sentence: those without entities are labelled "nothing here"
    assert run["metrics"]["n_labelled"] == 120
    assert 0.2 < run["metrics"]["held_out"]["f1"] <= 1.0
    folds = run["metrics"]["n_folds"]
    logs = embedded.get(f"/projects/{project}/runs/{run['id']}")["logs"]
    assert f"model {folds} of {folds} (fold {folds} of {folds} held out): fitted on " in logs
    outputs = embedded.get(f"/projects/{project}/heuristics/{learner.json()['id']}/outputs",
                           limit=5000)["data"]
    spans = [o for row in outputs for o in row["outputs"]]
    assert spans and {s["label"] for s in spans} <= {"PER", "ORG", "LOC", "MISC"}
    assert all(s["token_end"] > s["token_start"] and 0 < s["confidence"] <= 1 for s in spans)
    assert all(s["text"] and s["vote"] == (s["confidence"] >= 0.5) for s in spans)
    [served] = embedded.get(f"/projects/{project}/tasks/{imported['task_id']}/stats")["data"]
    assert served["total"]["span_tp"] > 0 and served["n_reference"] == 120
    # the extractor template passes the words too: capitalisation comes back, F1 goes up
    templates = embedded.get(
        f"/projects/{project}/heuristics/templates/{imported['task_id']}")["data"]
    template = next(t for t in templates if t["kind"] == "active_learner")
    assert "def fit(self, embeddings, labels, tokens)" in template["source"]
    lexical = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": imported["task_id"], "name": "lexical", "kind": "active_learner",
        "source": template["source"]})
    assert lexical.status_code == 201, lexical.text
    with_words = run_to_end(embedded, project, lexical.json()["id"])
    assert with_words["status"] == "succeeded", (with_words, embedded.logs())
    assert with_words["metrics"]["held_out"]["f1"] > run["metrics"]["held_out"]["f1"] + 0.05
