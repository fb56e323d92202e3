"""A minimal HTTP/1.1 client for load generation on loopback: one connection per request,
no pool, so hundreds of concurrent requests cost the client almost nothing (a general
client's pool spends more time than the server under such bursts).

Examples
--------
>>> Answer(503, {"retry-after": "1"}, b"", 0.01).retry_after
'1'
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def retry_after(self) -> str | None:
        return self.headers.get("retry-after")

    def json(self) -> object:
        return json.loads(self.body)


async def fetch(base: str, method: str, path: str, *, headers: dict[str, str] | None = None,
                json_body: object = None, timeout_s: float = 30.0) -> Answer:
    """Send one request on a new connection and read the whole answer."""
    start = time.monotonic()
    url = urlsplit(base)
    body = b"" if json_body is None else json.dumps(json_body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close",
             f"Content-Length: {len(body)}"]
    if json_body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    async with asyncio.timeout(timeout_s):
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            raw = await reader.read(-1)
        finally:
            writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = dict(line.split(": ", 1) for line in header_lines if ": " in line)
    answer_headers = {name.lower(): value for name, value in found.items()}
    if answer_headers.get("transfer-encoding") == "chunked":
        content = _unchunk(content)
    return Answer(int(status_line.split()[1]), answer_headers, content,
                  time.monotonic() - start)


def _unchunk(content: bytes) -> bytes:
    out, rest = [], content
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)
