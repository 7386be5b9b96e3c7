"""`lp ingest`: read a whole export folder, then write it in one transaction, or nothing at all.

Nothing is committed before every file is read. If any file is rejected, every rejection is
reported at once (so a clerk fixes them in one go) and the database is left as it was. The rows of
the files read first are written into the transaction while the others are read (`_WriteAhead`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Protocol, cast

import polars as pl

from .errors import DateError, IngestRejected, InputFileError, LpdataError, NotAnExportError
from .readers import (
    Aliases,
    Export,
    HeaderResolver,
    IdHasher,
    Spill,
    SpilledRows,
    read_file,
    reads_in_batches,
    scan_folder,
)
from .readers.partial import STUDENT_NO
from .readers.rows import PART, part_expr
from .readers.tables import TEXT_SUFFIXES, Decoded, sniff_delimiter
from .readers.values import parse_datetime
from .store import (
    DEFAULT_DB,
    AheadWriter,
    IngestResult,
    ahead_key,
    append_log,
    error_record,
    expected_ids,
    open_db,
    write_exports,
)

Progress = Callable[[Path, int, int], None]  # (file, index, total), before each file is read

#: Fault tests only (tests/reliability): with LP_TEST_PAUSE_BEFORE_COMMIT=<file>, an ingest that has
#: written everything stops just before COMMIT, creates <file> and waits (at most 10 minutes) until
#: the file is removed, so a test can kill it, or start a second writer, at a known point.
PAUSE_ENV = "LP_TEST_PAUSE_BEFORE_COMMIT"


def _pause_from_env() -> Callable[[], None] | None:
    marker = os.environ.get(PAUSE_ENV)
    if not marker:
        return None

    def pause() -> None:
        Path(marker).touch()
        deadline = time.monotonic() + 600
        while Path(marker).exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    return pause


#: DuckDB's memory while it writes (it spills to disk beyond it); `LP_DUCKDB_MEMORY` to change.
MEMORY_ENV = "LP_DUCKDB_MEMORY"
DEFAULT_MEMORY = "1GB"


def _memory_limit() -> str:
    value = os.environ.get(MEMORY_ENV, DEFAULT_MEMORY).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value, re.IGNORECASE):
        raise LpdataError(f"{MEMORY_ENV}={value!r} is not an amount of memory", expected="e.g. 1GB or 512MB")
    return value


def parse_exported_at(text: str) -> dt.datetime:
    """`--exported-at` in any date spelling the exports use (AD or ROC, optional time)."""
    value: dt.datetime | None = pl.select(parse_datetime(pl.lit(text))[0]).item()
    if value is None:
        raise DateError(f"--exported-at {text!r} is not a date",
                          expected="2025-06-30, 2025-06-30 18:00 or 114/06/30")
    return value


class ReadListener(Protocol):
    """Told of each file as it is read (`read_folder`), from the reading threads."""

    def planned(self, files: Sequence[Path]) -> None: ...

    def done(self, index: int, result: list[Export] | LpdataError) -> None: ...


def read_folder(source: Path, *, hasher: IdHasher, resolver: HeaderResolver,
                progress: Progress | None = None, spill: Spill | None = None,
                listener: ReadListener | None = None) -> tuple[list[Export], list[Path], list[LpdataError]]:
    """Read every file of a folder: the exports, the files ignored, and the files rejected. With
    `spill`, big CSV files keep their rows in Parquet files there (bounded memory)."""
    scan = scan_folder(source)
    files = scan.files
    started = itertools.count()
    lock = threading.Lock()

    def read_one(i: int) -> list[Export] | LpdataError:
        path = files[i]
        if progress is not None:
            with lock:
                progress(path, next(started), len(files))
        try:
            got: list[Export] | LpdataError = read_file(path, resolver=resolver, hasher=hasher, spill=spill)
        except LpdataError as exc:
            got = exc
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a reader bug (a Rust panic too) must still name the file, not crash the run
            last = traceback.extract_tb(exc.__traceback__)[-1]
            got = InputFileError(
                f"could not be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                f"at {Path(last.filename).name}:{last.lineno})", file=path)
        if listener is not None:
            listener.done(i, got)
        return got

    if listener is not None:
        listener.planned(files)
    # Small files whose kind a header peek cannot tell (workbooks, zips, YAML) first: rows are
    # written ahead only once every file's kind is known (_WriteAhead).
    results = _read_all(len(files), read_one, [_is_big(p, spill) for p in files],
                        [not _peekable(p) for p in files])
    exports: list[Export] = []
    errors: list[LpdataError] = []
    ignored = list(scan.ignored)
    for path, got in zip(files, results):  # in the folder's order, however the reads were scheduled
        if isinstance(got, NotAnExportError):  # a .txt that holds no export: listed, like a .pdf
            ignored.append(path)
        elif isinstance(got, LpdataError):
            errors.append(got)
        else:
            exports.extend(got)
    return exports, sorted(ignored), errors


def _peekable(path: Path) -> bool:
    """A plain text file, whose kind `_peek_kind` may tell from its header before it is read."""
    return path.suffix.lower() in (".csv", *TEXT_SUFFIXES) and path.is_file()


def _is_big(path: Path, spill: Spill | None) -> bool:
    try:
        return reads_in_batches(path, spill)
    except OSError:  # gone or unreadable: read_file says so, for that file
        return False


def _read_all(n: int, read_one: Callable[[int], list[Export] | LpdataError],
              big: list[bool], early: list[bool] | None = None) -> list[list[Export] | LpdataError]:
    """`read_one(i)` for every file, `_read_threads()` files at a time (Polars, hashlib and DuckDB
    work without the GIL): big files (read in batches) first and one at a time, so that memory stays
    that of one big file plus one small one; small files beside them, the `early` ones first (on one
    thread, every file in order). Results in file order."""
    threads = min(_read_threads(), n)
    if threads <= 1:
        return [read_one(i) for i in range(n)]
    results: list[list[Export] | LpdataError | None] = [None] * n
    bigs = deque(i for i in range(n) if big[i])
    smalls = deque(sorted((i for i in range(n) if not big[i]), key=lambda i: early is None or not early[i]))
    cond = threading.Condition()
    big_busy = False

    def worker() -> None:
        nonlocal big_busy
        while True:
            with cond:
                while True:
                    if bigs and not big_busy:
                        i, is_big, big_busy = bigs.popleft(), True, True
                        break
                    if smalls:
                        i, is_big = smalls.popleft(), False
                        break
                    if not bigs:
                        return
                    cond.wait()
            try:
                results[i] = read_one(i)
            finally:
                if is_big:
                    with cond:
                        big_busy = False
                        cond.notify_all()

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lp-read") as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    # Every slot is filled: each worker ran until no file was left, and each result() re-raised.
    return cast("list[list[Export] | LpdataError]", results)


#: Files read at once (`LP_READ_THREADS`; default: 2, or 1 on a single core).
READ_THREADS_ENV = "LP_READ_THREADS"


def _read_threads() -> int:
    value = os.environ.get(READ_THREADS_ENV, "").strip()
    if not value:
        return min(2, os.cpu_count() or 1)
    if not value.isdigit() or int(value) < 1:
        raise LpdataError(f"{READ_THREADS_ENV}={value!r} is not a number of threads", expected="1, 2, ...")
    return int(value)


#: `LP_WRITE_AHEAD=0` writes every row after the reading, as before (to compare, or if it misbehaves).
WRITE_AHEAD_ENV = "LP_WRITE_AHEAD"


def _write_ahead() -> bool:
    return os.environ.get(WRITE_AHEAD_ENV, "1").strip() != "0"


class _WriteAhead:
    """Writes the rows of files already read into the ingest's transaction while other files are
    still being read (the database's compression is a third of an ingest's time, on one thread,
    and big files are read one at a time: a core is free for it). The result is that of writing
    everything after the reading, which `write_exports` still does for the rest:

    - rows go into a kind's table in folder order: a file's rows are written once no file before
      it that is not read yet may hold its kind, and a kind stops being written ahead at its first
      export that cannot be (rows read by 學號, which need this ingest's whole roster; a file already
      loaded, when the kind may turn out unchanged); a header misread (a file holding rows that
      belong before some written ahead) rolls it all back;
    - with the snapshot and file ids `write_exports` will give them, from the kinds of the files
      read and of the text files not yet read (their header: `_peek_kind`); nothing is written
      before every file's kind is known so (a workbook's or a zip's once it is read), and when a guess
      was wrong anyway, `write_exports` corrects the ids before anything reads them.
    - a rejected file (or any trouble here) rolls it all back and leaves the file as it was: the
      ingest then reports as before, or opens the file after reading as before.
    """

    def __init__(self, db: Path, hasher: IdHasher, resolver: HeaderResolver,
                 fill: Callable[[Export], Export]) -> None:
        self._db, self._hasher, self._resolver, self._fill = db, hasher, resolver, fill
        self._cond = threading.Condition()
        self._files: Sequence[Path] = ()
        self._peeked: list[str | None] = []  # the kind of a text file not read yet, from its header
        self._peeking = False
        self._results: list[list[Export] | LpdataError | None] = []
        self._stopped = False
        self._filled: dict[tuple[str, str], Export] = {}
        self._writer: AheadWriter | None = None
        self._thread: threading.Thread | None = None

    # --- called by read_folder, from the reading threads ---
    def planned(self, files: Sequence[Path]) -> None:
        self._files = files
        self._results = [None] * len(files)
        self._peeked = [None] * len(files)
        self._peeking = True
        self._thread = threading.Thread(target=self._run, name="lp-write-ahead", daemon=True)
        self._thread.start()

    def done(self, index: int, result: list[Export] | LpdataError) -> None:
        with self._cond:
            self._results[index] = result
            if isinstance(result, LpdataError) and not isinstance(result, NotAnExportError):
                self._stopped = True  # rejected: nothing will be committed
            self._cond.notify_all()

    # --- called by the ingest once reading is over ---
    def finish(self, *, ok: bool) -> AheadWriter | None:
        """Wait for the writing thread; the open transaction when there is one to carry on, else
        None (everything rolled back)."""
        with self._cond:
            if not ok:
                self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        writer, self._writer = self._writer, None
        if writer is not None and not ok:
            writer.abandon()
            return None
        return writer

    def filled(self, export: Export) -> Export:
        """`export` as written ahead (an upload batch filled), or filled now."""
        return self._filled.get(ahead_key(export)) or self._fill(export)

    # --- the writing thread ---
    def _next(self, done: list[bool]) -> int | None:
        """The next file to write: the first (in folder order) not done that is read, when no file
        before it that is not done may hold a kind it holds (a file not read yet: the kind its
        header names). Only once the kind of every file is known (read, or a text file's header
        peeked: workbooks and zips are waited for), so that the ids guessed are right. None once
        every file is done, or when stopped."""
        with self._cond:
            while True:
                if self._stopped or all(done):
                    return None
                if not self._peeking and all(r is not None or k is not None
                                             for r, k in zip(self._results, self._peeked)):
                    held: set[str] = set()
                    for i, got in enumerate(self._results):
                        if done[i]:
                            continue
                        if got is None:
                            peeked = self._peeked[i]
                            if peeked is None:
                                break
                            held.add(peeked)
                            continue
                        kinds = {e.kind.name for e in got} if isinstance(got, list) else set()
                        if not kinds & held:
                            return i
                        held |= kinds
                self._cond.wait()

    def _run(self) -> None:
        frozen: set[str] = set()  # kinds no longer written ahead
        loaded: set[str] = set()  # kinds that are certainly loaded (a file not loaded before)
        last: dict[str, int] = {}  # kind -> the last file whose rows of it were written ahead
        done = [False] * len(self._files)
        try:
            for i, path in enumerate(self._files):  # while the first files are read
                if self._results[i] is None and _peekable(path):
                    kind = _peek_kind(path, self._resolver)
                    with self._cond:
                        self._peeked[i] = kind
            with self._cond:
                self._peeking = False
            while (cursor := self._next(done)) is not None:
                done[cursor] = True
                got = self._results[cursor]
                for export in got if isinstance(got, list) else []:
                    export = self._fill(export)
                    self._filled[ahead_key(export)] = export
                    kind = export.kind.name
                    if last.get(kind, -1) > cursor:  # a big file's header was misread: rows out of order
                        raise RuntimeError(f"{export.file} holds {kind}, not what its header looked like")
                    if kind in frozen or not self._can_write(export, loaded):
                        frozen.add(kind)
                        continue
                    loaded.add(kind)
                    assert self._writer is not None  # _can_write opened it
                    self._writer.write(export, *self._ids(cursor, export, loaded))
                    last[kind] = cursor
        except BaseException:  # anything wrong here: write it all after the reading instead
            with self._cond:
                self._stopped = True
            if self._writer is not None:
                self._writer.abandon()
                self._writer = None

    def _can_write(self, export: Export, loaded: set[str]) -> bool:
        rows = export.rows
        if not isinstance(rows, SpilledRows) and STUDENT_NO in rows.columns:
            return False  # tie_student_numbers needs every roster of this ingest first
        if self._writer is None:
            # A wrong LP_DUCKDB_MEMORY is an error the ingest reports after reading, as before.
            self._writer = AheadWriter.begin(self._db, self._hasher, _memory_limit())
            if self._writer is None:
                with self._cond:
                    self._stopped = True
                return False
        kind = export.kind.name
        return kind in loaded or export.sha256 not in self._writer.current_hashes(kind)

    def _ids(self, cursor: int, export: Export, loaded: set[str]) -> tuple[int, int]:
        """The ids `write_exports` will most likely give `export` (file `cursor`)."""
        assert self._writer is not None
        exports: dict[str, list[str]] = {}  # kind -> the sha256 of its exports ("": a big file not read yet)
        index = 0  # its place in its kind's group: after the files of its kind before it
        with self._cond:
            results = list(self._results)
        for i, (got, peeked) in enumerate(zip(results, self._peeked)):
            if i == cursor:
                index = len(exports.get(export.kind.name, ()))
            if isinstance(got, list):
                for e in got:
                    exports.setdefault(e.kind.name, []).append(e.sha256)
            elif got is None and peeked is not None:
                exports.setdefault(peeked, []).append("")
        kinds = {k: (len(shas), k in loaded or any(s not in self._writer.current_hashes(k) for s in shas))
                 for k, shas in exports.items()}
        return expected_ids(kinds, export.kind.name, index, self._writer.next_snapshot, self._writer.next_file)


def _peek_kind(path: Path, resolver: HeaderResolver) -> str | None:
    """The kind a CSV or text file's header names, from its first megabyte, before the file is read:
    a guess for `_WriteAhead` (reading the file decides); None when it cannot tell."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        head = head.removeprefix(b"\xef\xbb\xbf")
        head = head[: head.rfind(b"\n") + 1] or head
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            text = head.decode("cp950", errors="replace")
        found = sniff_delimiter(Decoded(text.encode("utf-8"), "utf-8"), path,
                                lambda rows: resolver.find_header(rows, file=path))[2]
    except Exception:  # only a guess: reading the file says what is wrong with it
        return None
    return None if found is None else found[1].kind.name


