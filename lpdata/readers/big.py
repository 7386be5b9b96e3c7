"""Big CSV files (a county's or the nation's exports): read in batches, typed batch by batch, the
kept rows spilled to Parquet files, so that memory stays bounded whatever the size of the file.

A file of the national database can hold 26 million rows (2 GB): as one Polars frame of text it
would take some 8 GB, typed another 5. Here at most one batch (`CHUNK_ROWS` rows) is in memory,
plus 8 bytes per kept row (a hash of its key) to find duplicate keys across batches. The result is
the same as reading the file whole (`read_file` on a small file): the same rows kept, the same rows
quarantined with the same reasons and texts (tests/readers/test_big.py holds them side by side).

- Decoding: one pass over the bytes (16 MB at a time) computes the SHA-256, checks UTF-8 (nothing
  kept) and looks for NUL bytes, with the same rules and messages as `decode_csv_bytes`; a Big5
  file is then transcoded to a UTF-8 file in the spill folder.
- Rows: `scan_csv(...).collect_batches()` with the options of `read_csv_body`; each batch is
  finished (`_row`, `_extra`, blank rows) and typed as a whole file would be, except that repeated
  keys are left in (`type_rows(dedup=False)`).
- Duplicate keys over the file: each kept row's key is hashed (64 bits); hashes seen twice are
  candidates, checked on the real key values read back from the spilled rows (a hash collision
  is thus never a duplicate). A duplicate leaves its spill file and joins the quarantine with the
  text `type_rows` gives, its raw cells re-read from the CSV (only then is the file read twice).
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import polars as pl

from ..contract import KINDS_BY_NAME, Kind
from ..errors import EmptyFileError, UndecodableFileError
from ..layouts import Layout
from .context import with_context
from .detect import HeaderMatch, HeaderResolver
from .eudc import cp950_decoder
from .ids import IdHasher
from .notices import empty_notices
from .rows import REJECT_SCHEMA, duplicate_rejects, raw_json, type_rows
from .tables import (
    ROW,
    Decoded,
    _csv_error,
    check_utf8,
    csv_options,
    finish_csv_body,
    locate_undecodable,
    sniff_delimiter,
    undecodable,
)

#: CSV files larger than this are read in batches (when the caller gives a spill folder).
BIG_CSV_BYTES = 64 << 20
#: Rows per batch: some 500 MB of memory while a batch of a wide file is typed.
CHUNK_ROWS = 500_000
READ_BYTES = 16 << 20
_EXPECTED = "UTF-8, UTF-8 with BOM, UTF-16 (Unicode text) or Big5/CP950 text"
_HASH_SEED = 0x5EED


PREFIX = ".lp-ingest-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class Spill:
    """A private folder for spilled rows and transcoded files, made on first use (beside the
    database: the same disk, not a RAM-backed /tmp) and removed with everything in it by `close`."""

    def __init__(self, base: Path) -> None:
        self.base = Path(base)
        self._dir: Path | None = None
        self._n = itertools.count()
        self._lock = threading.Lock()  # files are read by several threads at once

    def path(self, suffix: str) -> Path:
        with self._lock:
            if self._dir is None:
                self.base.mkdir(parents=True, exist_ok=True)
                self._remove_orphans()
                self._dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=self.base))
            return self._dir / f"{next(self._n)}{suffix}"

    def _remove_orphans(self) -> None:
        """Folders an ingest that was killed left behind (its process is gone)."""
        for folder in self.base.glob(f"{PREFIX}*"):
            pid = folder.name[len(PREFIX):].split("-", 1)[0]
            if pid.isdigit() and not _running(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class SpilledRows:
    """Typed rows kept in Parquet files: what an Export holds instead of a frame for a big file.
    `height`, `columns`, `schema` without reading them; `lazy()` to scan them; `collect()` for all."""

    files: tuple[Path, ...]
    height: int
    schema: pl.Schema = field(repr=False)

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names())

    def is_empty(self) -> bool:
        return self.height == 0

    def lazy(self) -> pl.LazyFrame:
        if not self.files:
            return pl.LazyFrame(schema=self.schema)
        return pl.scan_parquet(list(self.files))

    def collect(self) -> pl.DataFrame:
        return self.lazy().collect()

    def __getitem__(self, column: str) -> pl.Series:
        return self.lazy().select(column).collect().to_series()


@dataclass(frozen=True)
class BigCsv:
    kind: Kind
    encoding: str
    sha256: str
    rows: SpilledRows
    rejects: pl.DataFrame
    rows_read: int
    ignored: tuple[str, ...]
    notices: pl.DataFrame = field(default_factory=lambda: empty_notices())


# --- decoding -----------------------------------------------------------------------------------


def decode_csv_file(path: Path, spill: Spill) -> tuple[Path, str, str]:
    """(a UTF-8 file with the text, its encoding, the SHA-256 of the bytes), as `decode_csv_bytes`
    decides and words it, reading the file in pieces. The UTF-8 file is `path` itself unless the
    file is Big5 or UTF-16 (then a transcoded copy in the spill folder)."""
    with open(path, "rb") as fh:
        first = fh.read(4)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _transcode_utf16(path, spill)
    sha = hashlib.sha256()
    nonblank = False
    nul_at: int | None = None
    utf8_error: int | None = None
    bom = False
    carry = b""  # the end of the last piece: a character its next piece completes
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(READ_BYTES):
            sha.update(chunk)
            if offset == 0:
                bom = chunk.startswith(b"\xef\xbb\xbf")
                if not bom and b"\x00" in chunk[:4096]:
                    raise UndecodableFileError(
                        "looks like UTF-16 or binary data (NUL bytes) without a byte-order mark; save it as CSV "
                        "UTF-8, Big5 or Unicode text", file=path, expected=_EXPECTED)
            nonblank = nonblank or bool(chunk.strip())
            if nul_at is None:
                at = chunk.find(b"\x00")
                if at >= 0:
                    nul_at = offset + at
            if utf8_error is None:
                text = chunk[3:] if (offset == 0 and bom) else chunk
                start = offset + (3 if (offset == 0 and bom) else 0) - len(carry)
                piece = carry + text if carry else text
                whole = _whole_characters(piece)
                try:
                    check_utf8(piece[:whole] if whole < len(piece) else piece)
                    carry = piece[whole:]
                except UnicodeDecodeError:  # where: Python's incremental decoder, from the same byte
                    decoder = codecs.getincrementaldecoder("utf-8")()
                    try:
                        decoder.decode(piece)
                        carry = decoder.getstate()[0]
                    except UnicodeDecodeError as exc:
                        utf8_error = start + exc.start
            offset += len(chunk)
    if utf8_error is None and carry:  # a character cut by the end of the file
        try:
            codecs.getincrementaldecoder("utf-8")().decode(carry, final=True)
        except UnicodeDecodeError as exc:
            utf8_error = offset - len(carry) + exc.start
    if not nonblank:
        raise EmptyFileError("the file is empty", file=path)
    if bom:
        if utf8_error is not None:
            raise undecodable(f"starts with a UTF-8 byte-order mark but byte {utf8_error} is not UTF-8",
                              path, utf8_error, "utf-8-sig")
        if nul_at is not None:
            raise UndecodableFileError(f"contains a NUL byte at offset {nul_at}: not a text file",
                                       file=path, expected=_EXPECTED)
        return path, "utf-8-sig", sha.hexdigest()
    if nul_at is not None:
        raise UndecodableFileError(f"contains a NUL byte at offset {nul_at}: not a text file",
                                   file=path, expected=_EXPECTED)
    if utf8_error is None:
        return path, "utf-8", sha.hexdigest()
    return _transcode_big5(path, spill, utf8_error), "cp950", sha.hexdigest()


def _whole_characters(data: bytes) -> int:
    """How many leading bytes of `data` end on a character's end: all of them, unless the last
    character begun (its lead byte, within the last 4) needs more bytes than follow it."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: the last lead (or ASCII) byte
            need = 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4 if byte >> 3 == 0b11110 else 1
            return len(data) - back if need > back else len(data)
    return len(data)


