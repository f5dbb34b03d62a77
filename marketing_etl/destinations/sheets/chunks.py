"""Spooled rows grouped into values.batchUpdate bodies of about CHUNK_BYTES each.

Google recommends requests of at most ~2 MB. Sizing by serialized bytes (not a row count) keeps
wide and narrow reports equally close to that, so a report costs about one call per 2 MB.
The body is assembled from the spooled JSON text without parsing it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK_BYTES = 2_000_000
BODY_OVERHEAD = 300  # the envelope around the rows: range, option names, brackets


@dataclass(frozen=True)
class Chunk:
    rows: int
    values: bytearray  # the rows' JSON arrays, comma-separated: what goes inside "values": [...]


def group(lines: Iterator[bytes], limit: int) -> Iterator[Chunk]:
    """Consecutive rows whose JSON adds up to at most `limit` bytes (at least one row each),
    gathered into one buffer as they are read: a chunk is never held as thousands of lines."""
    values, rows = bytearray(), 0
    for line in lines:
        if rows and BODY_OVERHEAD + len(values) + 1 + len(line) > limit:
            yield Chunk(rows, values)
            values, rows = bytearray(), 0
        if rows:
            values += b","
        values += line
        rows += 1
    if rows:
        yield Chunk(rows, values)


def values_body(range_name: str, values: bytearray, value_input_option: str) -> bytes:
    head = json.dumps(
        {"valueInputOption": value_input_option, "includeValuesInResponse": False}
    ).encode()[:-1]
    entry = json.dumps({"range": range_name, "majorDimension": "ROWS"}).encode()[:-1]
    return b"".join([head, b',"data":[', entry, b',"values":[', values, b"]}]}"])