#: The kind whose rows are the batches a school uploaded to the national database (a CLO or MP
#: workbook): its batch is the file and its time the file's (contract: NATIONAL_UPLOADS).
UPLOAD_KIND = "national_uploads"


def fill_upload_batch(export: Export, shown: str, exported_at: dt.datetime | None,
                      started: dt.datetime) -> Export:
    """An uploaded national workbook's rows get `batch_id` = the file as shown in the folder
    (`匯出.zip/7_學生課程學習成果名冊.xlsx`) and `submitted_at` = `--exported-at`, else the file's
    modification time (a zip member's date), else the ingest time, where the reader left them
    empty. Other kinds are returned as they are."""
    if export.kind.name != UPLOAD_KIND:
        return export
    when = exported_at or export.modified_at or started
    fill = [
        pl.when(pl.col("batch_id").is_null() | (pl.col("batch_id").str.strip_chars() == ""))
        .then(pl.lit(shown)).otherwise(pl.col("batch_id")).alias("batch_id"),
        pl.col("submitted_at").fill_null(pl.lit(when).cast(pl.Datetime("us"))).alias("submitted_at"),
    ]
    part = part_expr(export.kind).alias(PART)
    rows = export.rows
    if isinstance(rows, SpilledRows):  # a big file's rows: rewritten beside their Parquet files
        if not rows.files:
            return export
        out = rows.files[0].with_name(rows.files[0].stem + "-batch.parquet")
        rows.lazy().with_columns(fill).with_columns(part).sink_parquet(out)
        filled: pl.DataFrame | SpilledRows = SpilledRows((out,), rows.height, rows.schema)
    else:
        filled = rows.with_columns(fill).with_columns(part)
    return replace(export, rows=filled)