def _transcode_big5(path: Path, spill: Spill, utf8_error: int) -> Path:
    out = spill.path(".csv")
    decoder = cp950_decoder()  # 造字 decoded as Windows does
    offset = 0
    with open(path, "rb") as src, open(out, "wb") as dst:
        while True:
            chunk = src.read(READ_BYTES)
            final = not chunk
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:  # exc.object is the pending bytes, then the chunk
                at = offset - pending + exc.start
                guess = (at, "cp950") if at >= utf8_error else (utf8_error, "utf-8")
                raise undecodable(f"not UTF-8 (bad byte at offset {utf8_error}) nor Big5/CP950 "
                                  f"(bad byte at offset {at})", path, *guess) from None
            dst.write(text.encode("utf-8"))
            offset += len(chunk)
            if final:
                break
    return out


def _transcode_utf16(path: Path, spill: Spill) -> tuple[Path, str, str]:
    """Excel's 「Unicode 文字」 (UTF-16 with a byte-order mark), as a UTF-8 file in the spill folder."""
    out = spill.path(".csv")
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-16")()
    offset = 0
    nonblank = False
    with open(path, "rb") as src, open(out, "wb") as dst:
        while True:
            chunk = src.read(READ_BYTES)
            final = not chunk
            sha.update(chunk)
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                at = max(offset - pending + exc.start, 0)
                raise undecodable(f"starts with a UTF-16 byte-order mark but byte {at} is not UTF-16",
                                  path, at, "utf-16") from None
            if "\x00" in text:
                raise UndecodableFileError("contains a NUL character: not a text file", file=path,
                                           expected=_EXPECTED)
            nonblank = nonblank or bool(text.strip())
            dst.write(text.encode("utf-8"))
            offset += len(chunk)
            if final:
                break
    if not nonblank:
        raise EmptyFileError("the file is empty", file=path)
    return out, "utf-16", sha.hexdigest()


