"""Bad input, fuzzed: every reader against generated export files and their mutations.

Hypothesis writes valid export files (CSV in UTF-8, UTF-8 with BOM and Big5; .xlsx through
xlsxwriter, with text or typed cells), of several kinds, spelled the many ways the contract allows,
and then spoils them: a cell (impossible or future dates, 100,000-character cells, a repeated item
ID), the structure (junk rows, only a header, a blank, dropped, duplicated or deleted header cell)
or the bytes (truncated, flipped, NULs, swapped or mixed encodings, binary junk). Fixed cases add the
workbooks that attack the library itself: a zip bomb, a sheet whose one far cell would make it 17
billion cells, a million empty rows.

The oracle, for every case:
- the reader never crashes (any exception but an `LpdataError`), never hangs (each case runs in a
  worker process with a deadline and a memory limit) and never dies;
- an error names the file, is one line, and never repeats a national ID;
- a success is consistent (loaded + quarantined = rows read; every quarantined row has a known reason
  and its row number) and never silently wrong: a row the mutation left valid is loaded with exactly
  the values written, a row it spoilt is quarantined with the reason the mutation calls for, and no
  national ID survives in the quarantine.

Cases tried are counted: the figure is printed at the end of the session and written to
`<pytest basetemp>/reliability-fuzz.json` (and to $LP_FUZZ_STATS if set). The fast tests (`make
test`) try about 50 generated cases and the fixed ones; the slow ones (`make test-slow`) thousands.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import multiprocessing as mp
import os
import struct
import time
import traceback
import unicodedata
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, given, note, settings
from hypothesis import strategies as st

from lpdata.contract import KINDS_BY_NAME, ColumnType
from lpdata.readers.ids import IdHasher, check_digit_for, normalize_id
from lpdata.readers.rows import REASONS

KEY = bytes.fromhex("42" * 32)
HASHER = IdHasher(KEY)
CASE_TIMEOUT = 60.0      # seconds one file may take before the case counts as a hang
BOMB_SECONDS = 10.0      # a workbook that attacks the library must be refused faster than this
MEMORY_LIMIT = 6 << 30   # the worker's address space: a bomb that got through fails, not the machine
XLSX_CELL_MAX = 32_767   # Excel's (and xlsxwriter's) longest cell
LONG = 100_000

FAST = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=400, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

STATS: dict[str, Any] = {"cases": 0, "by_mutation": defaultdict(Counter), "slowest_s": 0.0}


# --- the worker: read_file in another process, with a deadline and a memory limit ---------------

def _worker(conn: Any) -> None:  # pragma: no cover - runs in the worker process
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ValueError, OSError):
        pass
    import tempfile

    from lpdata.errors import LpdataError
    from lpdata.readers import HeaderResolver, read_file

    try:  # the batched reader of big CSV files, made to take every file, in batches of 3 rows
        from lpdata.readers import big
        if big.read_big_csv.__kwdefaults__ and "rows" in big.read_big_csv.__kwdefaults__:
            big.read_big_csv.__kwdefaults__["rows"] = 3
        elif big.read_big_csv.__defaults__:
            big.read_big_csv.__defaults__ = (*big.read_big_csv.__defaults__[:-1], 3)
    except ImportError:
        big = None
    resolver = HeaderResolver()
    spill_base = Path(tempfile.mkdtemp(prefix="lp-fuzz-spill-"))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            message = None
        if message is None:
            import shutil
            shutil.rmtree(spill_base, ignore_errors=True)
            return
        path, mode = message
        started = time.perf_counter()
        try:
            if mode == "big" and big is not None:
                big.BIG_CSV_BYTES = 0
                with big.Spill(spill_base) as spill:
                    exports = read_file(Path(path), resolver=resolver, hasher=HASHER, spill=spill)
                    rows = [e.rows.collect() if isinstance(e.rows, big.SpilledRows) else e.rows for e in exports]
                    stamps = [e.newest_stamp for e in exports]
            else:
                exports = read_file(Path(path), resolver=resolver, hasher=HASHER)
                rows = [e.rows for e in exports]
                stamps = [e.newest_stamp for e in exports]
            result: tuple[str, Any] = ("ok", [{
                "kind": e.kind.name, "rows_read": e.rows_read, "ignored": list(e.ignored_columns),
                "encoding": e.encoding, "rows": r.to_dicts(), "rejects": e.rejects.to_dicts(),
                "notices": e.notices.to_dicts() if hasattr(e, "notices") else [],
                "newest_stamp": stamp} for e, r, stamp in zip(exports, rows, stamps)])
        except LpdataError as exc:
            result = ("error", {"type": type(exc).__name__, "code": exc.code, "text": str(exc), "file": exc.file,
                                "row": exc.row, "column": exc.column, "missing": list(getattr(exc, "missing", ()))})
        except BaseException as exc:
            result = ("crash", {"type": type(exc).__name__, "traceback": traceback.format_exc()[-4000:]})
        conn.send((result, time.perf_counter() - started))


@dataclass
class Outcome:
    status: str            # ok | error | crash | hang | died
    payload: Any
    seconds: float


class Reader:
    """One worker process, replaced when a case hangs or kills it."""

    def __init__(self) -> None:
        self.ctx = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()
        child.close()

    def read(self, path: Path, mode: str = "whole", timeout: float = CASE_TIMEOUT) -> Outcome:
        """Read one file: `mode` "whole" (read_file as for any file) or "big" (the batched reader of
        big CSV files, forced on, 3 rows a batch)."""
        started = time.perf_counter()
        self.conn.send((str(path), mode))
        if not self.conn.poll(timeout):
            self.proc.kill()
            self.proc.join()
            self._start()
            return Outcome("hang", f"no answer in {timeout:.0f} s", time.perf_counter() - started)
        try:
            (status, payload), seconds = self.conn.recv()
        except EOFError:
            self.proc.join()
            code = self.proc.exitcode
            self._start()
            return Outcome("died", f"the worker died (exit code {code})", time.perf_counter() - started)
        return Outcome(status, payload, seconds)

    def close(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()


class _Summary:
    """Prints the number of cases tried at the end of the session (and writes it as JSON)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self) -> dict[str, Any]:
        data = {"cases": STATS["cases"], "slowest_s": round(STATS["slowest_s"], 2),
                "by_mutation": {k: dict(v) for k, v in sorted(STATS["by_mutation"].items())}}
        text = json.dumps(data, ensure_ascii=False, indent=1)
        self.path.write_text(text, encoding="utf-8")
        if os.environ.get("LP_FUZZ_STATS"):
            Path(os.environ["LP_FUZZ_STATS"]).write_text(text, encoding="utf-8")
        return data

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        data = self.write()
        outcomes: Counter[str] = Counter()
        for counts in data["by_mutation"].values():
            outcomes.update(counts)
        shown = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()) if not k.startswith("reader:"))
        readers = ", ".join(f"{n} {k[7:]}" for k, n in sorted(outcomes.items()) if k.startswith("reader:"))
        terminalreporter.write_line(
            f"reader fuzzing: {data['cases']} cases tried ({shown}; read {readers}); "
            f"slowest {data['slowest_s']} s; details in {self.path}")


