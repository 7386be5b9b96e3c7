"""Privacy (PDPA): no raw national ID, and no key, anywhere lp writes; no small group in a briefing.

- Every raw national ID of the demo school is read back from its export files (the ID column of
  every file, valid or not: a mistyped ID is personal data too) and searched for, upper case, lower
  case and full width, in: the DuckDB file's bytes and every table's text, the ingest log, and every
  file of a report run (notebooks, pages, manifest, run log, index, and every Excel list unzipped).
- The ID-hash key is created with mode 0600 in a 0700 folder (whatever the umask), and its hex is in
  none of those places either (the database holds a fingerprint, an HMAC of a fixed text).
- The task-force briefing shows no student's name, number or ID hash, and every count of students it
  shows is 0, at least P-SMALL-CELL.min_students, or the marker "<3" (with the rates made from such a
  count hidden). The check is proven to fail on an unsuppressed table, and run on a school small
  enough that suppression must happen.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import polars as pl
import pytest

from lpdata.readers import HeaderResolver, archive
from lpdata.readers.ids import load_or_create_key
from lpdata.readers.tables import decode_csv_bytes, preview_csv, read_csv_body, read_workbook
from lpdata.report import page
from lpdata.report.i18n import strings
from lpdata.store import log_path

from ..conftest import student_identities

FW = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
#: Anything shaped like an ID, in any case, half or full width (then normalised and compared).
ID_TOKEN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ][A-Da-d0-9Ａ-Ｄａ-ｄ０-９][0-9０-９]{8}")
ID_TOKEN_BYTES = re.compile(rb"[A-Za-z][A-Da-d0-9][0-9]{8}")
MIN_N = 3
PLAN = """
term: current
reports:
  - notebook: taskforce_briefing
  - notebook: taskforce_briefing
    parameters: {lang: en}
  - notebook: data_quality
  - notebook: certification_backlog
  - notebook: reconciliation
