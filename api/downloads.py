"""File downloads: media types of the export formats and the Content-Disposition header."""

from __future__ import annotations

from urllib.parse import quote

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
               "parquet": "application/vnd.apache.parquet"}


def attachment(filename: str) -> str:
    r"""A Content-Disposition value that offers ``filename`` for download (RFC 6266): the
    exact name in UTF-8, and a printable ASCII fallback ("_" for anything else and quotes).

    >>> attachment('Caf\u00e9 "5".csv')
    'attachment; filename="Caf_ _5_.csv"; filename*=UTF-8\'\'Caf%C3%A9%20%225%22.csv'
    """
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