@pytest.fixture(scope="module")
def reader(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    summary_path = tmp_path_factory.getbasetemp() / "reliability-fuzz.json"
    plugin = _Summary(summary_path)
    manager = request.config.pluginmanager
    if not manager.has_plugin("lp-reliability-fuzz"):
        manager.register(plugin, "lp-reliability-fuzz")
    worker = Reader()
    yield worker
    worker.close()
    plugin.write()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- documents: a valid export, as cells, with the typed values a correct reader must give -------

FW = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
TEXT_ALPHABET = list("學習歷程檔案實驗報告小論文作品王小明陳美麗林大同課程成果多元表現") + list(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:'\"!?()[]{}<>=+-*/@#$%&_\\\n")
JUNK_ALPHABET = TEXT_ALPHABET + list("\t、，。；「」０１２ＡＢ")

#: Columns generated per kind: (contract name, generator).
KIND_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "clo": [("item_id", "item_id"), ("academic_year", "year"), ("semester", "semester"), ("national_id", "nid"),
            ("course_code", "course"), ("course_name", "text"), ("summary", "text"), ("file_kb", "kb"),
            ("uploaded_at", "datetime"), ("cert_status", "cert"), ("selected", "bool"),
            ("selected_at", "datetime")],
    "students": [("academic_year", "year"), ("semester", "semester"), ("national_id", "nid"),
                 ("student_no", "student_no"), ("name", "text"), ("birth_date", "date"), ("grade", "grade"),
                 ("class_name", "class"), ("seat_no", "seat"), ("status", "status"), ("verified_on", "date")],
    "grades": [("academic_year", "year"), ("semester", "semester"), ("national_id", "nid"),
               ("course_code", "course"), ("score", "score"), ("passed", "bool"), ("entered_at", "datetime")],
}
STAMP_COLUMNS = {"uploaded_at", "selected_at", "entered_at", "verified_on"}
ALIASES = {"national_id": ("身分證字號", "統一證號"), "class_name": ("班級",)}
FORMATS = ("csv:utf-8", "csv:utf-8-sig", "csv:cp950", "xlsx")
BOOL_PAIRS = (("是", "否"), ("Y", "N"), ("TRUE", "FALSE"), ("1", "0"), ("V", ""), ("y", "n"))
SEMESTERS = (("1", "2"), ("上", "下"), ("上學期", "下學期"))
CERT = (("待認證", "pending"), ("認證通過", "certified"), ("認證未通過", "rejected"), ("通過", "certified"),
        ("CERTIFIED", "certified"), ("pending", "pending"))
STATUS = (("在學", "enrolled"), ("休學", "suspended"), ("轉出", "transferred_out"), ("畢業", "graduated"),
          ("Enrolled", "enrolled"))
DATE_STYLES = ("roc_slash", "roc_dash", "roc_dot", "roc_compact", "roc_nopad", "ad_slash", "ad_dash", "ad_compact")
CLOCK_STYLES = ("none", "hm", "hms", "zh_before", "zh_after", "en", "T")


def col_of(kind: str, name: str):
    return KINDS_BY_NAME[kind].column(name)


def letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def render_date(d: dt.date, style: str) -> str:
    roc = d.year - 1911
    return {
        "roc_slash": f"{roc}/{d.month:02d}/{d.day:02d}", "roc_dash": f"{roc}-{d.month:02d}-{d.day:02d}",
        "roc_dot": f"{roc}.{d.month:02d}.{d.day:02d}", "roc_compact": f"{roc}{d.month:02d}{d.day:02d}",
        "roc_nopad": f"{roc}/{d.month}/{d.day}", "ad_slash": f"{d.year}/{d.month:02d}/{d.day:02d}",
        "ad_dash": d.isoformat(), "ad_compact": d.strftime("%Y%m%d"),
    }[style]


def render_datetime(v: dt.datetime, dstyle: str, cstyle: str) -> tuple[str, dt.datetime]:
    """The text and the value a reader must give for it (seconds dropped where not written)."""
    date = render_date(v.date(), dstyle)
    h12 = (v.hour + 11) % 12 + 1
    zh = "上午" if v.hour < 12 else "下午"
    if cstyle == "none":
        return date, dt.datetime.combine(v.date(), dt.time())
    if cstyle == "hms":
        return f"{date} {v:%H:%M:%S}", v
    if cstyle == "T":
        return f"{date}T{v:%H:%M:%S}", v
    v = v.replace(second=0)
    return {
        "hm": f"{date} {v:%H:%M}", "zh_before": f"{date} {zh} {h12:02d}:{v.minute:02d}",
        "zh_after": f"{date} {h12:02d}:{v.minute:02d} {zh}", "en": f"{date} {h12}:{v.minute:02d} {'AM' if v.hour < 12 else 'PM'}",
    }[cstyle], v


@dataclass
class Doc:
    """An export file as cells, and what a correct reader makes of each row."""

    kind: str
    fmt: str
    header: list[str]
    names: list[str | None]                 # contract column per header position (None: not the contract's)
    rows: list[list[Any]]                   # cells: text, or int/float/datetime/bool for a typed xlsx cell
    expect: list[dict[str, Any] | None]     # per row: the stored values; None: the row must be quarantined
    reasons: list[set[str] | None] = field(default_factory=list)  # per quarantined row: acceptable reasons
    title: list[list[str]] = field(default_factory=list)
    newline: str = "\r\n"
    ids: set[str] = field(default_factory=set)
    ignored: set[str] = field(default_factory=set)   # columns read_file must list as ignored

    def __post_init__(self) -> None:
        if not self.reasons:
            self.reasons = [None] * len(self.rows)

    def row_number(self, i: int) -> int:
        """Data row i as a spreadsheet numbers it."""
        return len(self.title) + 2 + i

    @property
    def suffix(self) -> str:
        return ".xlsx" if self.fmt == "xlsx" else ".csv"

    @property
    def encoding(self) -> str:
        return self.fmt.split(":", 1)[1] if self.fmt.startswith("csv:") else ""

    def copy(self) -> Doc:
        return replace(self, header=list(self.header), names=list(self.names), rows=[list(r) for r in self.rows],
                       expect=[dict(e) if e is not None else None for e in self.expect],
                       reasons=list(self.reasons), title=[list(t) for t in self.title], ids=set(self.ids),
                       ignored=set(self.ignored))


def _text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def render(doc: Doc) -> tuple[bytes, list[tuple[int, int]]]:
    """The file's bytes, and for a CSV each data row's byte span (start, end)."""
    if doc.fmt == "xlsx":
        return render_xlsx(doc), []
    enc = doc.encoding
    out = bytearray(b"\xef\xbb\xbf" if enc == "utf-8-sig" else b"")
    codec = "utf-8" if enc == "utf-8-sig" else enc

    def line(cells: list[Any]) -> bytes:
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator=doc.newline).writerow([_text_cell(c) for c in cells])
        return buf.getvalue().encode(codec)

    for row in [*doc.title, doc.header]:
        out += line(row)
    spans = []
    for row in doc.rows:
        start = len(out)
        out += line(row)
        spans.append((start, len(out)))
    return bytes(out), spans


def render_xlsx(doc: Doc) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    book.set_properties({"created": dt.datetime(2025, 3, 1, 18, 0)})  # the same bytes every time
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet = book.add_worksheet("資料")
    for r, row in enumerate([*doc.title, doc.header, *doc.rows]):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, stamp)
            else:
                assert sheet.write_string(r, c, value) == 0, "xlsxwriter would cut this cell"
    book.close()
    return buf.getvalue()


def ids_strategy() -> st.SearchStrategy[str]:
    return st.builds(lambda a, b, n: f"{a}{b}{n:07d}" + check_digit_for(f"{a}{b}{n:07d}"),
                     st.sampled_from("ABCDEFGHJKLMNPQRSTUVXYWZIO"), st.sampled_from("1289ABCD"),
                     st.integers(0, 9_999_999))