def ingest(
    source: str | Path,
    *,
    db: str | Path = DEFAULT_DB,
    exported_at: dt.datetime | None = None,
    key_file: str | Path | None = None,
    aliases_file: str | Path | None = None,
    value_aliases_file: str | Path | None = None,
    progress: Progress | None = None,
    before_commit: Callable[[], None] | None = None,
) -> IngestResult:
    """Load an export folder (or one file) into the database, all of it or nothing."""
    source, db = Path(source), Path(db)
    started = dt.datetime.now()
    if not source.exists():
        raise LpdataError("no such file or folder", file=source)
    hasher = IdHasher.from_file(Path(key_file) if key_file else None)
    resolver = HeaderResolver(Aliases.load(Path(aliases_file) if aliases_file else None,
                                           Path(value_aliases_file) if value_aliases_file else None))
    # A big file's rows wait in Parquet files beside the database until the write (removed after).
    with Spill(db.resolve().parent) as spill:
        return _read_and_write(source, db, started, hasher, resolver, exported_at, progress, before_commit, spill)


def _read_and_write(source: Path, db: Path, started: dt.datetime, hasher: IdHasher, resolver: HeaderResolver,
                    exported_at: dt.datetime | None, progress: Progress | None,
                    before_commit: Callable[[], None] | None, spill: Spill) -> IngestResult:
    base = source if source.is_dir() else source.parent

    def rel(path: Path) -> str:
        return str(path.relative_to(base))

    def fill(export: Export) -> Export:
        return fill_upload_batch(export, rel(export.file), exported_at, started)

    ahead = _WriteAhead(db, hasher, resolver, fill) if _write_ahead() else None
    try:
        exports, ignored, errors = read_folder(source, hasher=hasher, resolver=resolver, progress=progress,
                                               spill=spill, listener=ahead)
        writer = ahead.finish(ok=not errors) if ahead is not None else None
    except BaseException:
        if ahead is not None:
            ahead.finish(ok=False)
        raise
    record: dict[str, object] = {"started_at": started.isoformat(timespec="seconds"),
                                 "source": str(source), "db": str(db)}
    exports = [ahead.filled(e) if ahead is not None else fill(e) for e in exports]
    if not exports and not errors:
        errors.append(LpdataError("no export files here (.csv, .txt, .xlsx, .xls, .yaml, or a .zip of them)",
                                  file=source))
    if errors:
        if writer is not None:
            writer.abandon()
        append_log(db, record | {"status": "rejected", "errors": [error_record(e) for e in errors]})
        raise IngestRejected(errors)
    con = writer.con if writer is not None else open_db(db)
    try:
        if writer is None:
            con.execute(f"SET memory_limit = '{_memory_limit()}'")
        result = write_exports(con, exports, hasher=hasher, db=db, source=str(source.resolve()),
                               exported_at=exported_at, ignored_files=[rel(p) for p in ignored],
                               started_at=started, path_of=rel,
                               before_commit=before_commit or _pause_from_env(), ahead=writer)
    except LpdataError as exc:
        append_log(db, record | {"status": "failed", "errors": [error_record(exc)]})
        raise
    except BaseException as exc:
        append_log(db, record | {"status": "failed", "errors": [{"code": type(exc).__name__}]})
        raise
    finally:
        con.close()
    append_log(db, record | {"status": "ok", "ingest_id": result.ingest_id,
                             "rows_loaded": result.rows_loaded, "rows_quarantined": result.rows_quarantined,
                             "kinds": {k.kind: k.status for k in result.kinds}})
    return result
