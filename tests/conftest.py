"""Shared fixtures: a fixed ID-hash key, and a tiny hand-built export folder in several formats."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from lpdata.readers.ids import IdHasher, check_digit_for

KEY_HEX = "11" * 32


def make_id(prefix9: str) -> str:
    """A valid ID from its first nine characters."""
    return prefix9 + check_digit_for(prefix9)


# Four students; the second and third are resident-permit holders (new and old format).
IDS = [make_id("A12345678"), make_id("B80000001"), make_id("CA1234567"), make_id("D20000002")]


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write_string(r, c, str(value))
    book.close()
    return path


STUDENT_HEADER = ["學年度", "學期", "身分證號", "學號", "姓名", "年級", "班級名稱", "座號", "學籍狀態", "檢核確認日期"]
CLO_HEADER = ["成果編號", "學年度", "學期", "身分證號", "課程代碼", "成果簡述", "上傳時間", "認證狀態", "勾選", "勾選時間"]
COURSE = "0123456789ABCDEF1234567"


def student_rows() -> list[list[object]]:
    return [
        STUDENT_HEADER,
        [113, 1, IDS[0], "1130001", "王小明", 1, "0101", 1, "在學", "113/09/10"],
        [113, 1, IDS[1], "1130002", "陳美麗", 1, "0101", 2, "在學", "113/09/10"],
        [113, 1, IDS[2], "1130003", "林大同", 1, "0102", 1, "轉出", "113/09/10"],
        [113, 1, "A123456788", "1130004", "錯號碼", 1, "0102", 2, "在學", "113/09/10"],  # bad check digit
    ]


def clo_rows() -> list[list[object]]:
    return [
        ["國立臺東高級中學 113學年度第1學期 課程學習成果", "", "", "", "", "", "", "", "", ""],
        CLO_HEADER,
        ["C1", 113, 1, IDS[0], COURSE, "實驗報告", "113/10/24 下午 02:03", "認證通過", "✓", "1131101"],
        ["C2", 113, 1, IDS[1], COURSE, "小論文", "2024-10-25 09:00", "待認證", "", ""],
        ["C3", 113, 1, IDS[1], COURSE, "作品", "113/02/30", "待認證", "", ""],  # impossible date
        ["C1", 113, 1, IDS[0], COURSE, "重複", "113/10/26", "待認證", "", ""],  # repeated item id
    ]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "id-hash.key"
    path.parent.mkdir()
    path.write_text(KEY_HEX + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def hasher() -> IdHasher:
    return IdHasher(bytes.fromhex(KEY_HEX))


@pytest.fixture
def export_folder(tmp_path: Path) -> Path:
    """Students in Big5 with a bad ID; CLO in UTF-8 with a title row; staff in xlsx behind a cover
    sheet; a schedule in YAML; a PDF that must be listed as ignored."""
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "學生名冊.csv", student_rows(), encoding="cp950")
    write_csv(folder / "clo-1131101.csv", clo_rows(), encoding="utf-8-sig")
    write_xlsx(folder / "教職員.xlsx", {
        "封面": [["學校代碼", "140302"], ["名冊別", "教職員"]],
        "教職員": [["教職員名冊"], ["教師代碼", "姓名", "職務", "離職日期"],
                  ["T001", "張老師", "任課教師,導師", ""], ["T002", "李組長", "註冊組長", "2024-12-31"]],
    })
    (folder / "schedule.yaml").write_text(
        "113-1:\n  clo_upload_due: 2024-11-15\n  clo_certify_due: 2024-11-30\n", encoding="utf-8")
    (folder / "說明.pdf").write_bytes(b"%PDF-1.4 not read")
    return folder


def table_contents(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: two equal results mean the database did not change."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        # Every schema: `main`, and `lp_prepared` once `lp run` has prepared views (lpdata.prepared).
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        return {(n if s == "main" else f"{s}.{n}"): sorted(map(repr, con.execute(f'SELECT * FROM "{s}"."{n}"').fetchall()))
                for s, n in names}
    finally:
        con.close()


def student_identities(db: Path) -> tuple[list[tuple[str, str | None, str]], set[str]]:
    """Every student's (student number, name, ID hash) in the database, and every staff member's name:
    what a page shown to the task force must not contain (staff may be named)."""
    import lpdata

    con = lpdata.connect(db)
    try:
        students = con.execute("SELECT DISTINCT student_no, name, national_id_hash FROM students").fetchall()
        staff = {r[0] for r in con.execute("SELECT DISTINCT name FROM staff").fetchall()}
    finally:
        con.close()
    return students, staff


DEMO_STUDENTS = 300


@pytest.fixture(scope="session")
def demo_school(tmp_path_factory: pytest.TempPathFactory):
    """A small demo school (300 students) generated and ingested once per test session:
    (summary, database path, key file). Views are checked against it for grain and sanity."""
    from lpdata.demo import generate
    from lpdata.ingest import ingest

    root = tmp_path_factory.mktemp("demo-school")
    key = root / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    summary = generate(root / "exports", students=DEMO_STUDENTS, seed=3)
    db = root / "demo.duckdb"
    ingest(summary.out, db=db, exported_at=summary.exported_at, key_file=key)
    return summary, db, key