@st.composite
def documents(draw: st.DrawFn, kinds: tuple[str, ...] = ("clo", "students", "grades"),
              formats: tuple[str, ...] = FORMATS, max_rows: int = 6) -> Doc:
    kind = draw(st.sampled_from(kinds))
    fmt = draw(st.sampled_from(formats))
    xlsx = fmt == "xlsx"
    typed = xlsx and draw(st.booleans())  # numbers, dates and booleans as typed Excel cells
    n = draw(st.integers(1, max_rows))
    spec = KIND_COLUMNS[kind]
    # Optional columns come and go; the order is free (the header names them).
    chosen = [c for c in spec if col_of(kind, c[0]).required or draw(st.booleans())]
    order = draw(st.permutations(chosen))
    extra = draw(st.booleans())  # a column the contract does not know
    dstyle, cstyle = draw(st.sampled_from(DATE_STYLES)), draw(st.sampled_from(CLOCK_STYLES))
    bools = draw(st.sampled_from(BOOL_PAIRS))
    sems = draw(st.sampled_from(SEMESTERS))
    ids = draw(st.lists(ids_strategy(), min_size=n, max_size=n, unique_by=normalize_id))
    item_base = draw(st.integers(0, 10_000))
    header, names = [], []
    for name, _ in order:
        col = col_of(kind, name)
        text = col.header
        if name in ALIASES and draw(st.booleans()):
            text = draw(st.sampled_from(ALIASES[name]))
        text = draw(st.sampled_from([text, f"*{text}", f"{text}(必填)", f" {text} ", text.translate(FW)]))
        header.append(text)
        names.append(name)
    if extra:
        header.insert(draw(st.integers(0, len(header))), "備註")
        names.insert(header.index("備註"), None)
    rows, expect = [], []
    doc_ids: set[str] = set()
    for i in range(n):
        cells: list[Any] = []
        values: dict[str, Any] = {}
        for name in names:
            if name is None:
                cells.append(draw(st.text(TEXT_ALPHABET, max_size=12)))
                continue
            cell, value = draw(cell_strategy(kind, name, i, ids[i], item_base, dstyle, cstyle, bools, sems, typed))
            cells.append(cell)
            values[col_of(kind, name).stored_name] = value
            if name == "national_id":
                doc_ids.add(ids[i])
        rows.append(cells)
        expect.append(values)
    title = [[draw(st.sampled_from(["國立臺東高級中學 113學年度 匯出", "學生學習歷程檔案", "Export 2025-03-01"]))]] \
        if draw(st.booleans()) else []
    doc = Doc(kind, fmt, header, names, rows, expect, title=title,
              newline=draw(st.sampled_from(["\r\n", "\n"])), ids=doc_ids, ignored={"備註"} if extra else set())
    return doc


