"""A tiny school built by hand, loaded through the real loader, queried through the real views.

    school = School(tmp_path, key_file)
    s1 = school.student(1)                      # a valid national ID, the same for the same number
    school.add("students", [dict(academic_year=113, semester=1, national_id=s1, student_no="1130001",
                                 name="王小明", grade=1, class_name="101", seat_no=1, status="在學")])
    school.add("clo", [...])                    # rows by column *name*; written under the Chinese headers
    rows = school.query("class_completion", as_of="2024-12-01")   # list of dicts
    school.hash(s1)                              # the national_id_hash a view shows for s1
    school.workbook("7_學生課程學習成果名冊.xlsx", "2024-12-01 10:00", [dict(kind="clo", ...)])

`workbook()` rows (national_uploads: an uploaded national CLO/MP workbook) are written straight into
`snap_national_uploads` after each ingest, one snapshot per workbook, until the national workbook
reader can load them from files.

Cells are written as text exactly as given (so "113/10/24 下午 02:03", "✓", "認證通過" all work);
None is an empty cell. Every kind's file is a UTF-8 CSV named after the kind; the schedule and rules
are YAML. `ingest()` loads the folder (again: it is idempotent) into one DuckDB file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from lpdata import connect, ingest
from lpdata.contract import KINDS_BY_NAME
from lpdata.readers.ids import IdHasher, check_digit_for

KEY_HEX = "11" * 32


class School:
    def __init__(self, root: Path, key_file: Path) -> None:
        self.root = root
        self.folder = root / "exports"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = root / "lp.duckdb"
        self.key_file = key_file
        self.hasher = IdHasher(bytes.fromhex(KEY_HEX))
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._workbooks: list[tuple[str, dt.datetime, list[dict[str, Any]]]] = []
        self._workbooks_loaded = 0

    # --- people ---------------------------------------------------------------------------------
    @staticmethod
    def student(n: int) -> str:
        """A valid national ID for student number n (1..99999999)."""
        prefix = f"A1{n:07d}"
        return prefix + check_digit_for(prefix)

    def hash(self, national_id: str) -> str:
        return self.hasher.hash(national_id)

    # --- files ----------------------------------------------------------------------------------
    def add(self, kind: str, rows: Sequence[dict[str, Any]], *, file: str | None = None) -> None:
        """Append rows of a kind (keys are column names such as `academic_year`, `national_id`)."""
        spec = KINDS_BY_NAME[kind]
        names = {c.name for c in spec.columns}
        for row in rows:
            unknown = set(row) - names
            assert not unknown, f"{kind} has no column {unknown}"
        self._rows.setdefault(file or kind, []).extend(rows)
        self._write(file or kind, kind)

    def _write(self, file: str, kind: str) -> None:
        spec = KINDS_BY_NAME[kind]
        rows = self._rows[file]
        used = [c for c in spec.columns if c.required or any(c.name in r for r in rows)]
        buf = io.StringIO(newline="")
        out = csv.writer(buf, lineterminator="\r\n")
        out.writerow([c.header for c in used])
        for row in rows:
            out.writerow(["" if row.get(c.name) is None else str(row[c.name]) for c in used])
        (self.folder / f"{file}.csv").write_text(buf.getvalue(), encoding="utf-8")

    def schedule(self, terms: dict[str, dict[str, str]]) -> None:
        """期程: {"113-1": {"clo_upload_due": "2024-11-15", ...}}."""
        (self.folder / "schedule.yaml").write_text(yaml.safe_dump(terms, allow_unicode=True), encoding="utf-8")

    def rules(self, entries: list[dict[str, Any]]) -> None:
        """A rules file in the export folder: [{"effective_from": 113, "R-...": {...}}]."""
        (self.folder / "rules.yaml").write_text(yaml.safe_dump({"rules": entries}), encoding="utf-8")

    def workbook(self, batch_id: str, submitted_at: str, rows: Sequence[dict[str, Any]]) -> None:
        """An uploaded national workbook: rows by column name of `national_uploads` (kind `clo`/`mp`,
        academic_year, semester, national_id, course_code, category, title, summary …) plus `sheet`
        (default 學期課程學習成果) and `row` (default: 2, 3, … per sheet, as the spreadsheet numbers it)."""
        names = {c.name for c in KINDS_BY_NAME["national_uploads"].columns} | {"sheet", "row"}
        for r in rows:
            unknown = set(r) - names
            assert not unknown, f"national_uploads has no column {unknown}"
        self._workbooks.append((batch_id, dt.datetime.fromisoformat(submitted_at), list(rows)))

    # --- loading and reading --------------------------------------------------------------------
    def ingest(self, exported_at: str | dt.datetime = "2025-07-31 18:00") -> Path:
        when = dt.datetime.fromisoformat(exported_at) if isinstance(exported_at, str) else exported_at
        ingest(self.folder, db=self.db, exported_at=when, key_file=self.key_file)
        self._load_workbooks()
        return self.db

    def _load_workbooks(self) -> None:
        """Write the workbooks not written yet into snap_national_uploads, as an ingest would."""
        import duckdb

        from lpdata.store import stored_columns

        todo = self._workbooks[self._workbooks_loaded:]
        if not todo:
            return
        columns = [name for name, _ in stored_columns(KINDS_BY_NAME["national_uploads"])]
        con = duckdb.connect(str(self.db))
        try:
            for batch_id, at, rows in todo:
                sid = con.execute("SELECT coalesce(max(snapshot_id), 0) + 1 FROM snapshots").fetchall()[0][0]
                fid = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM snapshot_files").fetchall()[0][0]
                iid = con.execute("SELECT max(ingest_id) FROM ingest_runs").fetchall()[0][0]
                con.execute("INSERT INTO snapshots VALUES (?, ?, 'national_uploads', ?, 'file', ?, ?, 0)",
                            [sid, iid, at, len(rows), len(rows)])
                con.execute("INSERT INTO snapshot_files VALUES (?, ?, ?, ?, NULL, [], [], [], ?, ?, 0)",
                            [fid, sid, batch_id, f"sha-{sid}", len(rows), len(rows)])
                con.execute("INSERT INTO snapshot_partitions VALUES (?, 'national_uploads', ?, ?, ?)",
                            [sid, batch_id, at, len(rows)])
                next_row: dict[str, int] = {}
                for r in rows:
                    sheet = r.get("sheet", "學期課程學習成果")
                    number = r.get("row") or next_row.get(sheet, 2)
                    next_row[sheet] = number + 1
                    values = dict(r, batch_id=batch_id, submitted_at=r.get("submitted_at", at),
                                  national_id_hash=self.hash(r["national_id"]))
                    con.execute(
                        f"INSERT INTO snap_national_uploads (_snapshot_id, _file_id, _row, _sheet, _part, "
                        f"{', '.join(columns)}) VALUES (?, ?, ?, ?, ?, {', '.join('?' for _ in columns)})",
                        [sid, fid, number, sheet, batch_id, *[values.get(c) for c in columns]])
        finally:
            con.close()
        self._workbooks_loaded = len(self._workbooks)

    def query(self, view: str, as_of: str | None = None, *, order_by: str | None = None,
              where: str | None = None) -> list[dict[str, Any]]:
        """Every row of a view as dicts. `order_by`/`where` are test-authored SQL fragments."""
        con = connect(self.db, as_of=as_of, rules_file=False)
        try:
            sql = f'SELECT * FROM "{view}"' + (f" WHERE {where}" if where else "") \
                + (f" ORDER BY {order_by}" if order_by else "")
            cur = con.execute(sql)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]
        finally:
            con.close()
