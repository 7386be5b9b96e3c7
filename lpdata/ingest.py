"""`lp ingest`: read a whole export folder, then write it in one transaction, or nothing at all.

Every file is read before the database is opened. If any file is rejected, every rejection is
reported at once (so a clerk fixes them in one go) and the database is not touched.
"""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path
from typing import Callable

import polars as pl

from .errors import IngestRejected, InputFileError, LpdataError
from .readers import Aliases, Export, HeaderResolver, IdHasher, read_file, scan_folder
from .readers.values import parse_datetime
from .store import DEFAULT_DB, IngestResult, append_log, error_record, open_db, write_exports

Progress = Callable[[Path, int, int], None]  # (file, index, total), before each file is read


def parse_exported_at(text: str) -> dt.datetime:
    """`--exported-at` in any date spelling the exports use (AD or ROC, optional time)."""
    value = pl.select(parse_datetime(pl.lit(text))[0]).item()
    if value is None:
        raise LpdataError(f"--exported-at {text!r} is not a date",
                          expected="2025-06-30, 2025-06-30 18:00 or 114/06/30")
    return value


def read_folder(source: Path, *, hasher: IdHasher, resolver: HeaderResolver,
                progress: Progress | None = None) -> tuple[list[Export], list[Path], list[LpdataError]]:
    """Read every file of a folder: the exports, the files ignored, and the files rejected."""
    scan = scan_folder(source)
    exports: list[Export] = []
    errors: list[LpdataError] = []
    for i, path in enumerate(scan.files):
        if progress is not None:
            progress(path, i, len(scan.files))
        try:
            exports.extend(read_file(path, resolver=resolver, hasher=hasher))
        except LpdataError as exc:
            errors.append(exc)
        except Exception as exc:  # a reader bug must still name the file, not crash the run
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
    exports, ignored, errors = read_folder(source, hasher=hasher, resolver=resolver, progress=progress)
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
        result = write_exports(con, exports, hasher=hasher, db=db, source=str(source.resolve()),
                               exported_at=exported_at, ignored_files=[rel(p) for p in ignored],
                               started_at=started, path_of=rel, before_commit=before_commit)
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
