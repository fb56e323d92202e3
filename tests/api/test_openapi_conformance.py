"""Property-based tests of every route against the served OpenAPI schema (schemathesis).

An admin calls each operation with generated parameters and bodies, in a project that has
records, a labeling task and a heuristic. No answer may be a server error, and every answer
must have a documented status code, content type and body.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import API, create_task, upload

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 5
STREAMS = ("/events",)
"""Server-Sent Events never end by themselves: a test client would wait on them forever."""


@pytest.fixture
def seeded(client, admin, project_id) -> dict[str, int]:
    """Ids of a project with records, a classification task and a labeling function."""
    assert upload(client, admin, project_id, "id,text\n1,check out my channel\n2,nice song\n",
                  id_column="id").status_code == 201
    task = create_task(client, admin, project_id, name="spam", kind="classification",
                       labels=["spam", "ham"])
    heuristic = client.post(f"{API}/projects/{project_id}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "check_out", "kind": "labeling_function",
        "source": "def lf(record):\n    return 'spam' if 'check' in record['text'] else None\n"})
    assert heuristic.status_code == 201, heuristic.text
    records = client.get(f"{API}/projects/{project_id}/records", headers=admin).json()["data"]
    return {"project_id": project_id, "task_id": task["id"],
            "heuristic_id": heuristic.json()["id"], "record_id": records[0]["id"]}


def test_every_operation_conforms_to_the_schema(app, admin, seeded):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda operation: operation.method == "delete")
    for operation in operations:
        if operation.path.endswith(STREAMS):
            continue
        # existing ids in the path, except for deletes (which would remove the fixtures)
        fixed = {name: value for name, value in seeded.items()
                 if "{" + name + "}" in operation.path and operation.method != "delete"}
        _fuzz(operation, fixed=fixed, headers=admin, failures=failures)
    assert not failures, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())


def _fuzz(operation, *, fixed: dict[str, int], headers: dict[str, str],
          failures: dict[str, str]) -> None:
    """Call ``operation`` with generated cases; record the first failure of each check."""

    @given(case=operation.as_strategy(path_parameters=fixed))
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
              database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call(headers=headers)
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check])
            except BaseExceptionGroup as error:
                failures.setdefault(f"{operation.label} {check.__name__}", "\n".join([
                    str(error)[:600], f"path {case.path_parameters} query {case.query}",
                    f"body {json.dumps(case.body, default=str)[:300]}"]))

    call()
