"""The layer rules, checked by walking the imports of every module (including imports inside
functions and ``TYPE_CHECKING`` blocks).

From the top down: ``client/`` and ``api/`` | ``workers/`` | ``services/`` (with ``formats/``)
| ``store/`` (with ``config.py``) | ``heuristics/``. Imports point downwards only:

* ``heuristics/`` (the pure core) imports none of our other layers and no web, database or
  task-queue library;
* ``store/`` imports neither ``services/`` nor anything above it;
* ``api/`` reaches the workers only through their dispatch entry points (``workers.queue``,
  which enqueues a run, and ``workers.celery_app``, which the app factory wires up); routers
  import no other router, no SQLAlchemy, and sessions come only from ``api/deps.py``;
* ``client/`` talks to the API over HTTP and imports none of our other packages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUR_PACKAGES = {"api", "bench", "client", "config", "formats", "heuristics", "scripts",
                "services", "store", "tests", "workers"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: str) -> list[Path]:
    """Every Python file of a top-level package (or the module ``package.py``)."""
    folder = ROOT / package
    if folder.is_dir():
        return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)
    single = ROOT / f"{package}.py"
    return [single] if single.exists() else []


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for every import of a file; ``from a import b`` yields ``a`` and
    ``a.b`` (``b`` may be a module); relative imports are resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def within(module: str, prefixes: set[str] | frozenset[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def violations(package: str, forbidden: set[str], *, allowed: frozenset[str] = frozenset(),
               files: list[Path] | None = None) -> list[str]:
    found = []
    for path in files if files is not None else modules(package):
        for line, module in imports(path):
            if within(module, forbidden) and not within(module, allowed):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return sorted(set(found))


# ------------------------------------------------------------------------------ the walker


def test_the_walker_sees_every_kind_of_import(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    source = tmp_path / "heuristics" / "core" / "mod.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "import sqlalchemy.orm\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from store import models\n"
        "def f():\n    from ..aggregation import votes\n    from . import sibling\n"
    )
    found = set(imports(source))
    assert {(1, "sqlalchemy.orm"), (4, "store.models"), (6, "heuristics.aggregation.votes"),
            (7, "heuristics.core.sibling")} <= found
    assert violations("heuristics", {"store", "sqlalchemy"}, files=[source]) == [
        "heuristics/core/mod.py:1 imports sqlalchemy.orm",
        "heuristics/core/mod.py:4 imports store",
        "heuristics/core/mod.py:4 imports store.models",
    ]


# ------------------------------------------------------------------------------ the rules


def test_the_core_imports_no_other_layer_and_no_infrastructure() -> None:
    forbidden = (OUR_PACKAGES - {"heuristics"}) | {"sqlalchemy", "fastapi", "starlette",
                                                   "celery", "kombu", "redis", "psycopg"}
    assert modules("heuristics")
    assert violations("heuristics", forbidden) == []


def test_the_client_imports_only_itself() -> None:
    assert modules("client")
    assert violations("client", OUR_PACKAGES - {"client"}) == []


def test_the_store_imports_nothing_above_it() -> None:
    assert violations("store", {"services", "api", "workers", "client"}) == []


# The queue and the Celery app dispatch runs; the log format is the one both processes
# write (JSON lines with request, run and chunk ids).
WORKER_ENTRY_POINTS = frozenset({"workers.queue", "workers.celery_app", "workers.logs"})


def test_api_reaches_workers_only_through_their_entry_points() -> None:
    assert violations("api", {"workers"}, allowed=WORKER_ENTRY_POINTS) == []


def test_routers_import_no_other_router() -> None:
    found = []
    for path in modules("api/routers"):
        own = module_name(path)
        found += [f"{path.relative_to(ROOT)}:{line} imports {module}"
                  for line, module in imports(path)
                  if within(module, {"api.routers"}) and module not in ("api.routers", own)
                  and not own.startswith(module + ".")]
    assert sorted(set(found)) == []


def test_routers_use_no_sqlalchemy() -> None:
    assert violations("api", {"sqlalchemy"}, files=modules("api/routers")) == []


def test_sessions_come_only_from_deps() -> None:
    """Only ``api/deps.py`` handles SQLAlchemy sessions (the ``SessionDep`` dependency)."""
    files = [p for p in modules("api") if p.name != "deps.py"]
    assert violations("api", {"sqlalchemy.orm"}, files=files) == []