@st.composite
def cell_strategy(draw: st.DrawFn, kind: str, name: str, i: int, nid: str, item_base: int, dstyle: str,
                  cstyle: str, bools: tuple[str, str], sems: tuple[str, str], typed: bool) -> tuple[Any, Any]:
    """(cell as written, value the reader must store) for one generated cell."""
    col = col_of(kind, name)
    gen = dict(KIND_COLUMNS[kind])[name]
    if gen == "nid":
        spelled = draw(st.sampled_from([nid, nid.lower(), nid.translate(FW), f" {nid} "]))
        return spelled, HASHER.hash(nid)
    if gen == "item_id":
        code = f"{draw(st.sampled_from(['C', 'CLO-', '0', '']))}{item_base + i:06d}"
        return draw(st.sampled_from([code, code.translate(FW)])), code
    if gen == "course":
        code = draw(st.text("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=23, max_size=23))
        return code, code
    if gen == "student_no":
        code = f"0{draw(st.integers(0, 999_999)):06d}"
        return code, code
    if gen == "class":
        code = f"0{draw(st.integers(1, 3))}{draw(st.integers(1, 20)):02d}"
        return code, code
    if gen in ("year", "grade", "seat"):
        lo, hi = {"year": (97, 115), "grade": (1, 3), "seat": (0, 60)}[gen]
        v = draw(st.integers(lo, hi))
        if typed and draw(st.booleans()):
            return v, v
        return draw(st.sampled_from([str(v), str(v).translate(FW), f" {v} ", f"{v:02d}"])), v
    if gen == "semester":
        v = draw(st.integers(1, 2))
        return sems[v - 1], v
    if gen == "text":
        text = draw(st.text(TEXT_ALPHABET, min_size=1, max_size=24).filter(lambda s: s.strip()))
        return text, text.strip()
    if gen == "kb":
        v = draw(st.integers(0, 2_000_000))
        if typed and draw(st.booleans()):
            return v, float(v)
        return draw(st.sampled_from([str(v), f"{v:,}"])), float(v)
    if gen == "score":
        tenths = draw(st.integers(-10, 1000))
        if tenths < 0:
            return "-1", None
        v = tenths / 10
        text = str(int(v)) if v.is_integer() else f"{v:.1f}"
        if typed and draw(st.booleans()):
            return v, v
        return text, float(text)
    if gen == "cert":
        text, code = draw(st.sampled_from(CERT))
        return text, code
    if gen == "status":
        text, code = draw(st.sampled_from(STATUS))
        return text, code
    if gen == "bool":
        v = draw(st.booleans())
        if typed and draw(st.booleans()):
            return v, v
        text = bools[0] if v else bools[1]
        return text, (v if text or col.required else None)
    if gen in ("date", "datetime"):
        required = col.required
        if not required and draw(st.integers(0, 4)) == 0:
            return "", None
        v = draw(st.datetimes(dt.datetime(2008, 1, 1), dt.datetime(2026, 6, 30))).replace(microsecond=0)
        if gen == "date":
            if typed and draw(st.booleans()):
                return dt.datetime.combine(v.date(), dt.time()), v.date()
            return render_date(v.date(), dstyle), v.date()
        if typed and draw(st.booleans()):
            return v, v
        return render_datetime(v, dstyle, cstyle)
    raise AssertionError(gen)


# --- the oracle --------------------------------------------------------------------------------

@dataclass
class Case:
    """One file to read and what may come of it."""

    name: str                       # the mutation
    doc: Doc | None                 # the document (None: bytes with no model)
    data: bytes
    suffix: str
    errors: set[str] | None = None  # acceptable error codes (None: none acceptable; {"*"}: any)
    success: str = "exact"          # exact | prefix | no_wrong | any | never
    prefix_end: int = 0             # "prefix": rows wholly before this byte must be exact
    spans: list[tuple[int, int]] = field(default_factory=list)
    check: Callable[[list[dict[str, Any]]], None] | None = None
    max_seconds: float | None = None
    mode: str = "whole"             # whole | big (a CSV through the batched reader)
    member: str | None = None       # the file is a zip: read this member of it (`x.zip/member`)


def run_case(reader: Reader, folder: Path, case: Case) -> Outcome:
    STATS["cases"] += 1
    path = folder / f"{STATS['cases']:06d}-{case.name}{case.suffix}"
    path.write_bytes(case.data)
    written = path
    if case.member is not None:
        path = path / case.member  # read through the zip, as scan_folder lists a member
    outcome = reader.read(path, case.mode)
    STATS["by_mutation"][case.name][outcome.status] += 1
    STATS["by_mutation"][case.name][f"reader:{case.mode}"] += 1
    STATS["slowest_s"] = max(STATS["slowest_s"], outcome.seconds)
    try:
        judge(case, outcome, path)
    except AssertionError:
        STATS["by_mutation"][case.name]["FAILED"] += 1
        kept = folder / "failures"
        kept.mkdir(exist_ok=True)
        (kept / written.name).write_bytes(case.data)
        raise
    finally:
        written.unlink(missing_ok=True)
    return outcome


def judge(case: Case, outcome: Outcome, path: Path) -> None:
    if currently_in_test_context():
        note(f"{case.name}: {outcome.status} in {outcome.seconds:.2f} s: {str(outcome.payload)[:3000]}")
    assert outcome.status in ("ok", "error"), f"{case.name}: {outcome.status}: {outcome.payload}"
    if case.max_seconds is not None:
        assert outcome.seconds < case.max_seconds, f"{case.name}: took {outcome.seconds:.1f} s"
    ids = case.doc.ids if case.doc else set()
    if outcome.status == "error":
        e = outcome.payload
        assert case.errors is not None, f"{case.name}: must be read, not rejected: {e['text']}"
        assert "*" in case.errors or e["code"] in case.errors, f"{case.name}: {e['code']} ({e['text']})"
        assert e["file"] == str(path)
        assert e["text"].startswith(str(path)) and "\n" not in e["text"], e["text"]
        assert len(e["text"]) < 1500, f"an error message of {len(e['text'])} characters"
        for id_ in ids:
            assert normalize_id(id_) not in normalize_id(e["text"]), "an error message shows a national ID"
        return
    assert case.success != "never", f"{case.name}: must be rejected, but was read: {outcome.payload}"
    exports = outcome.payload
    for ex in exports:
        consistent(ex, ids)
    if case.check is not None:
        case.check(exports)
    if case.success == "by_student_no":  # read by 學號: no row may carry an ID the file does not have
        [ex] = exports
        assert all(r["national_id_hash"] is None for r in ex["rows"]), f"{case.name}: an ID hash from no ID column"
        return
    if case.doc is None or case.success == "any":
        return
    doc = case.doc
    [ex] = exports
    assert ex["kind"] == doc.kind
    loaded = {r["_row"]: r for r in ex["rows"]}
    rejected = {r["_row"]: r for r in ex["rejects"]}
    for i, want in enumerate(doc.expect):
        row = doc.row_number(i)
        if case.success == "prefix" and not doc_row_before(case, i):
            continue
        if case.success == "no_wrong" and row not in loaded:
            continue  # quarantined, or gone: never loaded with another value
        if want is None:
            if all(_text_cell(c).strip() == "" for c in doc.rows[i]):
                assert row not in loaded and row not in rejected, f"blank row {row} was counted"
                continue
            assert row in rejected, f"{case.name}: row {row} must be quarantined, loaded: {loaded.get(row)}"
            if doc.reasons[i]:
                assert rejected[row]["reason"] in doc.reasons[i], (row, rejected[row])
            continue
        assert row in loaded, f"{case.name}: row {row} must be loaded: {rejected.get(row)}"
        got = loaded[row]
        for name, value in want.items():
            assert got[name] == value, f"{case.name}: row {row} {name}: {got[name]!r} != {value!r}"
    if case.success == "exact":
        assert set(loaded) == {doc.row_number(i) for i, e in enumerate(doc.expect) if e is not None}
        assert ex["rows_read"] == sum(1 for r in doc.rows if any(_text_cell(c).strip() for c in r))
        assert set(doc.ignored) <= set(ex["ignored"]), (doc.ignored, ex["ignored"])
        assert ex["newest_stamp"] is None or ex["newest_stamp"] <= dt.datetime.now()


def doc_row_before(case: Case, i: int) -> bool:
    return bool(case.spans) and case.spans[i][1] <= case.prefix_end


def consistent(ex: dict[str, Any], ids: set[str]) -> None:
    """Loaded + quarantined = rows read; each quarantined row has its reason and row; no ID kept."""
    assert len(ex["rows"]) + len(ex["rejects"]) == ex["rows_read"], ex
    numbers = [r["_row"] for r in ex["rows"]] + [r["_row"] for r in ex["rejects"]]
    assert all(isinstance(n, int) and n >= 1 for n in numbers)
    assert len(numbers) == len(set(numbers)), "a row is counted twice"
    for r in ex["rejects"]:
        assert r["reason"] in REASONS, r
        assert r["detail"], r
        assert r["value"] is None or len(r["value"]) <= 200
    quarantine = normalize_id(json.dumps(ex["rejects"], ensure_ascii=False, default=str))
    for id_ in ids:
        assert normalize_id(id_) not in quarantine, "the quarantine keeps a national ID"


# --- mutations of the cells and the structure: each with the outcome it calls for ---------------

BAD_DATES = ("113/02/30", "1131345", "112/02/29", "2023-02-29", "113/13/01", "113/00/10", "113/10/32",
             "2024-10-24 25:00", "113/10/24 上午 13:00", "113/10/24 14:60", "明天", "0/0/0", "99999999",
             "1899-12-31", "113/10/24 下午", "１１３／０２／３０")


def _date_columns(doc: Doc) -> list[int]:
    return [j for j, n in enumerate(doc.names)
            if n and col_of(doc.kind, n).type in (ColumnType.DATE, ColumnType.DATETIME)]


def _quarantine(doc: Doc, i: int, reasons: set[str]) -> None:
    doc.expect[i] = None
    doc.reasons[i] = reasons


@st.composite
def cell_mutations(draw: st.DrawFn, doc: Doc) -> tuple[str, Doc, Callable | None]:
    """A spoilt cell (or two rows sharing a key): the new document, and an extra check."""
    doc = doc.copy()
    n = len(doc.rows)
    kinds = ["bad_date", "future_date", "long_cell", "long_cell"] + (["dup_key"] if n > 1 else [])
    what = draw(st.sampled_from(kinds))
    i = draw(st.integers(0, n - 1))
    if what == "bad_date":
        cols = _date_columns(doc)
        if not cols:
            return "valid", doc, None
        j = draw(st.sampled_from(cols))
        doc.rows[i][j] = draw(st.sampled_from(BAD_DATES))
        _quarantine(doc, i, {"invalid_date"})
        return what, doc, None
    if what == "future_date":
        cols = [j for j, name in enumerate(doc.names) if name in STAMP_COLUMNS]
        if not cols:
            return "valid", doc, None
        j = draw(st.sampled_from(cols))
        when = draw(st.datetimes(dt.datetime(2060, 1, 1), dt.datetime(2099, 12, 31)))  # fixed bounds: replayable
        name = doc.names[j]
        if col_of(doc.kind, name).type is ColumnType.DATE:
            doc.rows[i][j], doc.expect[i][name] = render_date(when.date(), "roc_slash"), when.date()  # type: ignore[index]
        else:
            when = when.replace(second=0, microsecond=0)
            doc.rows[i][j] = render_datetime(when, "roc_slash", "hm")[0]
            doc.expect[i][name] = when  # type: ignore[index]

        def past_only(exports: list[dict[str, Any]]) -> None:  # the export is dated by its past stamps only
            stamp = exports[0]["newest_stamp"]
            assert stamp is None or stamp <= dt.datetime.now(), stamp
        return what, doc, past_only
    if what == "dup_key":
        j = draw(st.integers(0, n - 2))
        i = draw(st.integers(j + 1, n - 1))
        key = KINDS_BY_NAME[doc.kind].key
        for name in key:
            name = "national_id" if name == "national_id_hash" else name
            if name in doc.names:
                k = doc.names.index(name)
                doc.rows[i][k] = doc.rows[j][k]
        # The same ID spelled otherwise is the same student: still a duplicate.
        if "national_id" in doc.names and doc.kind != "clo":
            k = doc.names.index("national_id")
            doc.rows[i][k] = str(doc.rows[j][k]).strip().lower()
        first = doc.row_number(j)
        _quarantine(doc, i, {"duplicate_key"})

        def names_first(exports: list[dict[str, Any]]) -> None:
            [dup] = [r for r in exports[0]["rejects"] if r["_row"] == doc.row_number(i)]
            assert f"row {first}" in dup["detail"], dup
        return what, doc, names_first
    # long_cell: 100,000 characters (32,767 in a workbook, Excel's limit) in any column.
    j = draw(st.integers(0, len(doc.names) - 1))
    name = doc.names[j]
    size = XLSX_CELL_MAX if doc.fmt == "xlsx" else LONG
    col = col_of(doc.kind, name) if name else None
    if col is None or col.type in (ColumnType.TEXT, ColumnType.CODE):
        unit = draw(st.text([c for c in TEXT_ALPHABET if c.strip()], min_size=1, max_size=5))
        text = (unit * (size // len(unit) + 1))[:size]
        doc.rows[i][j] = text
        if col is not None:
            doc.expect[i][col.stored_name] = unicodedata.normalize("NFKC", text).strip() \
                if col.type is ColumnType.CODE else text  # type: ignore[index]
        if col is not None and name in KINDS_BY_NAME[doc.kind].key:
            pass  # a long, unique item ID is still a key no other row has
        return what, doc, None
    doc.rows[i][j] = draw(st.sampled_from(["9" * size, "1" + "0" * (size - 1), "A" * size, "下午" * (size // 2)]))
    if col.type is ColumnType.NATIONAL_ID:
        _quarantine(doc, i, {"invalid_national_id"})
    elif col.type in (ColumnType.INT, ColumnType.NUMBER):
        _quarantine(doc, i, {"invalid_number", "out_of_range"})
    elif col.type in (ColumnType.DATE, ColumnType.DATETIME):
        _quarantine(doc, i, {"invalid_date"})
    elif col.type is ColumnType.BOOL:
        _quarantine(doc, i, {"invalid_boolean"})
    else:
        _quarantine(doc, i, {"invalid_choice"})
    return what, doc, None


@st.composite
def structure_mutations(draw: st.DrawFn, doc: Doc) -> tuple[str, Doc, set[str] | None, str]:
    """A changed structure: (mutation, document, acceptable error codes, success mode)."""
    doc = doc.copy()
    what = draw(st.sampled_from(["junk_rows", "blank_rows", "only_header", "blank_header", "drop_column",
                                 "dup_header", "shift_header", "wide_row"]))
    if what == "junk_rows":
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(doc.rows)))
            cells = draw(st.lists(st.text(JUNK_ALPHABET, max_size=30), min_size=1, max_size=len(doc.header) + 3))
            if not any(c.strip() for c in cells):
                cells[0] = "junk"
            if doc.encoding == "cp950":
                cells = [c.encode("cp950", "replace").decode("cp950") for c in cells]
            doc.rows.insert(at, cells)
            doc.expect.insert(at, None)
            doc.reasons.insert(at, None)
        return what, doc, None, "exact"
    if what == "blank_rows":
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(doc.rows)))
            doc.rows.insert(at, draw(st.sampled_from([[""] * len(doc.header), [" "] * len(doc.header), [""]])))
            doc.expect.insert(at, None)
            doc.reasons.insert(at, None)
        return what, doc, None, "exact"
    if what == "only_header":
        doc.rows, doc.expect, doc.reasons = [], [], []
        doc.ignored = set()
        return what, doc, None, "exact"
    if what == "wide_row":  # a row with a cell past the header: quarantined, the others kept
        i = draw(st.integers(0, len(doc.rows) - 1))
        doc.rows[i] = doc.rows[i] + [""] * draw(st.integers(0, 3)) + ["多出來的"]
        _quarantine(doc, i, {"too_many_fields"})
        return what, doc, None, "exact"
    j = draw(st.integers(0, len(doc.header) - 1))
    name = doc.names[j]
    required = name is not None and col_of(doc.kind, name).required
    last = j == len(doc.header) - 1
    # exports.md v2: a file with 學號 and no 身分證號 column is read by 學號 (its rows tied to students
    # through the roster at ingest), so losing the ID header is then no longer a rejection.
    by_student_no = name == "national_id" and "student_no" in doc.names
    if what == "blank_header":
        doc.header[j] = draw(st.sampled_from(["", " "]))
        if by_student_no:
            return what, doc, {"unknown_kind"}, "by_student_no"
        if required:
            return what, doc, {"unknown_kind"}, "never"
        for i, row in enumerate(doc.rows):
            has = _text_cell(row[j]).strip() != ""
            if last and has:  # right of the header's last named cell: one cell too many
                _quarantine(doc, i, {"too_many_fields"})
            elif name is not None and doc.expect[i] is not None:
                doc.expect[i][col_of(doc.kind, name).stored_name] = None  # type: ignore[index]
        if name is None:
            doc.ignored.discard("備註")
        if not last and any(_text_cell(row[j]).strip() for row in doc.rows):
            doc.ignored.add(f"(column {letters(j + 1)}, no header)")
        return what, doc, None, "exact"
    if what == "drop_column":
        del doc.header[j]
        del doc.names[j]
        for i, row in enumerate(doc.rows):
            del row[j]
            if name is not None and doc.expect[i] is not None:
                doc.expect[i][col_of(doc.kind, name).stored_name] = None  # type: ignore[index]
        if name is None:
            doc.ignored.discard("備註")
        if by_student_no:
            return what, doc, {"unknown_kind"}, "by_student_no"
        return what, doc, ({"unknown_kind"} if required else None), ("never" if required else "exact")
    if what == "dup_header":
        known = [k for k, n in enumerate(doc.names) if n is not None]
        k = draw(st.sampled_from(known))
        doc.header.append(doc.header[k])
        doc.names.append(None)
        for row in doc.rows:
            row.append(row[k])
        return what, doc, {"duplicate_column"}, "never"
    # shift_header: a header cell deleted, its data left in place: every column right of it shifts.
    # Rows whose last cell then sits under no header are quarantined (one cell too many); others
    # may load with their values one column to the left, when those still parse: the reader cannot
    # tell (see docs/reliability.md). The oracle here is consistency and no crash.
    del doc.header[j]
    return what, doc, {"*"}, "any"


# --- byte-level mutations ----------------------------------------------------------------------

@st.composite
def byte_mutations(draw: st.DrawFn, data: bytes, doc: Doc) -> tuple[str, bytes, int, set[str] | None, str]:
    """(mutation, bytes, first changed offset, acceptable errors, success mode)."""
    csv_file = doc.fmt != "xlsx"
    what = draw(st.sampled_from(["truncate", "flip", "nul", "reencode", "stray_quote"] if csv_file
                                else ["truncate", "flip", "nul"]))
    n = len(data)
    if what == "truncate":
        at = draw(st.integers(0, n - 1))
        return what, data[:at], at, {"*"}, ("prefix" if csv_file else "exact")
    if what == "flip":
        offsets = sorted(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True)))
        out = bytearray(data)
        for at in offsets:
            out[at] ^= draw(st.integers(1, 255))
        return what, bytes(out), offsets[0], {"*"}, ("prefix" if csv_file else "exact")
    if what == "nul":
        at = draw(st.integers(0, n))
        out = data[:at] + b"\x00" * draw(st.integers(1, 3)) + data[at:]
        # A NUL anywhere in a CSV is binary data: the whole file is refused.
        return what, out, at, ({"undecodable"} if csv_file else {"*"}), ("never" if csv_file else "exact")
    if what == "stray_quote":
        # A `"` inside an unquoted cell: refused whole, naming the row (a spreadsheet would show the
        # quote; Polars cannot split the file) -- or read as written when the quote pairs up.
        at = draw(st.integers(0, n))
        return what, data[:at] + b'"' + data[at:], at, {"bad_file", "unknown_kind", "undecodable"}, "prefix"
    # reencode: the same text in an encoding the contract does not accept, or two encodings mixed.
    text = data.decode("utf-8-sig" if doc.encoding.startswith("utf-8") else "cp950")
    how = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "bom+cp950", "double-utf8", "mixed"]))
    if how == "utf-16":  # with its byte-order mark: Excel's Unicode text, read as written (v2)
        return f"reencode:{how}", text.encode("utf-16"), 0, None, "exact"
    if how in ("utf-16-le", "utf-16-be"):
        return f"reencode:{how}", text.encode(how), 0, {"undecodable"}, "never"
    if how == "bom+cp950":
        return f"reencode:{how}", b"\xef\xbb\xbf" + text.encode("cp950"), 0, {"undecodable"}, "never"
    if how == "double-utf8":  # UTF-8 read as Latin-1 and saved as UTF-8 again: the header is gibberish
        return f"reencode:{how}", text.encode("utf-8").decode("latin-1").encode("utf-8"), 0, {"unknown_kind"}, "never"
    # mixed: the first lines in Big5, the rest in UTF-8 (two files pasted together).
    lines = text.splitlines(keepends=True)
    cut = draw(st.integers(1, max(1, len(lines) - 1)))
    big5, utf8 = "".join(lines[:cut]).encode("cp950"), "".join(lines[cut:]).encode("utf-8")
    return f"reencode:{how}", big5 + utf8, len(big5), {"*"}, "no_wrong"


