"""Cutting an upload into records as its bytes arrive: NDJSON or CSV, UTF-8 or GB18030.

The body is split on newline bytes first (neither encoding uses byte 0x0A inside a
multi-byte character), so each line is decoded on its own: a line that is not valid text
is reported by its number, and memory holds one chunk and one unfinished line, whatever
the size of the file. A CSV record may span lines inside a quoted field; its line number
is the line it starts on.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from hub.errors import BadUpload

FORMATS = ("ndjson", "csv")
ENCODINGS = ("utf-8", "gb18030")
# A line (or a CSV record) longer than this ends the upload: no record needs more.
MAX_LINE_BYTES = 1 << 20
_BOMS = (b"\xef\xbb\xbf", b"\x84\x31\x95\x33")

# (line, record, None) for a record; (line, None, reason) for a line that is no record.
Parsed = tuple[int, dict[str, Any] | None, str | None]


class Framing:
    """Feed it the body's chunks in order; it returns the records completed so far."""

    def __init__(
        self,
        fmt: str,
        encoding: str,
        csv_columns: tuple[str, ...] = (),
        from_csv: Callable[[Mapping[str, str | None]], dict[str, Any]] | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise BadUpload(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}", argument="format")
        if encoding not in ENCODINGS:
            raise BadUpload(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}", argument="encoding")
        self.fmt = fmt
        self.encoding = encoding
        self._csv_columns = csv_columns
        self._from_csv = from_csv
        self._pending = b""
        self._line = 0
        self._header: list[str] | None = None
        # A CSV record still open inside quotes: its first line and text so far.
        self._open: tuple[int, str] | None = None
        self.bytes = 0

    def feed(self, chunk: bytes) -> list[Parsed]:
        self.bytes += len(chunk)
        data = self._pending + chunk if self._pending else chunk
        parts = data.split(b"\n")
        self._pending = parts.pop()
        if len(self._pending) > MAX_LINE_BYTES:
            raise BadUpload(f"line {self._line + len(parts) + 1} is longer than {MAX_LINE_BYTES} bytes")
        return self._lines(parts)

    def end(self) -> list[Parsed]:
        """The records of the last line (without a final newline), and what is unfinished."""
        parts = [self._pending] if self._pending else []
        self._pending = b""
        out = self._lines(parts)
        if self._open is not None:
            out.append((self._open[0], None, "a quoted field is not closed before the end of the file"))
            self._open = None
        if self.fmt == "csv" and self._header is None:
            raise BadUpload("the CSV file has no header row")
        return out

    def _lines(self, parts: list[bytes]) -> list[Parsed]:
        out: list[Parsed] = []
        ndjson = self.fmt == "ndjson"
        utf8 = self.encoding == "utf-8"
        for raw in parts:
            self._line += 1
            line = self._line
            if line == 1:
                for bom in _BOMS:
                    if raw.startswith(bom):
                        raw = raw[len(bom) :]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if ndjson:
                if not raw.strip():
                    continue
                try:
                    value = orjson.loads(raw if utf8 else raw.decode("gb18030"))
                except UnicodeDecodeError:
                    out.append((line, None, f"not valid {self.encoding} text"))
                    continue
                except orjson.JSONDecodeError:
                    out.append((line, None, "not valid JSON"))
                    continue
                if not isinstance(value, dict):
                    out.append((line, None, "not a JSON object"))
                    continue
                out.append((line, value, None))
            else:
                try:
                    text = raw.decode(self.encoding)
                except UnicodeDecodeError:
                    out.append((line, None, f"not valid {self.encoding} text"))
                    continue
                self._csv_line(line, text, out)
        return out

    def _csv_line(self, line: int, text: str, out: list[Parsed]) -> None:
        if self._open is not None:
            start, so_far = self._open
            text = so_far + "\n" + text
            if len(text) > MAX_LINE_BYTES:
                raise BadUpload(f"the record starting on line {start} is longer than {MAX_LINE_BYTES} bytes")
        else:
            start = line
            if not text.strip():
                return
        if text.count('"') % 2:
            self._open = (start, text)
            return
        self._open = None
        try:
            values = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            out.append((start, None, f"not a valid CSV record ({exc})"))
            return
        if self._header is None:
            self._set_header(values)
            return
        header = self._header
        if len(values) != len(header):
            out.append((start, None, f"has {len(values)} fields; the header has {len(header)}"))
            return
        row = {name: (value.strip() or None) for name, value in zip(header, values, strict=True)}
        assert self._from_csv is not None
        out.append((start, self._from_csv(row), None))

    def _set_header(self, values: list[str]) -> None:
        header = [v.strip() for v in values]
        unknown = [h for h in header if h not in self._csv_columns]
        if unknown:
            raise BadUpload(
                f"unknown CSV column(s) {', '.join(unknown)}; the columns are {', '.join(self._csv_columns)}",
                argument="header",
            )
        if len(set(header)) != len(header):
            raise BadUpload("a CSV column appears twice in the header", argument="header")
        self._header = header
