"""Stored tokenisations: one per record and text attribute, shared by everything after."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from heuristics.tokens import token_offsets, tokenize
from store.models import Attribute, Record, Tokenization

BATCH = 2_000


def tokenize_attribute(*, session: Session, attribute: Attribute,
                       record_ids: Iterable[int] | None = None) -> int:
    """Store tokens of ``attribute`` for records that have none yet; returns how many. No commit.

    ``record_ids`` limits the work to those records (e.g. the ones just imported).
    """
    done = select(Tokenization.record_id).where(Tokenization.attribute_id == attribute.id)
    query = (
        select(Record.id, Record.data)
        .where(Record.project_id == attribute.project_id, Record.id.not_in(done))
        .order_by(Record.id)
    )
    if record_ids is not None:
        query = query.where(Record.id.in_(list(record_ids)))
    written = 0
    batch: dict[int, str] = {}
    for record_id, data in session.execute(query):
        batch[record_id] = str(data.get(attribute.name) or "")
        if len(batch) >= BATCH:
            written += store_tokens(session=session, attribute_id=attribute.id, texts=batch)
            batch = {}
    return written + store_tokens(session=session, attribute_id=attribute.id, texts=batch)


def store_tokens(*, session: Session, attribute_id: int, texts: Mapping[int, str]) -> int:
    """Store the tokens of each record's text (by record id) of an attribute whose records
    have none stored yet; returns how many. No commit."""
    if texts:
        session.execute(insert(Tokenization), [
            {"record_id": record_id, "attribute_id": attribute_id, "starts": starts,
             "ends": ends}
            for record_id, (starts, ends) in ((rid, token_offsets(tokenize(text)))
                                              for rid, text in texts.items())])
    return len(texts)


def get_tokenization(*, session: Session, record_id: int,
                     attribute: Attribute) -> Tokenization:
    """The record's stored tokens for ``attribute``, made now if missing (no commit)."""
    tokenization = session.scalar(
        select(Tokenization).where(Tokenization.record_id == record_id,
                                   Tokenization.attribute_id == attribute.id)
    )
    if tokenization is None:
        tokenize_attribute(session=session, attribute=attribute, record_ids=[record_id])
        tokenization = session.scalar(
            select(Tokenization).where(Tokenization.record_id == record_id,
                                       Tokenization.attribute_id == attribute.id)
        )
    return tokenization


def stored_offsets(*, session: Session, attribute_id: int,
                   record_range: tuple[int, int] | None = None,
                   record_ids: list[int] | None = None) -> dict[int, tuple[list, list]]:
    """The stored token offsets ``(starts, ends)`` of every tokenized record of an
    attribute (or of the records whose ids are in ``record_range``, both ends included, or
    in ``record_ids``), by record id."""
    query = select(Tokenization.record_id, Tokenization.starts, Tokenization.ends).where(
        Tokenization.attribute_id == attribute_id)
    if record_range is not None:
        query = query.where(Tokenization.record_id.between(*record_range))
    if record_ids is not None:
        query = query.where(Tokenization.record_id.in_(record_ids))
    return {rid: (starts, ends) for rid, starts, ends in session.execute(query)}


def token_texts(*, session: Session, attribute: Attribute) -> dict[int, list[str]]:
    """The texts of the stored tokens of a text ``attribute``, by record id."""
    return {rid: words for batch in token_text_batches(session=session, attribute=attribute)
            for rid, words in batch.items()}


def token_text_batches(*, session: Session, attribute: Attribute
                       ) -> Iterator[dict[int, list[str]]]:
    """:func:`token_texts`, ``BATCH`` records at a time, ascending by record id: a project
    of any size is read in bounded memory."""
    last_id = 0
    while True:
        rows = session.execute(
            select(Record.id, Record.data, Tokenization.starts, Tokenization.ends)
            .join(Tokenization, Tokenization.record_id == Record.id)
            .where(Record.project_id == attribute.project_id, Record.id > last_id,
                   Tokenization.attribute_id == attribute.id)
            .order_by(Record.id).limit(BATCH)).all()
        if not rows:
            return
        last_id = rows[-1][0]
        yield {record_id: [str(data.get(attribute.name) or "")[start:end]
                           for start, end in zip(starts, ends, strict=True)]
               for record_id, data, starts, ends in rows}