# --- the properties ------------------------------------------------------------------------------

def reader_mode(doc: Doc, data_fn: st.DataObject) -> str:
    """A CSV goes through the whole-file reader or the batched one (for big files), half and half."""
    return data_fn.draw(st.sampled_from(["whole", "big"])) if doc.fmt != "xlsx" else "whole"


def check_valid(reader: Reader, folder: Path, doc: Doc, data_fn: st.DataObject) -> None:
    data, spans = render(doc)
    run_case(reader, folder, Case("valid", doc, data, doc.suffix, spans=spans, mode=reader_mode(doc, data_fn)))


def check_cells(reader: Reader, folder: Path, doc: Doc, data_fn: st.DataObject) -> None:
    what, doc, extra = data_fn.draw(cell_mutations(doc))
    data, spans = render(doc)
    run_case(reader, folder, Case(what, doc, data, doc.suffix, spans=spans, check=extra,
                                  mode=reader_mode(doc, data_fn)))


def check_structure(reader: Reader, folder: Path, doc: Doc, data_fn: st.DataObject) -> None:
    what, doc, errors, success = data_fn.draw(structure_mutations(doc))
    data, spans = render(doc)
    run_case(reader, folder, Case(what, doc, data, doc.suffix, errors=errors, success=success, spans=spans,
                                  mode=reader_mode(doc, data_fn)))


