"""Layer rules of the API and of the store, checked on the source with ``ast``.

Routers parse the request, call ``services/`` or ``store/`` queries and return schemas: no
SQL, no commits, no imports of other routers, of the workers or of SQLAlchemy, sessions
only from dependencies, and no schemas of their own. Nothing in ``api/`` reaches into the
workers' job code, and ``store/`` never imports ``services/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROUTERS = sorted((ROOT / "api" / "routers").glob("*.py"))
SQL_CALLS = {"select", "insert", "update", "delete", "text"}
SESSION_CALLS = {"commit", "rollback", "execute", "scalar", "scalars"}
WORKER_INTERNALS = ("workers.jobs", "workers.execution", "workers.tasks")


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import; ``from a import b`` gives ``a.b`` too."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def router_violations(source: str, name: str) -> list[str]:
    """What breaks the router rules in the source of router ``name``."""
    tree = ast.parse(source)
    problems = []
    for line, module in imported_modules(tree):
        if within(module, "api.routers") and module not in ("api.routers",
                                                           f"api.routers.{name}"):
            problems.append(f"{line}: imports another router ({module})")
        if within(module, "workers"):
            problems.append(f"{line}: imports the workers ({module})")
        if within(module, "sqlalchemy"):
            problems.append(f"{line}: imports SQLAlchemy ({module})")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in SQL_CALLS:
                problems.append(f"{node.lineno}: builds SQL ({func.id}(...))")
            if isinstance(func, ast.Attribute) and func.attr in SESSION_CALLS \
                    and isinstance(func.value, ast.Name) and func.value.id == "session":
                problems.append(f"{node.lineno}: session.{func.attr}(...)")
        if isinstance(node, ast.Attribute) and node.attr == "sessions" \
                and isinstance(node.value, ast.Attribute) and node.value.attr == "state":
            problems.append(f"{node.lineno}: takes sessions from app.state, not a dependency")
        if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id in ("BaseModel", "RootModel")
                or isinstance(base, ast.Name) and base.id.endswith("Public")
                for base in node.bases):
            problems.append(f"{node.lineno}: declares schema {node.name} (put it in api/schemas)")
    return problems


def package_imports(package: str, forbidden: tuple[str, ...]) -> list[str]:
    """``path:line module`` for every import of a ``forbidden`` package under ``package``."""
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in imported_modules(ast.parse(path.read_text())):
            if any(within(module, bad) for bad in forbidden):
                problems.append(f"{path.relative_to(ROOT)}:{line} {module}")
    return problems


@pytest.mark.parametrize("path", ROUTERS, ids=lambda path: path.stem)
def test_routers_are_thin(path: Path) -> None:
    assert router_violations(path.read_text(), path.stem) == []


def test_the_router_check_finds_each_kind_of_violation() -> None:
    source = (
        "from sqlalchemy import select\n"
        "from api.routers.records import record_public\n"
        "from workers.jobs.labeling_function import try_on_records\n"
        "from pydantic import BaseModel\n"
        "class ThingCreate(BaseModel):\n"
        "    name: str\n"
        "def route(session):\n"
        "    session.execute(select(1))\n"
        "    session.commit()\n"
        "    sessions = request.app.state.sessions\n")
    problems = "\n".join(router_violations(source, "things"))
    for expected in ("1: imports SQLAlchemy", "2: imports another router",
                     "3: imports the workers", "5: declares schema ThingCreate",
                     "8: builds SQL", "8: session.execute", "9: session.commit",
                     "10: takes sessions from app.state"):
        assert expected in problems
    assert router_violations("from api.routers import things\n", "things") == []


def test_api_does_not_reach_into_the_workers_jobs() -> None:
    assert package_imports("api", WORKER_INTERNALS) == []


def test_store_does_not_import_services_or_above() -> None:
    assert package_imports("store", ("services", "api", "workers")) == []


def test_services_do_not_import_api_or_workers() -> None:
    assert package_imports("services", ("api", "workers")) == []


def test_the_import_check_sees_from_imports_of_submodules() -> None:
    tree = ast.parse("from services import heuristic_runs\nimport workers.jobs.learner\n")
    modules = [module for _, module in imported_modules(tree)]
    assert "services.heuristic_runs" in modules and "workers.jobs.learner" in modules
    assert within("services.heuristic_runs", "services")
    assert not within("servicesx", "services")
