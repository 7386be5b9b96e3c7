"""`lp ingest`: read a whole export folder, then write it in one transaction, or nothing at all.

Every file is read before the database is opened. If any file is rejected, every rejection is
reported at once (so a clerk fixes them in one go) and the database is not touched.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import traceback
from pathlib import Path
from typing import Callable

import polars as pl

from .errors import IngestRejected, InputFileError, LpdataError
from .readers import Aliases, Export, HeaderResolver, IdHasher, Spill, read_file, scan_folder
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
    value = pl.select(parse_datetime(pl.lit(text))[0]).item()
    if value is None:
        raise LpdataError(f"--exported-at {text!r} is not a date",
                          expected="2025-06-30, 2025-06-30 18:00 or 114/06/30")
    return value


def read_folder(source: Path, *, hasher: IdHasher, resolver: HeaderResolver,
                progress: Progress | None = None,
                spill: Spill | None = None) -> tuple[list[Export], list[Path], list[LpdataError]]:
    """Read every file of a folder: the exports, the files ignored, and the files rejected. With
    `spill`, big CSV files keep their rows in Parquet files there (bounded memory)."""
    scan = scan_folder(source)
    exports: list[Export] = []
    errors: list[LpdataError] = []
    for i, path in enumerate(scan.files):
        if progress is not None:
            progress(path, i, len(scan.files))
        try:
            exports.extend(read_file(path, resolver=resolver, hasher=hasher, spill=spill))
        except LpdataError as exc:
            errors.append(exc)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a reader bug (a Rust panic too) must still name the file, not crash the run
            last = traceback.extract_tb(exc.__traceback__)[-1]
            errors.append(InputFileError(
                f"could not be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                f"at {Path(last.filename).name}:{last.lineno})", file=path))
    return exports, list(scan.ignored), errors


def ingest(
    source: str | Path,
    *,
    db: str | Path = DEFAULT_DB,
    exported_at: dt.datetime | None = None,
    key_file: str | Path | None = None,
    aliases_file: str | Path | None = None,
    progress: Progress | None = None,
    before_commit: Callable[[], None] | None = None,
) -> IngestResult:
    """Load an export folder (or one file) into the database, all of it or nothing."""
    source, db = Path(source), Path(db)
    started = dt.datetime.now()
    if not source.exists():
        raise LpdataError("no such file or folder", file=source)
    hasher = IdHasher.from_file(Path(key_file) if key_file else None)
    resolver = HeaderResolver(Aliases.load(Path(aliases_file) if aliases_file else None))
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
    if not exports and not errors:
        errors.append(LpdataError("no export files here (.csv, .xlsx, .xls, .yaml)", file=source))
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