def head_of(source: Path, encoding: str) -> Decoded:
    """The first megabyte of the UTF-8 text (byte-order mark removed), for `preview_csv`."""
    with open(source, "rb") as fh:
        data = fh.read(1 << 20)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return Decoded(data, encoding)


def batches(source: Path, header_index: int, width: int, file: Path,
            rows: int = CHUNK_ROWS, delimiter: str = ",") -> Iterator[pl.DataFrame]:
    """The body below the header, `rows` records at a time, each as `read_csv_body` gives it."""
    lf = pl.scan_csv(source, **csv_options(header_index, width, delimiter))
    try:
        for batch in lf.collect_batches(chunk_size=rows):
            yield finish_csv_body(batch, header_index, width)
    except pl.exceptions.PolarsError as exc:
        raise _csv_error(source.read_bytes(), file, delimiter) from exc


# --- reading ------------------------------------------------------------------------------------


def read_big_csv(path: Path, *, resolver: HeaderResolver, hasher: IdHasher, spill: Spill,
                 unnamed: Callable[[HeaderMatch, pl.DataFrame], tuple[str, ...]],
                 rows: int = CHUNK_ROWS) -> BigCsv:
    """A big CSV file, read in batches of `rows` records (see the module's docstring)."""
    try:
        source, encoding, sha = decode_csv_file(path, spill)
    except UndecodableFileError as exc:  # named by its row and column, as read_file names it
        raise locate_undecodable(exc, path, path, lambda rows: resolver.find_header(rows, file=path)) from None
    delimiter, preview, found = sniff_delimiter(head_of(source, encoding), path,
                                                lambda rows: resolver.find_header(rows, file=path))
    if found is None:
        raise resolver.nearest_error(preview, file=path)
    index, match = found
    kind = match.kind
    key = list(kind.key)
    files: list[Path] = []
    ranges: list[tuple[int, int]] = []  # each file's first and last _row
    hashes: list[np.ndarray] = []
    rejects: list[pl.DataFrame] = []
    unnamed_columns: dict[str, None] = {}
    notices: list[pl.DataFrame] = []
    height = rows_read = 0
    schema: pl.Schema | None = None
    for body in batches(source, index, match.width, path, rows, delimiter):
        body = with_context(match, body)  # a layout's constants and derived columns
        unnamed_columns.update(dict.fromkeys(unnamed(match, body)))
        typed = type_rows(kind, match, body, sheet=None, hasher=hasher, keep_raw=False, dedup=False)
        rows_read += typed.rows_read
        if typed.notices is not None and typed.notices.height:
            notices.append(typed.notices)
        schema = typed.rows.schema
        if typed.rejects.height:
            rejects.append(typed.rejects)
        if typed.rows.height:
            out = spill.path(".parquet")
            typed.rows.write_parquet(out, compression="snappy", statistics=False)
            files.append(out)
            ranges.append((typed.rows[ROW][0], typed.rows[ROW][-1]))
            height += typed.rows.height
            if key:
                hashes.append(typed.rows.select(pl.struct(key).hash(_HASH_SEED)).to_series().to_numpy())
        del typed, body
    if schema is None:  # no rows at all: type an empty body for the schemas
        empty = finish_csv_body(pl.DataFrame(schema=csv_options(index, match.width)["schema"])
                                .with_columns(pl.lit(None, dtype=pl.UInt32).alias("_idx")), index, match.width)
        empty = with_context(match, empty)
        schema = type_rows(kind, match, empty, sheet=None, hasher=hasher, keep_raw=False).rows.schema
    spilled = SpilledRows(tuple(files), height, schema)
    if key and hashes:
        spilled, dup_rejects = _duplicates(kind, match, spilled, ranges, np.concatenate(hashes), source, index,
                                           path, spill, rows, delimiter)
        if dup_rejects.height:
            rejects.append(dup_rejects)
            if notices:  # a notice is about a kept row: not about one quarantined as a duplicate
                dropped = dup_rejects[ROW].implode()
                notices = [n.filter(~pl.col(ROW).is_in(dropped)) for n in notices]
    all_rejects = (pl.concat(rejects).sort(ROW, maintain_order=True) if rejects
                   else pl.DataFrame(schema=REJECT_SCHEMA))
    # A layout's rows are its target kind's (same stored columns, same order).
    return BigCsv(KINDS_BY_NAME[kind.name] if isinstance(kind, Layout) else kind, encoding, sha, spilled,
                  all_rejects, rows_read, match.ignored + tuple(unnamed_columns),
                  pl.concat(notices) if notices else empty_notices())