def check_bytes(reader: Reader, folder: Path, doc: Doc, data_fn: st.DataObject) -> None:
    data, spans = render(doc)
    what, out, at, errors, success = data_fn.draw(byte_mutations(data, doc))
    run_case(reader, folder, Case(what, doc, out, doc.suffix, errors=errors, success=success, prefix_end=at,
                                  spans=spans, mode=reader_mode(doc, data_fn)))


JUNK_SUFFIXES = (".csv", ".xlsx", ".xls", ".xlsm")


def check_junk(reader: Reader, folder: Path, blob: bytes, suffix: str) -> None:
    mode = "big" if suffix == ".csv" and len(blob) % 2 else "whole"
    run_case(reader, folder, Case("binary_junk", None, blob, suffix, errors={"*"}, success="any", mode=mode))


@FAST
@given(doc=documents(), data=st.data())
def test_valid_files_are_read_exactly(reader: Reader, folder: Path, doc: Doc, data: st.DataObject) -> None:
    check_valid(reader, folder, doc, data)


@FAST
@given(doc=documents(), data=st.data())
def test_spoilt_cells_are_quarantined_and_nothing_else(reader: Reader, folder: Path, doc: Doc,
                                                      data: st.DataObject) -> None:
    check_cells(reader, folder, doc, data)


@FAST
@given(doc=documents(), data=st.data())
def test_changed_structure_is_rejected_or_read_exactly(reader: Reader, folder: Path, doc: Doc,
                                                       data: st.DataObject) -> None:
    check_structure(reader, folder, doc, data)


@FAST
@given(doc=documents(), data=st.data())
def test_damaged_bytes_never_crash_nor_corrupt_what_came_before(reader: Reader, folder: Path, doc: Doc,
                                                                 data: st.DataObject) -> None:
    check_bytes(reader, folder, doc, data)


@settings(FAST, max_examples=8)
@given(blob=st.binary(max_size=2048), suffix=st.sampled_from(JUNK_SUFFIXES))
def test_binary_junk_is_refused(reader: Reader, folder: Path, blob: bytes, suffix: str) -> None:
    check_junk(reader, folder, blob, suffix)


# --- v2 containers and text: Unicode text, tab-separated text, zip members, 造字 cells ----------

CONTAINERS = ("txt:utf-16", "tsv:utf-8", "tsv:cp950", "tsv:utf-8-sig", "zip:csv", "zip:txt")
EUDC_TOKEN = "QEUDCQ"


def render_text(doc: Doc, encoding: str, delimiter: str) -> bytes:
    """The document as Excel's Unicode text (UTF-16 with a BOM) or a TSV in `encoding`."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=doc.newline)
    for row in [*doc.title, doc.header, *doc.rows]:
        writer.writerow([_text_cell(c) for c in row])
    text = buf.getvalue()
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def zip_of(member: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo(member, date_time=(2025, 2, 24, 16, 30, 0)), data)
    return buf.getvalue()


def container_case(doc: Doc, container: str) -> tuple[bytes, str, str | None]:
    """(bytes, suffix, member) of `doc` (a CSV document) in `container`."""
    how, what = container.split(":")
    if how == "txt":
        return render_text(doc, "utf-16", "\t"), ".txt", None
    if how == "tsv":
        return render_text(doc, what, "\t"), ".csv", None
    inner = render(doc)[0] if what == "csv" else render_text(doc, "utf-16", "\t")
    member = f"匯出/{doc.kind}.{what}"
    return zip_of(member, inner), ".zip", member


def text_columns(doc: Doc) -> list[int]:
    return [j for j, name in enumerate(doc.names)
            if name is not None and col_of(doc.kind, name).type is ColumnType.TEXT]


def with_eudc(doc: Doc, data_fn: st.DataObject) -> tuple[Doc, int | None, str | None]:
    """`doc` with a 造字 in one text cell of a loaded row (its expected value too): (doc, row, column)."""
    cols, rows = text_columns(doc), [i for i, e in enumerate(doc.expect) if e is not None]
    if not cols or not rows:
        return doc, None, None
    doc = doc.copy()
    j, i = data_fn.draw(st.sampled_from(cols)), data_fn.draw(st.sampled_from(rows))
    name = col_of(doc.kind, doc.names[j])
    doc.rows[i][j] = f"王{EUDC_TOKEN}明"
    doc.expect[i][name.stored_name] = "王\ue000明"  # type: ignore[index]
    return doc, doc.row_number(i), doc.header[j]


def eudc_bytes(data: bytes, encoding: str) -> bytes:
    """The placeholder as the 造字's bytes: FA40 in CP950 (U+E000 as Windows decodes it)."""
    if encoding == "cp950":
        return data.replace(EUDC_TOKEN.encode(), b"\xfa\x40")
    codec = "utf-16-le" if encoding == "utf-16" else encoding  # no second byte-order mark
    return data.replace(EUDC_TOKEN.encode(codec), "\ue000".encode(codec))


def notice_of(row: int | None, column: str | None) -> Callable[[list[dict[str, Any]]], None]:
    def check(exports: list[dict[str, Any]]) -> None:
        if row is None:
            return
        [ex] = exports
        hits = [n for n in ex["notices"] if n["_row"] == row and n["reason"] == "eudc_character"]
        assert hits and hits[0]["column"] == column, (row, column, ex["notices"])
    return check


