"""Spooled rows grouped into values.batchUpdate bodies of about CHUNK_BYTES each.

Google recommends requests of at most ~2 MB. Sizing by serialized bytes (not a row count) keeps
wide and narrow reports equally close to that, so a report costs about one call per 2 MB.
The body is assembled from the spooled JSON text without parsing it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

CHUNK_BYTES = 2_000_000
BODY_OVERHEAD = 300  # the envelope around the rows: range, option names, brackets


def group(lines: Iterator[bytes], limit: int) -> Iterator[list[bytes]]:
    """Consecutive rows whose JSON adds up to at most `limit` bytes (at least one row each)."""
    chunk: list[bytes] = []
    size = BODY_OVERHEAD
    for line in lines:
        if chunk and size + len(line) + 1 > limit:
            yield chunk
            chunk, size = [], BODY_OVERHEAD
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        yield chunk


def values_body(range_name: str, rows: list[bytes], value_input_option: str) -> bytes:
    head = json.dumps(
        {"valueInputOption": value_input_option, "includeValuesInResponse": False}
    ).encode()[:-1]
    entry = json.dumps({"range": range_name, "majorDimension": "ROWS"}).encode()[:-1]
    return b"".join(
        [head, b',"data":[', entry, b',"values":[', b",".join(rows), b"]}]}"]
    )
