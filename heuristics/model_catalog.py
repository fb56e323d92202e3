"""The sentence-transformers models a server offers for embeddings, chosen by name.

Users never name a path: the bundled model is ``default``, and every sub-folder of the
folder the administrator sets (``HEURIST_MODELS_DIR``) that holds a sentence-transformers
model (its ``modules.json``) is offered under the sub-folder's name. A name is resolved to
a path here and only here, so nothing outside that folder can be loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from heuristics.errors import InvalidInputError

DEFAULT_MODEL = "default"
DEFAULT_DESCRIPTION = "all-MiniLM-L6-v2, bundled (384 dimensions)"


@dataclass(frozen=True)
class ModelChoice:
    """A model as users see it: the name they choose and a line saying what it is."""

    name: str
    description: str


@dataclass(frozen=True)
class ModelCatalog:
    """The models on offer: the default (``default_path``, else the bundled MiniLM) and the
    models in ``models_dir``.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "e5-small").mkdir(); (folder / "e5-small" / "modules.json").write_text("[]")
    2
    >>> (folder / "notes").mkdir()
    >>> catalog = ModelCatalog(default_path="/models/minilm", models_dir=str(folder))
    >>> [choice.name for choice in catalog.choices()]
    ['default', 'e5-small']
    >>> catalog.path_of("e5-small") == str(folder / "e5-small")
    True
    >>> catalog.path_of("default")
    '/models/minilm'
    >>> catalog.path_of("/etc")
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'model': model '/etc' is not offered here; choose one of: default, e5-small
    """  # noqa: E501

    default_path: str | None = None
    models_dir: str | None = None

    def _offered(self) -> dict[str, str]:
        if not self.models_dir or not os.path.isdir(self.models_dir):
            return {}
        return {name: path for name in sorted(os.listdir(self.models_dir))
                if name != DEFAULT_MODEL and not name.startswith(".")
                and os.path.isfile(os.path.join(path := os.path.join(self.models_dir, name),
                                                "modules.json"))}

    def choices(self) -> list[ModelChoice]:
        """The default model first, then the folder's models by name."""
        return [ModelChoice(DEFAULT_MODEL, DEFAULT_DESCRIPTION), *(
            ModelChoice(name, "sentence-transformers model of this server")
            for name in self._offered())]

    def path_of(self, name: str) -> str | None:
        """The folder of the model called ``name`` (None for the bundled default).

        Raises
        ------
        InvalidInputError
            If no model of that name is offered (field ``model``).
        """
        if name == DEFAULT_MODEL:
            return self.default_path
        offered = self._offered()
        if name not in offered:
            names = ", ".join([DEFAULT_MODEL, *offered])
            raise InvalidInputError(f"model {name!r} is not offered here; choose one of: "
                                    f"{names}", field="model")
        return offered[name]
