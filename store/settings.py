"""The one settings class of Heurist; nothing else reads environment variables.

Examples
--------
>>> settings = Settings(data_dir="/tmp/heurist-doc")
>>> settings.resolved_database_url()
'sqlite:////tmp/heurist-doc/heurist.db'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration read from ``HEURIST_*`` environment variables (or a ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="HEURIST_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    broker_url: str | None = None
    model_path: str | None = None
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
        "imported (about 150 MB while it waits), so learner runs skip that start-up."))
    sandbox_memory_mb: int = 4096
    sandbox_cpu_seconds: int = 600
    sandbox_wall_seconds: float = 900.0
    sandbox_record_seconds: float = 10.0
    sample_size: int = 10
    openblas_coretype: str | None = Field(default=None, validation_alias="OPENBLAS_CORETYPE")
    openblas_l2_size: str | None = Field(default=None, validation_alias="OPENBLAS_L2_SIZE")
    max_upload_bytes: int = 2 * 1024**3
    log_format: Literal["text", "json"] = Field("text", description=(
        "Worker logs as text lines or as one JSON object a line, with the run id and chunk "
        "of the task that wrote them."))

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded default: SQLite under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'heurist.db'}"

    def resolved_broker_url(self) -> str:
        """The configured broker, or the embedded default: a SQLite file under ``data_dir``."""
        if self.broker_url:
            return self.broker_url
        return f"sqla+sqlite:///{self.data_dir.resolve() / 'broker.sqlite'}"

    def sandbox_env(self) -> dict[str, str]:
        """Runtime variables user code needs inside the sandbox (nothing secret)."""
        env = {"OPENBLAS_CORETYPE": self.openblas_coretype,
               "OPENBLAS_L2_SIZE": self.openblas_l2_size}
        return {name: value for name, value in env.items() if value}

    @property
    def admin_key_file(self) -> Path:
        """Where the first admin key is written (mode 0600)."""
        return self.data_dir / "admin.key"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