def check_containers(reader: Reader, folder: Path, doc: Doc, data_fn: st.DataObject) -> None:
    container = data_fn.draw(st.sampled_from(CONTAINERS))
    doc, row, column = with_eudc(doc, data_fn) if data_fn.draw(st.booleans()) else (doc, None, None)
    data, suffix, member = container_case(doc, container)
    if row is not None:
        if member is None:
            enc = "utf-16" if container.startswith("txt") else container.split(":")[1].replace("-sig", "")
            data = eudc_bytes(data, enc)
        else:  # the member's bytes: rebuild the zip with the placeholder replaced
            inner = render(doc)[0] if container.endswith("csv") else render_text(doc, "utf-16", "\t")
            enc = "utf-16" if container.endswith("txt") else doc.encoding.replace("-sig", "")
            data = zip_of(member, eudc_bytes(inner, enc))
    mode = data_fn.draw(st.sampled_from(["whole", "big"]))
    run_case(reader, folder, Case(f"container:{container}", doc, data, suffix, mode=mode, member=member,
                                  check=notice_of(row, column)))
    # and the same bytes damaged: an LpdataError or a consistent read, never a crash
    at = data_fn.draw(st.integers(0, len(data) - 1))
    spoilt = bytearray(data)
    spoilt[at] ^= data_fn.draw(st.integers(1, 255))
    run_case(reader, folder, Case(f"container:{container}:flip", doc, bytes(spoilt), suffix, errors={"*"},
                                  success="any", mode=mode, member=member))


@settings(FAST, max_examples=12)
@given(doc=documents(formats=("csv:utf-8", "csv:utf-8-sig", "csv:cp950")), data=st.data())
def test_text_zip_and_eudc_files_are_read_exactly(reader: Reader, folder: Path, doc: Doc,
                                                  data: st.DataObject) -> None:
    check_containers(reader, folder, doc, data)


@pytest.mark.slow
@settings(SLOW, max_examples=400)
@given(doc=documents(formats=("csv:utf-8", "csv:utf-8-sig", "csv:cp950"), max_rows=12), data=st.data())
def test_text_zip_and_eudc_files_slow(reader: Reader, folder: Path, doc: Doc, data: st.DataObject) -> None:
    check_containers(reader, folder, doc, data)


@pytest.mark.slow
@SLOW
@given(doc=documents(max_rows=12), data=st.data())
def test_valid_files_are_read_exactly_slow(reader: Reader, folder: Path, doc: Doc, data: st.DataObject) -> None:
    check_valid(reader, folder, doc, data)


@pytest.mark.slow
@settings(SLOW, max_examples=800)
@given(doc=documents(max_rows=12), data=st.data())
def test_spoilt_cells_slow(reader: Reader, folder: Path, doc: Doc, data: st.DataObject) -> None:
    check_cells(reader, folder, doc, data)


@pytest.mark.slow
@settings(SLOW, max_examples=800)
@given(doc=documents(max_rows=12), data=st.data())
def test_changed_structure_slow(reader: Reader, folder: Path, doc: Doc, data: st.DataObject) -> None:
    check_structure(reader, folder, doc, data)


@pytest.mark.slow
@settings(SLOW, max_examples=1000)
@given(doc=documents(max_rows=12), data=st.data())
def test_damaged_bytes_slow(reader: Reader, folder: Path, doc: Doc, data: st.DataObject) -> None:
    check_bytes(reader, folder, doc, data)


@pytest.mark.slow
@settings(SLOW, max_examples=400)
@given(blob=st.binary(max_size=65536), suffix=st.sampled_from(JUNK_SUFFIXES))
def test_binary_junk_slow(reader: Reader, folder: Path, blob: bytes, suffix: str) -> None:
    check_junk(reader, folder, blob, suffix)


# --- fixed cases: workbooks that attack the library, and files at the edges -----------------------

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
      'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
      'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.'
      'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
      'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
      'worksheet+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="資料" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                 'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                 '</Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
              'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dim}"/><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