"""


FIGURES: dict[str, object] = {}


class _Figures:
    """Prints what was scanned at the end of the session (and writes it as JSON beside the tests' files)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not FIGURES:
            return
        self.path.write_text(json.dumps(FIGURES, ensure_ascii=False, indent=1), encoding="utf-8")
        terminalreporter.write_line("privacy scan: " + "; ".join(f"{k} {v}" for k, v in FIGURES.items()))


@pytest.fixture(scope="module", autouse=True)
def figures(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("lp-reliability-privacy"):
        manager.register(_Figures(tmp_path_factory.getbasetemp() / "reliability-privacy.json"),
                         "lp-reliability-privacy")


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def export_ids(files: Iterable[Path]) -> set[str]:
    """Every value of every national-ID column of the export files, as written (normalised); a zip's
    members are read as files of the folder, as ingest reads them."""
    resolver = HeaderResolver()
    found: set[str] = set()
    for path in files:
        if path.suffix == ".zip":
            for member in archive.members(path):
                with archive.extracted(path, member, path / member.name, None) as copy:
                    found |= export_ids([copy])
        elif path.suffix == ".csv":
            decoded = decode_csv_bytes(path.read_bytes(), path)
            hit = resolver.find_header(preview_csv(decoded, path), file=path)
            if hit and "national_id" in hit[1].positions:
                body = read_csv_body(decoded, hit[0], len(hit[1].headers), path)
                found |= {normal(v) for v in body[f"c{hit[1].positions['national_id']}"].drop_nulls().to_list()}
        elif path.suffix in (".xlsx", ".xls"):
            for sheet in read_workbook(path):
                hit = resolver.find_header(sheet.rows[:30], file=path, sheet=sheet.name)
                if hit and "national_id" in hit[1].positions:
                    body = sheet.body(hit[0], len(hit[1].headers))
                    found |= {normal(v) for v in body[f"c{hit[1].positions['national_id']}"].drop_nulls().to_list()}
    return {v for v in found if v}


def ids_in_text(text: str) -> set[str]:
    return {normal(m) for m in ID_TOKEN.findall(text)}


def ids_in_bytes(data: bytes) -> set[str]:
    found = {m.decode().upper() for m in ID_TOKEN_BYTES.findall(data)}
    # Full-width IDs in UTF-8 (3 bytes a character) and UTF-16 (DuckDB never writes that; Excel neither).
    found |= ids_in_text(data.decode("utf-8", errors="ignore"))
    return found


def table_texts(db: Path) -> Iterable[tuple[str, str]]:
    """(table, the text of all its rows) for every table of the database, in every schema (the
    prepared views of `lp_prepared` too)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        for schema, name in names:
            yield f"{schema}.{name}", repr(con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall())
    finally:
        con.close()


def report_texts(folder: Path) -> Iterable[tuple[Path, str]]:
    """(file, its text) for every file of a report folder; an .xlsx as the text of all its parts."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                yield path, "\n".join(z.read(n).decode("utf-8", errors="replace") for n in z.namelist())
        else:
            yield path, path.read_bytes().decode("utf-8", errors="replace")


# --- the demo school, ingested with a key of its own, and one run of the reports -------------------

@pytest.fixture(scope="module")
def school(demo_school, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo school's export folder ingested into a database of this module's, with a key created
    by lp itself (random, private): (database, key file)."""
    from lpdata.ingest import ingest

    summary, _, _ = demo_school
    root = tmp_path_factory.mktemp("privacy-school")
    key = root / "config" / "lp-workbench" / "id-hash.key"
    load_or_create_key(key)
    db = root / "lp.duckdb"
    ingest(summary.out, db=db, exported_at=summary.exported_at, key_file=key)
    return db, key


@pytest.fixture(scope="module")
def reports(school: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reports folder of one run of five reports on the demo school (two briefings, zh-TW and en)."""
    from lpdata.report import load_plan, run

    db, _ = school
    root = tmp_path_factory.mktemp("privacy-reports")
    plan = root / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    result = run(load_plan(plan), db=db, out=root / "reports", jobs=2)
    assert not result.failed, [(e["label"], e.get("error")) for e in result.failed]
    return root / "reports"


@pytest.fixture(scope="module")
def raw_ids(demo_school) -> set[str]:
    summary, _, _ = demo_school
    ids = export_ids(summary.files)
    assert len(ids) >= 300, len(ids)  # every student of the demo school, and the mistyped IDs
    return ids


def test_no_raw_id_in_the_database(school: tuple[Path, Path], raw_ids: set[str]) -> None:
    db, _ = school
    files = [db, *[p for p in db.parent.glob(db.name + "*") if p != db]]
    for path in files:
        assert not ids_in_bytes(path.read_bytes()) & raw_ids, path
    tables = 0
    for name, text in table_texts(db):
        tables += 1
        leaked = ids_in_text(text) & raw_ids
        assert not leaked, f"table {name} holds {len(leaked)} raw national IDs"
    assert tables >= 20
    FIGURES["raw IDs searched"] = len(raw_ids)
    FIGURES["database tables scanned"] = tables
    # The quarantine keeps the mistyped IDs' rows, masked.
    con = duckdb.connect(str(db), read_only=True)
    try:
        masked = con.execute("SELECT count(*) FROM quarantine WHERE reason = 'invalid_national_id' "
                             "AND value LIKE '__******__'").fetchone()[0]
    finally:
        con.close()
    assert masked > 0


def test_no_raw_id_in_the_ingest_log(school: tuple[Path, Path], raw_ids: set[str]) -> None:
    db, _ = school
    log = log_path(db)
    assert log.is_file()
    assert not ids_in_text(log.read_text(encoding="utf-8")) & raw_ids


def test_no_raw_id_in_any_report_file(reports: Path, raw_ids: set[str]) -> None:
    kinds: dict[str, int] = {}
    for path, text in report_texts(reports):
        kinds[path.suffix or path.name] = kinds.get(path.suffix or path.name, 0) + 1
        leaked = ids_in_text(text) & raw_ids
        assert not leaked, f"{path.relative_to(reports)} shows {len(leaked)} raw national IDs"
    for suffix in (".ipynb", ".html", ".json", ".log", ".xlsx"):
        assert kinds.get(suffix), (suffix, kinds)  # notebooks, pages, manifest, run log, Excel lists
    FIGURES["report files scanned"] = dict(sorted(kinds.items()))


# --- the key ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o000, 0o077])
def test_the_key_is_created_private(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "config" / "lp-workbench" / "id-hash.key"
    old = os.umask(umask)
    try:
        key = load_or_create_key(path)
    finally:
        os.umask(old)
    assert len(key) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert load_or_create_key(path) == key  # the same key next time


def test_ingest_creates_the_default_key_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lpdata.ingest import ingest

    monkeypatch.delenv("LP_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "meetings.csv").write_text("日期,會議名稱\r\n2025-03-01,工作小組會議\r\n", encoding="utf-8")
    ingest(folder, db=tmp_path / "lp.duckdb")
    key = tmp_path / "xdg" / "lp-workbench" / "id-hash.key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.parent.stat().st_mode & 0o777 == 0o700
    hex_key = key.read_text().strip()
    assert not any(hex_key in text for _, text in table_texts(tmp_path / "lp.duckdb"))
    assert hex_key.encode() not in (tmp_path / "lp.duckdb").read_bytes()


def test_the_key_is_nowhere_else(school: tuple[Path, Path], reports: Path) -> None:
    db, key = school
    assert key.stat().st_mode & 0o777 == 0o600 and key.parent.stat().st_mode & 0o777 == 0o700
    hex_key = key.read_text().strip().lower()
    raw = bytes.fromhex(hex_key)
    for path in [db, log_path(db)]:
        data = path.read_bytes()
        assert hex_key.encode() not in data.lower() and raw not in data, path
    for name, text in table_texts(db):
        assert hex_key not in text.lower(), name
    for path, text in report_texts(reports):
        assert hex_key not in text.lower(), path


# --- the task-force briefing: no student, no small group ---------------------------------------------

class Page(HTMLParser):
    """The lp tables (header labels, rows of cell texts) and headline numbers (label -> value) of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self.numbers: dict[str, str] = {}
        self._stack: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._value = self._label = None  # type: str | None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "table" and "lp-table" in cls:
            self.tables.append(([], []))
        elif tag in ("th", "td") and self.tables:
            self._cell = []
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag == "div" and cls in ("lp-value", "lp-label"):
            self._in, self._cell = cls, []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            head, rows = self.tables[-1]
            if not head:
                head.extend(self._row)
            else:
                rows.append(self._row)
            self._row = None
        elif tag == "div" and self._in:
            text = "".join(self._cell or []).strip()
            if self._in == "lp-value":
                self._value = text
            else:
                self.numbers[text] = self._value or ""
            self._in, self._cell = None, None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_page(html_text: str) -> Page:
    p = Page()
    p.feed(html_text)
    return p


def small_cell_problems(html_text: str, lang: str, min_n: int = MIN_N) -> tuple[list[str], int]:
    """Every student count the briefing shows that is neither 0, ≥ min_n nor the marker; and how many
    student counts were checked. Student counts: the class_completion count columns of any table,
    the enrolled-students and paper-mail headlines, the students_consulted metric of the per-person
    effectiveness tables and its median in the by-role table;
    in a row with a hidden count, the rates beside it must be hidden too."""
    t = strings(lang)
    labels = t.columns(list(page.COMPLETION_COUNTS), "class_completion")
    count_labels = {labels[c] for c in page.COMPLETION_COUNTS}
    rate_labels = set(t.columns(list(page.COMPLETION_RATES), "class_completion").values())
    consulted = t.value("metric", "students_consulted")
    metric_label = t.column("metric", "effectiveness_by_role")
    median_label = t.column("median_value", "effectiveness_by_role")
    marker = page.small_marker(min_n)
    problems: list[str] = []
    checked = 0

    def check(where: str, text: str) -> bool:
        """True when the text is a hidden count."""
        nonlocal checked
        value = text.replace(" ✓", "").replace(" ✗", "").strip()
        checked += 1
        if value == marker:
            return True
        if value in (t("missing"), ""):
            return False
        number = float(value.replace(",", ""))
        if 0 < number < min_n:
            problems.append(f"{where}: {text}")
        return False

    doc = read_page(html_text)
    for label, value in doc.numbers.items():
        if label in (t("h.students"), t("h.mail_needed")):
            check(f"headline {label}", value)
    for head, rows in doc.tables:
        if metric_label in head and median_label in head:  # effectiveness_by_role: a metric per row
            metric, median = head.index(metric_label), head.index(median_label)
            for row in rows:
                if row[metric] == consulted:
                    check(f"{median_label} of {consulted}", row[median])
        counts = [i for i, h in enumerate(head) if h in count_labels or h.startswith(consulted)]
        rates = [i for i, h in enumerate(head) if h in rate_labels]
        for row in rows:
            hidden = any([check(f"{head[i]} in {row[0]}", row[i]) for i in counts])
            if hidden:
                for i in rates:
                    if row[i] != t("missing"):
                        problems.append(f"{head[i]} in {row[0]} shows {row[i]} beside a hidden count")
    return problems, checked


def test_the_small_cell_check_fails_on_an_unsuppressed_table() -> None:
    t = strings("zh-TW")
    grades = pl.DataFrame({"grade": ["一年級", "二年級"], "students": [120, 2], "clo_uploaders": [100, 1],
                           "mp_uploaders": [0, 2], "clo_upload_rate": [100 / 120, 0.5], "mp_upload_rate": [0.0, 1.0]})
    raw = str(page.table(grades, t, view="class_completion"))
    problems, checked = small_cell_problems(raw, "zh-TW")
    assert len(problems) == 3 and checked == 6, problems
    safe = page.suppress_small(grades, list(page.COMPLETION_COUNTS), MIN_N, page.COMPLETION_RATES)
    problems, checked = small_cell_problems(str(page.table(safe, t, view="class_completion")), "zh-TW")
    assert problems == [] and checked == 6
    # Counts hidden but a rate left beside them: caught too.
    leaky = safe.with_columns(pl.Series("clo_upload_rate", [100 / 120, 0.5]))
    problems, _ = small_cell_problems(str(page.table(leaky, t, view="class_completion")), "zh-TW")
    assert problems and "beside a hidden count" in problems[0]
    headline = str(page.headline([page.Number(t("h.students"), 2)], t))
    assert small_cell_problems(headline, "zh-TW")[0] == ["headline 在學人數: 2"]


def briefing_pages(reports: Path) -> list[tuple[str, str]]:
    pages = []
    for path in sorted(reports.glob("*/taskforce_briefing/*.html")):
        lang = "en" if path.stem.endswith("_en") else "zh-TW"
        pages.append((lang, path.read_text(encoding="utf-8")))
    return pages


def test_the_demo_briefing_shows_no_student_and_no_small_group(school: tuple[Path, Path], reports: Path) -> None:
    db, _ = school
    pages = briefing_pages(reports)
    assert {lang for lang, _ in pages} == {"zh-TW", "en"}
    students, staff = student_identities(db)
    assert students
    for lang, html_text in pages:
        words = set(re.findall(r"[0-9A-Za-z]+", html_text))
        for student_no, name, id_hash in students:
            assert student_no not in words and id_hash not in words, student_no
            if name and name not in staff:  # a student may share a teacher's name
                assert name not in html_text, name
        problems, checked = small_cell_problems(html_text, lang)
        assert not problems, problems
        assert checked >= 10, checked
        FIGURES[f"demo briefing ({lang}) student counts checked"] = checked


@pytest.fixture(scope="module")
def small_school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five students in grade 1, two in grade 2, one in grade 3 (113-2): suppression must happen."""
    from tests.queries.school import KEY_HEX, School

    root = tmp_path_factory.mktemp("small-school")
    key = root / "keys" / "id-hash.key"
    key.parent.mkdir(mode=0o700)
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    school = School(root / "school", key)
    classes = [(1, "0101")] * 5 + [(2, "0201")] * 2 + [(3, "0301")]
    school.add("students", [dict(academic_year=113, semester=2, national_id=school.student(n), student_no=f"S{n:05d}",
                                 name=f"小{n}生", grade=g, class_name=c, seat_no=n, status="在學")
                            for n, (g, c) in enumerate(classes, start=1)])
    course = "0123456789ABCDEF1234567"
    school.add("clo", [dict(item_id=f"C{n}", academic_year=113, semester=2, national_id=school.student(n),
                            course_code=course, summary=f"成果{n}", uploaded_at="2025-02-20 10:00",
                            cert_status="待認證", selected="") for n in (1, 2, 3, 6)])
    return school.ingest("2025-03-01 18:00")


def test_a_small_school_briefing_hides_its_small_groups(small_school: Path, tmp_path: Path) -> None:
    from lpdata.report import load_plan, run

    plan = tmp_path / "plan.yaml"
    plan.write_text("term: {academic_year: 113, semester: 2}\nreports:\n  - notebook: taskforce_briefing\n"
                    "  - notebook: taskforce_briefing\n    parameters: {lang: en}\n", encoding="utf-8")
    result = run(load_plan(plan), db=small_school, as_of="2025-03-01", out=tmp_path / "reports", jobs=2)
    assert not result.failed, [(e["label"], e.get("error")) for e in result.failed]
    students, _staff = student_identities(small_school)
    for lang, html_text in briefing_pages(tmp_path / "reports"):
        problems, checked = small_cell_problems(html_text, lang)
        assert not problems, problems
        doc = read_page(html_text)
        shown = [cell for _, rows in doc.tables for row in rows for cell in row]
        # Grade 2 (two students, one uploader) and grade 3 (one student): three counts hidden.
        assert shown.count(page.small_marker(MIN_N)) >= 3, shown
        FIGURES[f"small-school briefing ({lang}) counts hidden / checked"] = \
            f"{shown.count(page.small_marker(MIN_N))} / {checked}"
        for student_no, name, id_hash in students:
            assert student_no not in html_text and id_hash not in html_text and name not in html_text
