"""Readers: an export file in, typed Polars frames and rejected rows out. Knows nothing of the store.

    exports = read_file(Path("clo.csv"), resolver=HeaderResolver(), hasher=IdHasher.from_file())

Each `Export` is one kind from one file (the sheets of a workbook that hold the same kind are read
together). A file that cannot be read as a whole raises an `InputFileError` child naming the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import polars as pl
import yaml

from ..contract import RULE_SETTINGS, RULES, SCHEDULE, SCHEDULE_MILESTONES, Kind
from ..errors import InputFileError, LpdataError, NotAnExportError, UndecodableFileError, UnknownKindError
from ..layouts import NOT_LOADED_SHEETS, SHEET_HEADER
from . import archive, big, partial
from .big import Spill, SpilledRows
from .context import read_cover, sheet_label, with_context
from .detect import Aliases, HeaderMatch, HeaderResolver, is_cover_sheet
from .guard import column_letters
from .ids import IdHasher
from .notices import empty_notices
from .rows import PART, REJECT_SCHEMA, SHEET, TypedRows, newest_stamp
from .tables import (
    PREVIEW_ROWS,
    ROW,
    TABLE_SUFFIXES,
    TEXT_SUFFIXES,
    YAML_SUFFIXES,
    Decoded,
    Sheet,
    decode_csv_bytes,
    locate_undecodable,
    read_csv_body,
    read_workbook,
    sniff_delimiter,
)
from .values import parse_date

__all__ = [
    "Aliases", "Export", "FolderScan", "HeaderResolver", "IdHasher", "Spill", "SpilledRows", "read_file",
    "reads_in_batches", "scan_folder",
]

_TERM_KEY = re.compile(r"^\s*(\d{2,3})\s*-\s*([12])\s*$")


@dataclass(frozen=True)
class Export:
    """One kind read from one file: typed rows, rejected rows, and where they came from."""

    kind: Kind
    file: Path
    sha256: str
    encoding: str | None
    sheets: tuple[str, ...]
    #: The kept rows; for a big CSV read with a spill folder, Parquet files (`SpilledRows`: `height`,
    #: `columns`, `lazy()`, `collect()`) instead of a frame.
    rows: pl.DataFrame | SpilledRows = field(repr=False)
    rejects: pl.DataFrame = field(repr=False)
    rows_read: int
    ignored_columns: tuple[str, ...] = ()
    skipped_sheets: tuple[str, ...] = ()
    #: Cells of kept rows that need a person's attention (notices.py): `_row`, `_sheet`, `column`,
    #: `reason`, `value`, `detail`.
    notices: pl.DataFrame = field(default_factory=empty_notices, repr=False)
    #: The file's modification time (a zip member's date in the archive); None when unknown.
    modified_at: dt.datetime | None = None

    @property
    def newest_stamp(self) -> dt.datetime | None:
        """The newest event time in the file that is not in the future."""
        if isinstance(self.rows, SpilledRows):
            cols = [c.name for c in self.kind.columns if c.stamp and c.name in self.rows.columns]
            if not cols or self.rows.is_empty():
                return None
            now = dt.datetime.now()
            s = pl.max_horizontal([pl.col(c).cast(pl.Datetime("us")) for c in cols])
            newest: dt.datetime | None = self.rows.lazy().select(s.alias("s")).filter(pl.col("s") <= now) \
                .select(pl.col("s").max()).collect().item()
            return newest
        stamps = newest_stamp(self.kind, self.rows)
        if stamps is None:
            return None
        now = dt.datetime.now()
        past = stamps.filter(stamps <= now)
        return cast(dt.datetime, past.max()) if len(past) else None  # a Datetime column

    @property
    def partitions(self) -> tuple[str, ...]:
        if not self.rows.height:
            return ()
        if isinstance(self.rows, SpilledRows):
            return tuple(sorted(self.rows.lazy().select(pl.col(PART).unique()).collect().to_series().to_list()))
        return tuple(sorted(self.rows[PART].unique().to_list()))


@dataclass(frozen=True)
class FolderScan:
    files: tuple[Path, ...]  # to read (a zip's members as paths through it: `folder/匯出.zip/x.csv`)
    ignored: tuple[Path, ...]  # other types and hidden files, listed, never read


def _readable(name: str) -> bool:
    return Path(name).suffix.lower() in TABLE_SUFFIXES | YAML_SUFFIXES | TEXT_SUFFIXES


def scan_folder(folder: Path) -> FolderScan:
    """Every file below `folder` (recursively), sorted; tables, text and YAML are read, the rest
    listed. A zip's members are listed as files of the folder; a zip that cannot be opened is
    itself a file to read (read_file then names what is wrong with it)."""
    folder = Path(folder)
    if folder.is_file():
        if folder.suffix.lower() == archive.ZIP_SUFFIX:
            files: list[Path] = []
            ignored: list[Path] = []
            _scan_zip(folder, files, ignored)
            return FolderScan(tuple(files), tuple(ignored))
        return FolderScan((folder,), ())
    files, ignored = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel_parts = path.relative_to(folder).parts
        hidden = any(part.startswith((".", "~$")) for part in rel_parts)
        if not hidden and path.suffix.lower() == archive.ZIP_SUFFIX:
            _scan_zip(path, files, ignored)
        elif not hidden and _readable(path.name):
            files.append(path)
        else:
            ignored.append(path)
    return FolderScan(tuple(files), tuple(ignored))


def _scan_zip(path: Path, files: list[Path], ignored: list[Path]) -> None:
    try:
        found = archive.members(path)
    except InputFileError:
        files.append(path)
        return
    for member in sorted(found, key=lambda m: m.name):
        shown = path / member.name
        if not archive.is_hidden(member.name) and _readable(member.name):
            files.append(shown)
        else:  # other types, hidden members and zips inside the zip: listed, never read
            ignored.append(shown)


def reads_in_batches(path: Path, spill: Spill | None) -> bool:
    """Whether `read_file` reads this file in batches (a big CSV, with a spill folder given)."""
    if spill is None or Path(path).suffix.lower() not in (".csv", *tuple(TEXT_SUFFIXES)):
        return False
    inside = archive.split_member(Path(path))
    if inside is not None:
        return archive.find_member(inside[0], inside[1], Path(path)).info.file_size > big.BIG_CSV_BYTES
    return Path(path).stat().st_size > big.BIG_CSV_BYTES


def read_file(path: Path, *, resolver: HeaderResolver, hasher: IdHasher,
              spill: Spill | None = None) -> list[Export]:
    """Read one export file: one `Export` per kind it holds. With `spill` (a folder for temporary
    files), a CSV file over BIG_CSV_BYTES is read in batches and its rows kept in Parquet files
    there (big.py): the same result, in bounded memory. A path through a zip (`x.zip/a.csv`, as
    `scan_folder` lists them) reads that member; a `.txt` with no export header raises
    `NotAnExportError` (the folder lists it as ignored)."""
    path = Path(path)
    inside = archive.split_member(path)
    if inside is not None:
        return _read_member(path, *inside, resolver=resolver, hasher=hasher, spill=spill)
    if path.suffix.lower() == archive.ZIP_SUFFIX:
        return _read_zip(path, resolver=resolver, hasher=hasher, spill=spill)
    try:
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except (OSError, ValueError, OverflowError):
        modified = None
    return [replace(e, modified_at=modified) for e in _read_path(path, resolver, hasher, spill)]


def _read_member(shown: Path, zip_path: Path, name: str, *, resolver: HeaderResolver, hasher: IdHasher,
                 spill: Spill | None) -> list[Export]:
    """A zip member, read from a temporary copy and named as shown (`x.zip/a.csv`) in its results
    and errors."""
    member = archive.find_member(zip_path, name, shown)
    folder = spill.path("") if spill is not None else None
    with archive.extracted(zip_path, member, shown, folder) as copy:
        try:
            got = _read_path(copy, resolver, hasher, spill)
        except LpdataError as exc:
            exc.file = str(shown)
            exc.message = exc.message.replace(str(copy), str(shown))
            raise
    return [replace(e, file=shown, modified_at=member.modified_at) for e in got]


def _read_zip(path: Path, *, resolver: HeaderResolver, hasher: IdHasher, spill: Spill | None) -> list[Export]:
    """A zip given as the file to read: every member `scan_folder` would read."""
    scan = scan_folder(path)
    if scan.files == (path,):  # not a readable zip: say why
        archive.members(path)
    out: list[Export] = []
    for member in scan.files:
        try:
            out.extend(read_file(member, resolver=resolver, hasher=hasher, spill=spill))
        except NotAnExportError:
            continue
    return out


def _read_path(path: Path, resolver: HeaderResolver, hasher: IdHasher, spill: Spill | None) -> list[Export]:
    """`read_file` for a plain file."""
    if spill is not None and reads_in_batches(path, spill):  # (reads_in_batches is False without one)
        try:
            got = big.read_big_csv(path, resolver=resolver, hasher=hasher, spill=spill,
                                   unnamed=_unnamed_columns)
        except UnknownKindError:
            if path.suffix.lower() in TEXT_SUFFIXES:
                raise _not_an_export(path) from None
            raise
        return [Export(got.kind, path, got.sha256, got.encoding, (), got.rows, got.rejects, got.rows_read,
                       got.ignored, (), got.notices)]
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        document = _load_yaml(path, raw)
        if isinstance(document, dict) and "rules" in document:
            return [_export_rules(path, sha, parse_rules(document, path))]
        return [_read_schedule(path, document, sha, hasher)]
    if suffix == ".csv" or suffix in TEXT_SUFFIXES:
        return [_read_text(path, raw, sha, resolver, hasher)]
    # .xlsx / .xls: every sheet that is not a cover is data, each recognised on its own.
    sheets = read_workbook(path)
    by_kind: dict[str, tuple[Kind, list[TypedRows], list[str], set[str]]] = {}
    skipped: list[str] = []
    headers: list[tuple[Sheet, int, HeaderMatch]] = []
    # A cover (封面) gives every data sheet its values (學年度, 學期, 學校代碼, 名冊別 …) as context.
    cover: dict[str, str] = {}
    data: list[Sheet] = []
    for sheet in sheets:
        values = read_cover(sheet.name, sheet.rows[:PREVIEW_ROWS])
        if values is None:
            data.append(sheet)
            continue
        skipped.append(sheet.name)
        for header, value in values.items():
            cover.setdefault(header, value)
    book = cover.get("名冊別", "")
    titles: dict[str, list[list[str | None]]] = {}
    for sheet in data:
        preview = sheet.rows[:PREVIEW_ROWS]
        context = {**cover, SHEET_HEADER: sheet_label(sheet.name)}  # a layout's `book` is its sheet's name
        found = partial.find_header(resolver, preview, file=path, sheet=sheet_label(sheet.name), context=context,
                                    book=book)
        if found is None:
            if is_cover_sheet(sheet.name, preview, resolver) or sheet_label(sheet.name) in NOT_LOADED_SHEETS:
                skipped.append(sheet.name)
                continue
            error = resolver.nearest_error(preview, file=path, sheet=sheet.name, context=context)
            # A layout's own term columns (實際修課學年度 …) fall back on the cover's too.
            unfilled = [h for h in ("學年度", "學期") if not cover.get(h, "").strip()
                        and any(m.endswith(h) for m in error.missing)]
            if skipped and unfilled:  # an empty template, or a cover whose value row was left blank
                error.message += (f"; the cover sheet '{skipped[0]}' gives no {'/'.join(unfilled)} "
                                  "(fill in its value row under the headers)")
            raise error
        headers.append((sheet, *found))
        titles[sheet.name] = preview[:found[0]]
    # The kept rows' raw cells are needed only where a kind spans several sheets (cross-sheet duplicates).
    sheets_of_kind = Counter(match.kind.name for _, _, match in headers)
    for sheet, index, match in headers:
        body = with_context(match, sheet.body(index, match.width))
        typed, kind = partial.type_match(match, body, sheet=sheet.name, hasher=hasher, file=path,
                                         title=titles[sheet.name], keep_raw=sheets_of_kind[match.kind.name] > 1)
        # A layout's rows are its target kind's (same stored columns, same order): contract_export.
        entry = by_kind.setdefault(match.kind.name, (kind, [], [], set()))
        entry[1].append(typed)
        entry[2].append(sheet.name)
        entry[3].update(match.ignored + _unnamed_columns(match, body))
    if not by_kind and any(sheet_label(name) in NOT_LOADED_SHEETS for name in skipped):
        unused = next(sheet_label(n) for n in skipped if sheet_label(n) in NOT_LOADED_SHEETS)
        raise NotAnExportError(f"a national 名冊 whose sheets the workbench does not load ({unused}: "
                               f"{NOT_LOADED_SHEETS[unused]})", file=path)
    if not by_kind:
        raise UnknownKindError("the workbook has no data sheet (only covers or empty sheets)",
                               file=path, expected="a sheet with the header row of an export kind")
    return [partial.contract_export(_export(kind, path, sha, None, tuple(names), parts, tuple(sorted(ignored)),
                                            tuple(skipped)))
            for kind, parts, names, ignored in by_kind.values()]


def _read_text(path: Path, raw: bytes, sha: str, resolver: HeaderResolver, hasher: IdHasher) -> Export:
    """A CSV or text file (comma- or tab-separated, any accepted encoding)."""
    text_file = path.suffix.lower() in TEXT_SUFFIXES

    def find(rows: list[list[str]]) -> tuple[int, HeaderMatch] | None:
        return partial.find_header(resolver, rows, file=path)

    # A .txt that cannot be read or holds no export header is not an export (listed as ignored); a
    # .csv in the same state is an error.
    try:
        decoded = decode_csv_bytes(raw, path)
        delimiter, preview, found = sniff_delimiter(decoded, path, find)
    except UndecodableFileError as exc:
        located = locate_undecodable(exc, raw, path, find)
        if text_file and located.column is None and not _has_header(raw, path, resolver):
            raise _not_an_export(path) from None
        raise located from None
    except LpdataError:
        if text_file:
            raise _not_an_export(path) from None
        raise
    if found is None:
        if text_file:
            raise _not_an_export(path)
        raise resolver.nearest_error(preview, file=path)
    index, match = found
    body = with_context(match, read_csv_body(decoded, index, match.width, path, delimiter))
    # One part only: the kept rows' raw cells (for duplicates across sheets) are never needed.
    typed, kind = partial.type_match(match, body, sheet=None, hasher=hasher, file=path, title=preview[:index],
                                     keep_raw=False)
    return partial.contract_export(_export(kind, path, sha, decoded.encoding, (), [typed],
                                           match.ignored + _unnamed_columns(match, body), ()))


def _not_an_export(path: Path) -> NotAnExportError:
    return NotAnExportError("a text file with no header row of an export kind", file=path)


def _has_header(raw: bytes, path: Path, resolver: HeaderResolver) -> bool:
    try:
        text = raw[: 1 << 20].decode("utf-8", errors="replace")
        _, _, found = sniff_delimiter(Decoded(text.encode(), "utf-8"), path,
                                      lambda rows: partial.find_header(resolver, rows, file=path))
        return found is not None
    except LpdataError:
        return False


def _unnamed_columns(match: HeaderMatch, body: pl.DataFrame) -> tuple[str, ...]:
    """Cells under a blank header cell are not stored (no column to put them in); such a column is
    listed with the ignored ones, as `(column K, no header)`, when any row has something in it."""
    out = []
    for i, head in enumerate(match.headers):
        name = f"c{i}"
        if head.strip() or name not in body.columns:
            continue
        if (body[name].str.strip_chars().fill_null("") != "").any():
            out.append(f"(column {column_letters(i + 1)}, no header)")
    return tuple(out)


def _export(kind: Kind, path: Path, sha: str, encoding: str | None, sheets: tuple[str, ...],
            parts: list[TypedRows], ignored: tuple[str, ...], skipped: tuple[str, ...]) -> Export:
    rows = pl.concat([p.rows for p in parts], how="vertical_relaxed") if len(parts) > 1 else parts[0].rows
    rejects = pl.concat([p.rejects for p in parts]) if len(parts) > 1 else parts[0].rejects
    if kind.key and len(parts) > 1:
        raw = pl.concat([p.raw if p.raw is not None else pl.Series("__raw", [None] * p.rows.height, pl.String)
                         for p in parts])
        rows, rejects = _cross_sheet_duplicates(kind, rows, rejects, raw)
    notices = [p.notices for p in parts if p.notices is not None and p.notices.height]
    return Export(kind, path, sha, encoding, sheets, rows, rejects, sum(p.rows_read for p in parts),
                  ignored, skipped, pl.concat(notices) if notices else empty_notices())


def _cross_sheet_duplicates(kind: Kind, rows: pl.DataFrame, rejects: pl.DataFrame,
                            raw: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A key repeated on another sheet of the same workbook is a duplicate too; like a duplicate
    within a sheet, it names the row it repeats and keeps its raw cells."""
    key = list(kind.key)
    rows = rows.with_row_index("__i")
    dup = ~rows.select(pl.col("__i") == pl.col("__i").first().over(key))["__i"]
    if not dup.any():
        return rows.drop("__i"), rejects
    # The repeated key as a person reads it (the ID hash means nothing to them).
    key_value = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in key if c != "national_id_hash"]
                              or [pl.lit("")], separator=" / ")
    dups = rows.with_columns(
        raw.alias("__raw"),
        pl.col(SHEET).first().over(key).alias("__first_sheet"),
        pl.col(ROW).first().over(key).alias("__first_row"),
    ).filter(dup)
    extra = dups.select(
        pl.col(ROW), pl.col(SHEET), pl.lit(", ".join(kind.column(c).header for c in key)).alias("column"),
        pl.lit("duplicate_key").alias("reason"), key_value.alias("value"),
        pl.format("a key no earlier row has (sheet '{}' row {} has it)",
                  pl.col("__first_sheet"), pl.col("__first_row")).alias("detail"),
        pl.col("__raw").alias("raw"),
        (pl.col("national_id_hash") if "national_id_hash" in dups.columns
         else pl.lit(None, dtype=pl.String)).alias("national_id_hash"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]  # polars stubs: see REJECT_SCHEMA
    return rows.filter(~dup).drop("__i"), pl.concat([rejects, extra])


def _load_yaml(path: Path, raw: bytes) -> object:
    try:
        return yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(f"not valid YAML: {exc}".splitlines()[0], file=path) from exc


def read_rules_file(path: Path) -> pl.DataFrame:
    """A rules YAML (shipped defaults, `parameters/rules.yaml`): effective_from, rule_id, setting, value."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read the rules file: {exc.strerror}", file=path) from exc
    return parse_rules(_load_yaml(path, raw), path)


def parse_rules(data: object, path: Path) -> pl.DataFrame:
    """`rules:` is a list of entries, each `effective_from: 學年度` plus `RULE-ID: {setting: number}`.
    Unknown rules or settings and non-numbers are errors naming the file and the key: a typo must
    not silently leave a default in force."""
    entries = data.get("rules") if isinstance(data, dict) else None
    # `entries` is a list only if `data` is a mapping; the second isinstance says so to mypy.
    if not isinstance(entries, list) or not isinstance(data, dict) or set(data) - {"rules"}:
        raise UnknownKindError("a rules file holds one key, `rules:`, a list of dated entries", file=path,
                               nearest="rules", expected="rules: [{effective_from: 113, R-CLO-SUBMIT-MAX: "
                               "{max_per_year: 6}}, ...]")
    records: list[tuple[int, str, str, float]] = []
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        if not isinstance(entry, dict) or "effective_from" not in entry:
            raise InputFileError(f"{where} needs effective_from (a 學年度)", file=path, column=where,
                                 expected="a mapping with effective_from and rule ids")
        year = entry["effective_from"]
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 300:
            raise InputFileError(f"{where}: effective_from {year!r} is not a 學年度", file=path,
                                 column="effective_from", expected="an ROC year such as 113")
        for rule_id, settings in entry.items():
            if rule_id == "effective_from":
                continue
            if rule_id not in RULE_SETTINGS:
                raise InputFileError(f"{where}: unknown rule {rule_id!r}", file=path, column=str(rule_id),
                                     expected="one of " + ", ".join(RULE_SETTINGS))
            if not isinstance(settings, dict):
                raise InputFileError(f"{where}: {rule_id} must be a mapping of setting: number",
                                     file=path, column=rule_id,
                                     expected=", ".join(RULE_SETTINGS[rule_id]) or "no settings")
            for setting, value in settings.items():
                if setting not in RULE_SETTINGS[rule_id]:
                    raise InputFileError(f"{where}: {rule_id} has no setting {setting!r}", file=path,
                                         column=f"{rule_id}.{setting}",
                                         expected=", ".join(RULE_SETTINGS[rule_id]) or "no settings")
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise InputFileError(f"{where}: {rule_id}.{setting} = {value!r} is not a number ≥ 0",
                                         file=path, column=f"{rule_id}.{setting}", expected="a number ≥ 0")
                records.append((year, rule_id, str(setting), float(value)))
    keys = [r[:3] for r in records]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise InputFileError(f"{dup[1]}.{dup[2]} is set twice for effective_from {dup[0]}", file=path,
                             column=f"{dup[1]}.{dup[2]}", expected="one value per rule, setting and year")
    return pl.DataFrame(records, schema={"effective_from": pl.Int64, "rule_id": pl.String,
                                         "setting": pl.String, "value": pl.Float64}, orient="row")


def _export_rules(path: Path, sha: str, frame: pl.DataFrame) -> Export:
    rows = frame.with_columns(
        pl.lit(None, dtype=pl.Int64).alias(ROW), pl.lit(None, dtype=pl.String).alias(SHEET),
        pl.lit("*").alias(PART))
    return Export(RULES, path, sha, "utf-8", (), rows, pl.DataFrame(schema=REJECT_SCHEMA), frame.height)


def _read_schedule(path: Path, data: object, sha: str, hasher: IdHasher) -> Export:
    """期程 YAML: `學年度-學期` keys, each a mapping of milestone -> date (AD, or ROC as elsewhere)."""
    if not isinstance(data, dict) or not data or not all(_TERM_KEY.match(str(k)) for k in data):
        raise UnknownKindError(
            "a YAML file that is no known kind; nearest is schedule (期程)", file=path,
            nearest="schedule", expected="top-level keys like 113-1, each a mapping of "
            + ", ".join(SCHEDULE_MILESTONES))
    records: list[dict[str, object]] = []
    rejects: list[dict[str, object]] = []
    for key, milestones in data.items():
        m = _TERM_KEY.match(str(key))
        assert m
        if not isinstance(milestones, dict):
            raise InputFileError(f"term {key!r} must be a mapping of milestone: date", file=path,
                                 column=str(key))
        unknown = sorted(set(map(str, milestones)) - set(SCHEDULE_MILESTONES))
        if unknown:
            raise InputFileError(f"unknown milestone {unknown[0]!r} in term {key}", file=path,
                                 column=unknown[0], expected=", ".join(SCHEDULE_MILESTONES))
        record: dict[str, object] = {"academic_year": int(m.group(1)), "semester": int(m.group(2))}
        for name in SCHEDULE_MILESTONES:
            value = milestones.get(name)
            record[name] = None if value is None else str(value)
        records.append(record)
    text = pl.DataFrame(records, schema={"academic_year": pl.Int64, "semester": pl.Int64}
                        | {n: pl.String for n in SCHEDULE_MILESTONES})
    parsed = text.select("academic_year", "semester", *[
        parse_date(pl.col(n))[0].alias(n) for n in SCHEDULE_MILESTONES])
    errors = text.select(*[parse_date(pl.col(n))[1].alias(n) for n in SCHEDULE_MILESTONES])
    for i, row in enumerate(errors.iter_rows(named=True)):
        for name, err in row.items():
            if err:
                raise InputFileError(f"{name} of term {records[i]['academic_year']}-{records[i]['semester']}"
                                     f" is not a date: {records[i][name]!r}", file=path, column=name,
                                     expected="a date like 2024-10-24")
    rows = parsed.with_columns(
        pl.lit(None, dtype=pl.Int64).alias(ROW), pl.lit(None, dtype=pl.String).alias(SHEET),
        pl.format("{}-{}", pl.col("academic_year"), pl.col("semester")).alias(PART),
    )
    del rejects
    return Export(SCHEDULE, path, sha, "utf-8", (), rows, pl.DataFrame(schema=REJECT_SCHEMA),
                  len(records))
