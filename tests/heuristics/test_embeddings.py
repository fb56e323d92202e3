"""Tests of heuristics.embeddings, with the real bundled all-MiniLM-L6-v2 model."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA

from heuristics.embeddings import (
    Embedder,
    SentenceTransformerEmbedder,
    TokenPCA,
    default_model_path,
    load_model,
    pool_pieces,
    vectors_from_bytes,
    vectors_to_bytes,
)
from heuristics.errors import InvalidInputError
from heuristics.tokens import token_offsets, tokenize

TEXTS = [
    "buy cheap watches now",
    "cheap watches for sale",
    "the cat sleeps",
    "I don't think it's state-of-the-art... (www.x.org).",
    "Unbelievably, Dr. Müller's café sells 1,000 croissants 👍🏽 daily!",
]


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a network connection fails the test."""

    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield
    assert attempts == [], "network access attempted"


def offsets_of(texts: list[str]) -> list[tuple[list[int], list[int]]]:
    return [token_offsets(tokenize(text)) for text in texts]


# ----------------------------------------------------------------------------- the model


def test_default_model_is_a_local_directory() -> None:
    path = default_model_path()
    assert isinstance(path, str)
    assert load_model(path) is load_model(path)


def test_name_and_dims(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.name == "all-MiniLM-L6-v2"
    assert embedder.dims == 384
    assert SentenceTransformerEmbedder(default_model_path()).name == "all-MiniLM-L6-v2"
    assert SentenceTransformerEmbedder("/models/my-model/").name == "my-model"
    assert isinstance(embedder, Embedder)


def test_missing_model_path_is_invalid_input_without_network(no_network: None) -> None:
    embedder = SentenceTransformerEmbedder("/no/such/model")
    with pytest.raises(InvalidInputError) as caught:
        embedder.embed_texts(["hello"])
    assert caught.value.field == "model_path"
    assert "no sentence-transformers model at '/no/such/model'" in str(caught.value)


def test_directory_without_model_is_invalid_input_without_network(
    no_network: None, tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("not a model")
    with pytest.raises(InvalidInputError) as caught:
        SentenceTransformerEmbedder(str(tmp_path)).embed_texts(["hello"])
    assert caught.value.field == "model_path"


def test_bad_parameters_are_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="batch_size"):
        SentenceTransformerEmbedder(batch_size=0).embed_texts(["x"])
    with pytest.raises(InvalidInputError, match="max_token_length"):
        SentenceTransformerEmbedder(max_token_length=2).embed_tokens(["x"], [([0], [1])])


# ----------------------------------------------------------------------------- embed_texts


def test_embed_texts_shape_dtype_and_norms(embedder: SentenceTransformerEmbedder) -> None:
    vectors = embedder.embed_texts(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed_texts_is_deterministic(embedder: SentenceTransformerEmbedder) -> None:
    first = embedder.embed_texts(TEXTS)
    second = embedder.embed_texts(TEXTS)
    np.testing.assert_array_equal(first, second)
    one_by_one = SentenceTransformerEmbedder(batch_size=1).embed_texts(TEXTS)
    np.testing.assert_allclose(one_by_one, first, atol=1e-5)


def test_similar_texts_are_closer(embedder: SentenceTransformerEmbedder) -> None:
    spam, sale, cat = embedder.embed_texts(TEXTS[:3])
    assert spam @ sale > spam @ cat + 0.2
    assert spam @ sale > sale @ cat + 0.2


def test_embed_texts_of_nothing(embedder: SentenceTransformerEmbedder) -> None:
    vectors = embedder.embed_texts([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


# ----------------------------------------------------------------------------- embed_tokens


def test_embed_tokens_gives_one_row_per_stored_token(
    embedder: SentenceTransformerEmbedder,
) -> None:
    vectors = embedder.embed_tokens(TEXTS, offsets_of(TEXTS))
    assert len(vectors) == len(TEXTS)
    for text, array in zip(TEXTS, vectors, strict=True):
        assert array.shape == (len(tokenize(text)), 384)
        assert array.dtype == np.float32
        assert np.all(np.linalg.norm(array, axis=1) > 0)  # every token is covered


def test_token_vector_is_mean_of_its_word_pieces(embedder: SentenceTransformerEmbedder) -> None:
    import torch

    text = TEXTS[4]
    word = tokenize(text)[0]
    assert word.text == "Unbelievably"
    # Embed next to shorter and longer texts, so the batch is padded.
    vectors = embedder.embed_tokens(TEXTS, offsets_of(TEXTS))[4]

    model = load_model(default_model_path())
    encoded = model.tokenizer(text, return_offsets_mapping=True, return_tensors="pt")
    offsets = encoded.pop("offset_mapping")[0].tolist()
    with torch.inference_mode():
        pieces = model[0].auto_model(**encoded).last_hidden_state[0].numpy()
    inside = [
        i
        for i, (start, end) in enumerate(offsets)
        if end > start and start < word.end and end > word.start
    ]
    assert len(inside) >= 3  # un ##bel ##ie ##va ##bly: a multi-piece word
    np.testing.assert_allclose(vectors[0], pieces[inside].mean(axis=0), atol=1e-4)


def test_embed_tokens_is_deterministic(embedder: SentenceTransformerEmbedder) -> None:
    offsets = offsets_of(TEXTS)
    first = embedder.embed_tokens(TEXTS, offsets)
    second = embedder.embed_tokens(TEXTS, offsets)
    third = SentenceTransformerEmbedder(batch_size=2).embed_tokens(TEXTS, offsets)
    for a, b, c in zip(first, second, third, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, atol=1e-5)


def test_tokens_past_max_token_length_are_zero() -> None:
    text = "the cat sat on the mat and the dog ran far away"
    offsets = offsets_of([text])
    short = SentenceTransformerEmbedder(max_token_length=8)
    (vectors,) = short.embed_tokens([text], offsets)
    assert vectors.shape == (12, 384)
    # [CLS] + six one-piece words + [SEP] fill the 8 pieces.
    assert np.all(np.linalg.norm(vectors[:6], axis=1) > 0)
    np.testing.assert_array_equal(vectors[6:], 0.0)


def test_text_without_tokens(embedder: SentenceTransformerEmbedder) -> None:
    texts = ["", "   ", "hi there"]
    vectors = embedder.embed_tokens(texts, offsets_of(texts))
    assert [v.shape for v in vectors] == [(0, 384), (0, 384), (2, 384)]
    assert embedder.embed_tokens([], []) == []


def test_embed_tokens_rejects_mismatched_offsets(embedder: SentenceTransformerEmbedder) -> None:
    with pytest.raises(InvalidInputError) as caught:
        embedder.embed_tokens(["a", "b"], [([0], [1])])
    assert caught.value.field == "offsets"
    with pytest.raises(InvalidInputError) as caught:
        embedder.embed_tokens(["a b"], [([0, 2], [1])])
    assert caught.value.row == 0


def test_pool_pieces_averages_overlapping_pieces() -> None:
    vectors = np.arange(10, dtype=np.float32).reshape(5, 2)
    # [CLS], "do" [0,3) split as "don" | "'" | "t" by word pieces, [SEP]
    offsets = np.array([[0, 0], [0, 3], [3, 4], [4, 5], [0, 0]])
    pooled = pool_pieces(vectors, offsets, [0, 2], [2, 5])
    np.testing.assert_array_equal(pooled, [[2.0, 3.0], vectors[1:4].mean(axis=0)])


# ----------------------------------------------------------------------------- TokenPCA


def test_token_pca_matches_sklearn_and_round_trips() -> None:
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(40, 12)), rng.normal(size=(25, 12)), np.zeros((0, 12))]
    pca = TokenPCA(5).fit(arrays)
    assert pca.mean_.dtype == np.float32 and pca.components_.shape == (5, 12)
    projected = pca.transform(arrays[0])
    assert projected.shape == (40, 5) and projected.dtype == np.float32
    reference = PCA(5, random_state=0).fit(np.concatenate(arrays)).transform(arrays[0])
    np.testing.assert_allclose(projected, reference, atol=1e-4)

    restored = TokenPCA.from_bytes(pca.to_bytes())
    assert restored.n_components == 5
    np.testing.assert_array_equal(restored.transform(arrays[1]), pca.transform(arrays[1]))


def test_token_pca_on_real_token_vectors(embedder: SentenceTransformerEmbedder) -> None:
    vectors = embedder.embed_tokens(TEXTS, offsets_of(TEXTS))
    pca = TokenPCA(8).fit(vectors)
    assert pca.transform(vectors[3]).shape == (len(tokenize(TEXTS[3])), 8)


def test_token_pca_errors() -> None:
    with pytest.raises(InvalidInputError, match="at least 4"):
        TokenPCA(4).fit([np.ones((2, 8)), np.ones((1, 8))])
    with pytest.raises(InvalidInputError) as caught:
        TokenPCA(9).fit([np.ones((20, 8))])
    assert caught.value.field == "n_components"
    with pytest.raises(InvalidInputError):
        TokenPCA(2).fit([])
    with pytest.raises(InvalidInputError):
        TokenPCA(2).fit([np.ones((5, 8)), np.ones((5, 7))])
    pca = TokenPCA(2).fit([np.random.default_rng(0).normal(size=(10, 8))])
    with pytest.raises(InvalidInputError):
        pca.transform(np.ones((3, 7)))
    with pytest.raises(InvalidInputError):
        TokenPCA.from_bytes(b"not an archive")
    with pytest.raises(RuntimeError):
        TokenPCA(2).transform(np.ones((1, 8)))


# ----------------------------------------------------------------------------- storage


def test_vectors_bytes_round_trip() -> None:
    array = np.random.default_rng(2).normal(size=(7, 5))  # float64 in, float32 stored
    data = vectors_to_bytes(array)
    assert len(data) == 7 * 5 * 4
    restored = vectors_from_bytes(data, 5)
    assert restored.dtype == np.float32 and restored.flags.c_contiguous
    np.testing.assert_array_equal(restored, array.astype(np.float32))
    fortran = np.asfortranarray(array.astype(np.float32))
    assert vectors_to_bytes(fortran) == data
    assert vectors_from_bytes(b"", 5).shape == (0, 5)


def test_vectors_from_bytes_rejects_partial_vectors() -> None:
    with pytest.raises(InvalidInputError) as caught:
        vectors_from_bytes(b"\x00" * 12, 2)
    assert caught.value.field == "data"