def _duplicates(kind: Kind, match: HeaderMatch, spilled: SpilledRows, ranges: list[tuple[int, int]],
                hashes: np.ndarray, source: Path, index: int, path: Path, spill: Spill,
                rows: int, delimiter: str = ",") -> tuple[SpilledRows, pl.DataFrame]:
    """Kept rows whose key an earlier kept row of the file has: moved from the spill to rejects."""
    ordered = np.sort(hashes)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(repeated):
        return spilled, pl.DataFrame(schema=REJECT_SCHEMA)
    key = list(kind.key)
    extra = ["national_id_hash"] if "national_id_hash" in spilled.columns and "national_id_hash" not in key else []
    candidates = (spilled.lazy()
                  .filter(pl.struct(key).hash(_HASH_SEED).is_in(pl.Series(repeated, dtype=pl.UInt64).implode()))
                  .select(ROW, *key, *extra).collect())
    # The exact test, on the values: the first row of each key is kept, as type_rows does.
    candidates = candidates.with_columns(pl.col(ROW).min().over(key).alias("__first"))
    dups = candidates.filter(pl.col(ROW) != pl.col("__first"))
    if not dups.height:
        return spilled, pl.DataFrame(schema=REJECT_SCHEMA)
    dup_rows = pl.Series(dups[ROW])
    # Their raw cells, from the CSV again (the only second read, and only when there are duplicates).
    raws = []
    for body in batches(source, index, match.width, path, rows, delimiter):
        hit = body.filter(pl.col(ROW).is_in(dup_rows.implode()))
        if hit.height:
            raws.append(hit.select(pl.col(ROW), raw_json(match, hit).alias("raw")))
    raw = pl.concat(raws) if raws else pl.DataFrame(schema={ROW: pl.Int64, "raw": pl.String})
    # Rewrite the spill files that held them.
    files = list(spilled.files)
    lo, hi = int(cast(int, dup_rows.min())), int(cast(int, dup_rows.max()))  # row numbers, at least one
    for i, (first, last) in enumerate(ranges):
        if last < lo or first > hi:
            continue
        frame = pl.read_parquet(files[i])
        kept = frame.filter(~pl.col(ROW).is_in(dup_rows.implode()))
        if kept.height != frame.height:
            out = spill.path(".parquet")
            kept.write_parquet(out, compression="snappy", statistics=False)
            files[i].unlink()
            files[i] = out
    return (SpilledRows(tuple(files), spilled.height - dups.height, spilled.schema),
            duplicate_rejects(kind, dups, raw))
