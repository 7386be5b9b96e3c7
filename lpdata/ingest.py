"""`lp ingest`: read a whole export folder, then write it in one transaction, or nothing at all.

Every file is read before the database is opened. If any file is rejected, every rejection is
reported at once (so a clerk fixes them in one go) and the database is not touched.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import cast

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
from .readers.rows import PART, part_expr
from .readers.values import parse_datetime
from .store import DEFAULT_DB, IngestResult, append_log, error_record, open_db, write_exports

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


def read_folder(source: Path, *, hasher: IdHasher, resolver: HeaderResolver,
                progress: Progress | None = None,
                spill: Spill | None = None) -> tuple[list[Export], list[Path], list[LpdataError]]:
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
            return read_file(path, resolver=resolver, hasher=hasher, spill=spill)
        except LpdataError as exc:
            return exc
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a reader bug (a Rust panic too) must still name the file, not crash the run
            last = traceback.extract_tb(exc.__traceback__)[-1]
            return InputFileError(
                f"could not be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                f"at {Path(last.filename).name}:{last.lineno})", file=path)

    results = _read_all(len(files), read_one, [_is_big(p, spill) for p in files])
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


def _is_big(path: Path, spill: Spill | None) -> bool:
    try:
        return reads_in_batches(path, spill)
    except OSError:  # gone or unreadable: read_file says so, for that file
        return False


def _read_all(n: int, read_one: Callable[[int], list[Export] | LpdataError],
              big: list[bool]) -> list[list[Export] | LpdataError]:
    """`read_one(i)` for every file, `_read_threads()` files at a time (Polars, hashlib and DuckDB
    work without the GIL): big files (read in batches) first and one at a time, so that memory stays
    that of one big file plus one small one; small files beside them. Results in file order."""
    threads = min(_read_threads(), n)
    if threads <= 1:
        return [read_one(i) for i in range(n)]
    results: list[list[Export] | LpdataError | None] = [None] * n
    bigs = deque(i for i in range(n) if big[i])
    smalls = deque(i for i in range(n) if not big[i])
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
    exports, ignored, errors = read_folder(source, hasher=hasher, resolver=resolver, progress=progress,
                                           spill=spill)
    base = source if source.is_dir() else source.parent

    def rel(path: Path) -> str:
        return str(path.relative_to(base))

    record: dict[str, object] = {"started_at": started.isoformat(timespec="seconds"),
                                 "source": str(source), "db": str(db)}
    exports = [fill_upload_batch(e, rel(e.file), exported_at, started) for e in exports]
    if not exports and not errors:
        errors.append(LpdataError("no export files here (.csv, .txt, .xlsx, .xls, .yaml, or a .zip of them)",
                                  file=source))
    if errors:
        append_log(db, record | {"status": "rejected", "errors": [error_record(e) for e in errors]})
        raise IngestRejected(errors)
    con = open_db(db)
    try:
        con.execute(f"SET memory_limit = '{_memory_limit()}'")
        result = write_exports(con, exports, hasher=hasher, db=db, source=str(source.resolve()),
                               exported_at=exported_at, ignored_files=[rel(p) for p in ignored],
                               started_at=started, path_of=rel,
                               before_commit=before_commit or _pause_from_env())
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