def inline_row(r: int, cells: list[str]) -> str:
    xml = "".join(f'<c r="{letters(c + 1)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in enumerate(cells) if v)
    return f'<row r="{r}">{xml}</row>'


def raw_xlsx(path: Path, parts: Any, dim: str = "A1:Z1048576") -> Path:
    """An .xlsx written by hand: `parts` are the sheet's <row> elements (any iterable of text)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(SHEET_HEAD.replace("{dim}", dim).encode())
            buf = []
            for part in parts:
                buf.append(part)
                if len(buf) >= 4096:
                    fh.write("".join(buf).encode())
                    buf = []
            fh.write("".join(buf).encode())
            fh.write(SHEET_TAIL.encode())
    return path


STUDENT_HEAD = ["學年度", "學期", "身分證號", "學號", "姓名", "年級", "班級名稱", "座號", "學籍狀態"]
A_ID = "A" + "1" + "2345678" + check_digit_for("A12345678")


def student_row(n: int) -> list[str]:
    nid = f"B1{n:07d}"
    nid += check_digit_for(nid)
    return ["113", "1", nid, f"{n:07d}", f"學生{n}", "1", "0301", str(n % 50), "在學"]


def fixed_case(reader: Reader, folder: Path, name: str, data: bytes, suffix: str, errors: set[str] | None,
               success: str = "never", check: Callable | None = None, max_seconds: float | None = BOMB_SECONDS,
               mode: str = "whole") -> Outcome:
    return run_case(reader, folder, Case(name, None, data, suffix, errors=errors, success=success, check=check,
                                         max_seconds=max_seconds, mode=mode))


def bomb_xlsx(mib: int, declared: int | None = None) -> bytes:
    """An .xlsx whose sheet1.xml holds `mib` MiB of white space: about 1 kB on disk per MiB, built from
    one compressed MiB repeated (a full flush makes each copy stand alone), so even a 2 GiB bomb is
    made in a second. `declared`: the uncompressed size its headers claim (a lying zip)."""
    head, tail = SHEET_HEAD.replace("{dim}", "A1").encode(), SHEET_TAIL.encode()
    block = b" " * (1 << 20)

    def deflate(data: bytes, final: bool) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    one = deflate(block, False)
    crc = zlib.crc32(head)
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    sheet = deflate(head, False) + one * mib + deflate(tail, True)
    size = len(head) + mib * len(block) + len(tail)
    members = [(name, text.encode(), 0, zlib.crc32(text.encode()), len(text.encode())) for name, text in (
        ("[Content_Types].xml", CT), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS))]
    members.append(("xl/worksheets/sheet1.xml", sheet, 8, crc, size if declared is None else declared))
    out, central = bytearray(), bytearray()
    for name, data, method, crc32, usize in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc32, len(data), usize,
                           len(raw), 0) + raw + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc32, len(data),
                               usize, len(raw), 0, 0, 0, 0, 0, offset) + raw
    start = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0)
    return bytes(out)


@pytest.mark.parametrize("mib, declared, errors", [
    (2048, None, {"too_large"}),            # 2 GiB of white space in sheet1.xml, 2 MB on disk
    (100, None, {"too_large"}),             # 100 MiB: under the size limit, over the ratio
    (2048, 1 << 20, {"not_a_spreadsheet"}),  # the same, its headers claiming 1 MiB
])
def test_a_zip_bomb_is_refused_at_once(reader: Reader, folder: Path, mib: int, declared: int | None,
                                       errors: set[str]) -> None:
    fixed_case(reader, folder, "zip_bomb", bomb_xlsx(mib, declared), ".xlsx", errors)


@pytest.mark.parametrize("ref", ['r="XFD1048576"', "r='XFD1048576'", 'r = "XFD1048576"', 'r="A1048576"',
                                 'r="ZZ900000"'])
def test_one_far_cell_is_refused_before_the_library_lays_out_the_grid(reader: Reader, folder: Path, tmp_path: Path,
                                                                      ref: str) -> None:
    # A1 plus one far cell: 1.6 kB on disk; the library alone would ask for 550 GB and abort.
    rows = [inline_row(1, STUDENT_HEAD), inline_row(2, student_row(1)),
            f'<row r="1048576"><c {ref} t="inlineStr"><is><t>x</t></is></c></row>']
    path = raw_xlsx(tmp_path / "far.xlsx", rows)
    out = fixed_case(reader, folder, "far_cell", path.read_bytes(), ".xlsx", {"too_large"})
    assert "stray cells" in out.payload["text"]


def test_a_million_empty_rows_read_quickly(reader: Reader, folder: Path, tmp_path: Path) -> None:
    # Dimension A1:Z1048576, a header and three students, then a million rows with no cells, and a
    # far cell that holds nothing (`<c r="Z1048576" s="1"/>`): no room taken, nothing to read.
    rows = [inline_row(1, STUDENT_HEAD), *(inline_row(r, student_row(r)) for r in (2, 3, 4)),
            *(f'<row r="{r}"/>' for r in range(5, 1_048_576)), '<row r="1048576"><c r="Z1048576" s="1"/></row>']
    path = raw_xlsx(tmp_path / "empty-rows.xlsx", rows)

    def three(exports: list[dict[str, Any]]) -> None:
        [ex] = exports
        assert ex["kind"] == "students" and len(ex["rows"]) == 3 and not ex["rejects"]

    fixed_case(reader, folder, "million_empty_rows", path.read_bytes(), ".xlsx", None, "any", three, max_seconds=30)


def test_a_stray_value_far_below_the_data_is_refused_with_its_cell(reader: Reader, folder: Path,
                                                                   tmp_path: Path) -> None:
    rows = [inline_row(1, STUDENT_HEAD), inline_row(2, student_row(1)), inline_row(1048576, [""] * 25 + ["x"])]
    path = raw_xlsx(tmp_path / "stray.xlsx", rows)
    out = fixed_case(reader, folder, "stray_far_value", path.read_bytes(), ".xlsx", {"too_large"})
    assert "Z1048576" in out.payload["text"]


def test_an_xls_with_a_far_cell_is_refused(reader: Reader, folder: Path, tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("S")
    for c, v in enumerate(STUDENT_HEAD):
        sheet.write(0, c, v)
    sheet.write(65535, 255, "x")
    book.save(str(tmp_path / "far.xls"))
    fixed_case(reader, folder, "xls_far_cell", (tmp_path / "far.xls").read_bytes(), ".xls", {"too_large"})


@pytest.mark.parametrize("name, data, suffix, errors", [
    ("empty", b"", ".csv", {"empty_file"}),
    ("blank", b" \r\n\t\r\n", ".csv", {"empty_file"}),
    ("bom_only", b"\xef\xbb\xbf", ".csv", {"unknown_kind", "empty_file"}),
    ("empty_xlsx", b"", ".xlsx", {"not_a_spreadsheet"}),
    ("png_as_csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, ".csv", {"undecodable"}),
    ("pdf_as_xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", ".xlsx", {"not_a_spreadsheet"}),
    ("csv_as_xlsx", "學年度,學期\r\n113,1\r\n".encode(), ".xlsx", {"not_a_spreadsheet"}),
    ("empty_zip_as_xlsx", b"PK\x05\x06" + b"\x00" * 18, ".xlsx", {"not_a_spreadsheet"}),
    ("nul_after_4k", ",".join(STUDENT_HEAD).encode() + b"\r\n" + (",".join(student_row(1)).encode() + b"\r\n") * 200
     + b"\x00\r\n", ".csv", {"undecodable"}),
    ("stray_quote", (",".join(STUDENT_HEAD) + "\r\n" + ",".join(student_row(1)) + "\r\n"
                     + ",".join(student_row(2)).replace("學生2", '學"生2') + "\r\n").encode(), ".csv", {"bad_file"}),
    ("unclosed_quote", (",".join(STUDENT_HEAD) + "\r\n" + ",".join(student_row(1)) + "\r\n"
                        + ",".join(student_row(2)).replace("學生2", '"學生2') + "\r\n").encode(), ".csv", {"bad_file"}),
])
def test_files_at_the_edges(reader: Reader, folder: Path, name: str, data: bytes, suffix: str,
                            errors: set[str]) -> None:
    for mode in ("whole", "big") if suffix == ".csv" else ("whole",):
        out = fixed_case(reader, folder, name, data, suffix, errors, mode=mode)
        if name in ("stray_quote", "unclosed_quote"):
            assert out.payload["row"] == 3, out.payload  # the row a spreadsheet would show it on
            assert "CSV malformed" not in out.payload["text"]


def test_only_a_header(reader: Reader, folder: Path) -> None:
    def nothing(exports: list[dict[str, Any]]) -> None:
        [ex] = exports
        assert ex["kind"] == "students" and ex["rows_read"] == 0 and not ex["rows"] and not ex["rejects"]

    for data in (",".join(STUDENT_HEAD).encode(), ",".join(STUDENT_HEAD).encode() + b"\r\n,,,,\r\n\r\n"):
        for mode in ("whole", "big"):
            fixed_case(reader, folder, "only_header", data, ".csv", None, "any", nothing, mode=mode)


def test_huge_numbers_are_out_of_range_not_a_crash(reader: Reader, folder: Path) -> None:
    head = "學年度,學期,身分證號,課程代碼,學期學業成績,修課學分\r\n"
    rows = [f"113,1,{A_ID},C{n},{score},{credits}\r\n" for n, (score, credits) in enumerate(
        [("9" * 400, "1"), ("1e400", "2"), ("50", "9" * 30), ("NaN", "2"), ("inf", "2"), ("50", "-1"),
         ("9007199254740993", "3")])]
    rows.append(f"{'9' * 40},1,{A_ID},CX,50,2\r\n")
    rows.append(f"9007199254740993,1,{A_ID},CY,50,2\r\n")

    def quarantined(exports: list[dict[str, Any]]) -> None:
        [ex] = exports
        assert [r["_row"] for r in ex["rows"]] == [7], ex["rows"]  # 50 with credits -1 ("none")
        assert {r["reason"] for r in ex["rejects"]} <= {"invalid_number", "out_of_range"}

    for mode in ("whole", "big"):
        fixed_case(reader, folder, "huge_numbers", (head + "".join(rows)).encode(), ".csv", None, "any", quarantined,
                   mode=mode)


def test_data_under_a_blank_header_is_not_lost_unsaid(reader: Reader, folder: Path) -> None:
    head = ",".join(STUDENT_HEAD[:4]) + ",," + ",".join(STUDENT_HEAD[4:]) + ",\r\n"
    body = "".join(",".join(r[:4]) + f",{note}," + ",".join(r[4:]) + f",{tail}\r\n"
                   for r, note, tail in ((student_row(1), "備忘", ""), (student_row(2), "", "尾巴")))

    def listed(exports: list[dict[str, Any]]) -> None:
        [ex] = exports
        assert "(column E, no header)" in ex["ignored"]  # between named columns: listed as ignored
        assert [r["_row"] for r in ex["rows"]] == [2]
        [tail] = ex["rejects"]  # right of the header's last named cell: one cell too many
        assert tail["_row"] == 3 and tail["reason"] == "too_many_fields"

    for mode in ("whole", "big"):
        fixed_case(reader, folder, "blank_header_cell", (head + body).encode(), ".csv", None, "any", listed, mode=mode)
