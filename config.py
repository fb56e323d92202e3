"""The one settings class of Heurist; nothing else reads environment variables.

Examples
--------
>>> settings = Settings(data_dir="/tmp/heurist-doc")
>>> settings.resolved_database_url()
'sqlite:////tmp/heurist-doc/heurist.db'
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from heuristics.model_catalog import ModelCatalog


class Settings(BaseSettings):
    """Configuration read from ``HEURIST_*`` environment variables (or a ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="HEURIST_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    broker_url: str | None = None
    model_path: str | None = None
    models_dir: Path | None = Field(None, description=(
        "A folder of further sentence-transformers models, one sub-folder each, that owners "
        "may choose for embeddings by the sub-folder's name; no other path can be named."))
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = True
    datasets_dir: Path = Path("../shared/datasets")
    import_batch_size: int = 5_000
    chunk_size: int = 500
    run_stale_after_s: float = Field(10.0, description=(
        "A run or chunk whose heartbeat is older than this lost its worker and is handed to "
        "another one; heartbeats come every third of it, recovery sweeps every quarter."))
    worker_concurrency: int = 1
    worker_threads: int | None = None
    embedded_worker: bool = True
    embedding_batch_size: int = 64
    sandbox: Literal["bwrap", "unsafe-subprocess"] = "bwrap"
    sandbox_spare_learner: bool = Field(True, description=(
        "Keep one learner sandbox per worker process started ahead, with scikit-learn "
        "imported (about 150 MB while it waits); it serves one project's runs, each in a "
        "process forked for it, so they skip that start-up. A worker that has run learners "
        "of several projects keeps a second, unused one for the next switch."))
    sandbox_spare_learner_at_start: bool = Field(True, description=(
        "Start that sandbox as the worker process starts, so that even its first learner "
        "run finds scikit-learn imported (about 1.5 s of a core at start, and its 150 MB "
        "whether or not the process ever runs a learner). False: the process's first "
        "learner run starts it and waits for the rest of its import."))
    sandbox_spare_learner_memory_mb: int = Field(384, ge=0, description=(
        "Memory a waiting learner sandbox keeps written and frees just before its next run "
        "(twice the last run's vectors, at most this; this much before its first run), so "
        "that the run's allocations find memory ready where a virtual machine's host takes "
        "back what the guest leaves free (free page reporting). 0: none."))
    sandbox_learner_threads: int = Field(0, ge=0, description=(
        "Models a classification learner's run fits at once, each in a thread of its sandbox "
        "(its folds side by side). 0: the cores this worker process may use, shared among "
        "its worker_concurrency slots."))
    sandbox_memory_mb: int = 4096
    sandbox_cpu_seconds: int = 600
    sandbox_wall_seconds: float = 900.0
    sandbox_record_seconds: float = 10.0
    sandbox_sample_seconds: float = Field(15.0, description=(
        "Wall-clock limit of trying a heuristic on a few records (the editor's sample): "
        "the request answers within it, whatever the code does."))
    sandbox_tmp_mb: int = Field(512, description=(
        "Size of each of the sandbox's RAM-backed /tmp and /dev/shm."))
    sandbox_cgroup: str = Field("auto", description=(
        "'auto': one control group per sandbox (memory and tasks of all its processes "
        "together) under the worker's own, where writable; 'off': per-process rlimits only; "
        "or the folder of a delegated cgroup v2 group to make them under."))
    sandbox_uid_base: int = Field(200_000, description=(
        "Sandboxes started as root run as uids base .. base + count - 1, one each; none of "
        "them may be used by anything else on the host."))
    sandbox_uid_count: int = 1_000
    sample_size: int = 10
    sandbox_requests_per_user: int = Field(2, ge=1, description=(
        "Sandboxes one user may run at once for requests (POST .../sample) in one API "
        "process; over it the request answers 429 with Retry-After."))
    sandbox_requests: int = Field(4, ge=1, description=(
        "Sandboxes one API process runs at once for requests, all users together."))
    openblas_coretype: str | None = Field(default=None, validation_alias="OPENBLAS_CORETYPE")
    openblas_l2_size: str | None = Field(default=None, validation_alias="OPENBLAS_L2_SIZE")
    max_upload_bytes: int = 2 * 1024**3
    api_concurrency: int = Field(8, ge=1, description=(
        "Requests one API process serves at once; it sizes the thread pool and the database "
        "connection pool together, so no request waits for a connection or a thread while "
        "holding the other. Further requests wait up to api_queue_wait_s, then get 503."))
    api_queue_wait_s: float = Field(2.0, ge=0, description=(
        "How long a request waits for one of the api_concurrency places before it gets 503 "
        "with Retry-After."))
    api_workers: int = Field(1, ge=1, description=(
        "API processes (PostgreSQL only; with SQLite the API runs in one process)."))
    api_key_cache_s: float = Field(5.0, ge=0, description=(
        "How long an API process remembers which user an API key belongs to (0: not at "
        "all). A key revoked or rotated is refused at once by the process that did it, and "
        "by the other API processes within this time."))
    db_pool_timeout_s: float = Field(5.0, gt=0, description=(
        "How long a request waits for a database connection before it gets 503."))
    max_attributes: int = Field(1_000, ge=1, description=(
        "Attributes (columns) a project may have; an import with more columns is refused."))
    lock_wait_s: float = Field(30.0, gt=0, description=(
        "How long a request waits for a lock another write holds (SQLite's busy timeout, "
        "PostgreSQL's lock_timeout) before it answers 503 with Retry-After."))
    queue_lease_s: float = Field(600.0, gt=0, description=(
        "How long a record handed out by a task's labelling queue stays with its annotator "
        "before others may be offered it."))
    log_format: Literal["text", "json"] = Field("text", description=(
        "Logs of the API and the workers as text lines or as one JSON object a line, with "
        "the request id of the request, or the run id and chunk of the task, that wrote "
        "them."))
    metrics_public: bool = Field(True, description=(
        "Serve GET /metrics (Prometheus) without an API key: it holds counts and timings, "
        "no user data. False: only an admin key may read it."))
    metrics_dir: Path | None = Field(None, validation_alias="PROMETHEUS_MULTIPROC_DIR",
                                     description=(
        "Where the API processes share their request metrics (prometheus-client's "
        "multiprocess mode); heurist-server sets it when it starts several processes."))

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded default: SQLite under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'heurist.db'}"

    def model_catalog(self) -> ModelCatalog:
        """The embedding models this server offers (``model_path`` is the default's)."""
        return ModelCatalog(default_path=self.model_path,
                            models_dir=str(self.models_dir) if self.models_dir else None)

    def resolved_broker_url(self) -> str:
        """The configured broker, or the embedded default: a SQLite file under ``data_dir``."""
        if self.broker_url:
            return self.broker_url
        return f"sqla+sqlite:///{self.data_dir.resolve() / 'broker.sqlite'}"

    def learner_threads(self) -> int:
        """Models a learner run fits at once (``sandbox_learner_threads``, 0: automatic)."""
        if self.sandbox_learner_threads:
            return self.sandbox_learner_threads
        return max(1, len(os.sched_getaffinity(0)) // max(1, self.worker_concurrency))

    def sandbox_env(self) -> dict[str, str]:
        """Runtime variables user code needs inside the sandbox (nothing secret)."""
        env = {"OPENBLAS_CORETYPE": self.openblas_coretype,
               "OPENBLAS_L2_SIZE": self.openblas_l2_size}
        return {name: value for name, value in env.items() if value}

    @property
    def admin_key_file(self) -> Path:
        """Where the first admin key is written (mode 0600)."""
        return self.data_dir / "admin.key"

    @property
    def vector_cache_dir(self) -> Path:
        """Where this host keeps embeddings' record vectors as files for learner runs
        (:mod:`store.vector_cache`); safe to delete at any time."""
        return self.data_dir / "cache" / "vectors"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
