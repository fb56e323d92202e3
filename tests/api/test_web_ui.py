"""What the web UI needs from the server: its pages, the API docs without a CDN, an import
preview, a record's votes and weak label, and an event when labels change."""

from __future__ import annotations

from sqlalchemy import insert

from api.main import FRONTEND
from services.heuristic_runs import create_heuristic_run
from store.events import events_after
from store.heuristic_lookups import WEAK_SUPERVISION_RUN, get_heuristic
from store.models import Output, Project, RunStatus
from store.runs import create_run
from tests.api.conftest import API, SMALL_CSV, create_task, upload


def test_pages_and_api_docs_need_no_cdn(client):
    assert (FRONTEND / "dist" / "index.html").exists(), "build the UI: make test builds it"
    for path in ("/", "/projects/3/label"):  # the UI routes in the browser
        page = client.get(path)
        assert page.status_code == 200 and '<div id="root">' in page.text
    docs = client.get("/docs").text
    assert "/vendor/swagger-ui-bundle.js" in docs and "/vendor/swagger-ui.css" in docs
    redoc = client.get("/redoc").text
    assert "/vendor/redoc.standalone.js" in redoc
    for text in (docs, redoc):
        assert "https://" not in text.replace("https://swagger.io", "")
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        assert client.get(f"/vendor/{asset}").status_code == 200
    assert "cdn.redoc.ly" not in client.get("/vendor/redoc.standalone.js").text
    missing = client.get("/api/v1/no-such-route")
    assert missing.status_code == 404 and "no route" in missing.json()["detail"]


def test_import_preview_stores_nothing(client, admin, project_id):
    response = client.post(f"{API}/projects/{project_id}/records/import/preview", headers=admin,
                           files={"file": ("r.csv", SMALL_CSV.encode())},
                           data={"id_column": "id", "rows": "2"})
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["records"] == 4
    assert {c["name"]: c["type"] for c in preview["columns"]} == {
        "text": "text", "stars": "integer", "price": "float", "verified": "boolean",
        "lang": "text"}
    assert [row["text"] for row in preview["rows"]] == ["Great phone, love it",
                                                        "Terrible battery. Check out my channel!"]
    records = client.get(f"{API}/projects/{project_id}/records", headers=admin).json()
    assert records["count"] == 0
    # after the import the columns are attributes, and the same ids are refused by row
    assert upload(client, admin, project_id, SMALL_CSV, id_column="id").status_code == 201
    again = client.post(f"{API}/projects/{project_id}/records/import/preview", headers=admin,
                        files={"file": ("r.csv", SMALL_CSV.encode())}, data={"id_column": "id"})
    assert again.status_code == 409
    assert (again.json()["row"], again.json()["field"]) == (1, "id")
    columns = client.post(f"{API}/projects/{project_id}/records/import/preview", headers=admin,
                          files={"file": ("r.csv", SMALL_CSV.encode())}).json()["columns"]
    assert all(c["existing"] for c in columns if c["name"] != "id")


def test_record_votes_and_weak_label(app, client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    created = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "channel",
        "source": "def lf(record):\n    return 'spam'\n"})
    assert created.status_code == 201, created.text
    spam = next(label["id"] for label in task["labels"] if label["name"] == "spam")
    record = record_ids["2"]
    url = f"{API}/projects/{loaded}/records/{record}/votes"
    assert client.get(url, headers=admin, params={"task_id": task["id"]}).json() == {
        "votes": [], "weak_labels": [], "weak_run_id": None}
    with app.state.sessions() as session:
        heuristic = get_heuristic(session=session, project=session.get(Project, loaded),
                                  heuristic_id=created.json()["id"])
        run = create_heuristic_run(session=session, heuristic=heuristic)
        run.status = RunStatus.SUCCEEDED
        session.flush()
        weak = create_run(session=session, project_id=loaded, kind=WEAK_SUPERVISION_RUN,
                          params={"task_id": task["id"]})
        weak.status = RunStatus.SUCCEEDED
        session.flush()
        session.execute(insert(Output), [
            {"run_id": run.id, "record_id": record, "label_id": spam, "confidence": 1.0},
            {"run_id": weak.id, "record_id": record, "label_id": spam, "confidence": 0.9}])
        session.commit()
    votes = client.get(url, headers=admin, params={"task_id": task["id"]}).json()
    assert [(v["heuristic"], v["label"], v["vote"]) for v in votes["votes"]] == [
        ("channel", "spam", True)]
    assert [(w["label"], w["confidence"]) for w in votes["weak_labels"]] == [("spam", 0.9)]
    assert votes["weak_run_id"] == weak.id
    other = client.get(f"{API}/projects/{loaded}/records/{record_ids['1']}/votes",
                       headers=admin, params={"task_id": task["id"]}).json()
    assert other["votes"] == []


def test_a_label_change_is_announced(app, client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    record = record_ids["3"]
    created = client.post(f"{API}/projects/{loaded}/records/{record}/labels", headers=admin,
                          json={"task_id": task["id"], "label": "ham"})
    assert created.status_code == 201, created.text
    client.delete(f"{API}/projects/{loaded}/manual-labels/{created.json()['id']}",
                  headers=admin)
    with app.state.sessions() as session:
        events = [(e.type, e.payload) for e in events_after(session=session,
                                                            project_id=loaded, last_id=0)
                  if e.type == "labels.changed"]
    assert events == [("labels.changed", {"task_id": task["id"], "record_id": record})] * 2
