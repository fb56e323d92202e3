"""Where the client finds its server and key: ``HEURIST_URL`` and ``HEURIST_API_KEY``, else
``~/.config/heurist/config.toml`` (``url = ...``, ``key = ...``), else the local default."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class ClientConfig:
    url: str = DEFAULT_URL
    key: str | None = None


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "heurist" / "config.toml"


def load_config(path: Path | None = None, *,
                environ: Mapping[str, str] = os.environ) -> ClientConfig:
    """The environment over the file over the defaults.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "c.toml").write_text('url = "http://h:1"\\nkey = "k"\\n')
    >>> load_config(folder / "c.toml", environ={})
    ClientConfig(url='http://h:1', key='k')
    >>> load_config(folder / "c.toml", environ={"HEURIST_API_KEY": "e"}).key
    'e'
    """
    path = path or config_path()
    stored = tomllib.loads(path.read_text()) if path.is_file() else {}
    return ClientConfig(
        url=environ.get("HEURIST_URL") or stored.get("url") or DEFAULT_URL,
        key=environ.get("HEURIST_API_KEY") or stored.get("key"))
