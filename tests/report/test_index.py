"""reports/index.html for staff, from hand-written manifests (no kernel runs): reports grouped by
reader with each class dashboard named with its homeroom teacher, the latest run's files, earlier
dates and runs folded, operator details behind a toggle, Chinese throughout (English when every
report is), and every link leading to a file that is there. Also: the runner reads the homeroom
teachers from class_completion."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lpdata.report.html import external_references
from lpdata.report.index import READERS, write_index
from lpdata.report.manifest import MANIFEST
from lpdata.report.plan import expand, load_plan
from lpdata.report.runner import homeroom_teachers
from tests.queries.school import KEY_HEX, School

from .conftest import NOTEBOOKS

DAY, EARLIER = "2025-03-01", "2025-02-22"


def _entry(notebook: str, job: str, run_id: str, *, status: str = "ok", lang: str = "zh-TW",
           files: tuple[str, ...] = (), teacher: str | None = None, **params: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "run_id": run_id, "notebook": notebook, "job": job, "label": f"{notebook} {job}",
        "parameters": {"db": "/x/lp.duckdb", "academic_year": 113, "semester": 2, "as_of": DAY, "lang": lang,
                       "output_dir": f"/r/{notebook}/{job}", **params},
        "input_hash": "a" * 64, "inputs": {}, "status": status, "reason": "new",
        "started_at": f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T18:00:00+08:00", "duration_s": 2.5,
        "outputs": {"ipynb": f"{notebook}/{job}.ipynb", "html": f"{notebook}/{job}.html", "files": list(files)},
        "failing_cell": None, "error": None, "skipped_from": None, "timings": {}, "log": f"run-{run_id}.log",
        "kernel": "python3", "lp_version": "0.1.0", "homeroom_teacher": teacher,
    }
    if status == "failed":
        entry["failing_cell"] = {"index": 2, "execution_count": 3, "source": "raise ValueError('x')",
                                 "error": "ValueError", "message": "boom <b>"}
        entry["error"] = {"name": "ValueError", "message": "boom <b>"}
    return entry


def _write(out: Path, day: str, entries: list[dict[str, Any]], *, missing: tuple[str, ...] = ()) -> None:
    """The manifest, and every file it names (but `missing`)."""
    folder = out / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    for e in entries:
        for rel in (e["outputs"]["ipynb"], e["outputs"]["html"], *e["outputs"]["files"], e["log"]):
            if rel not in missing:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_text("x", encoding="utf-8")


class _Page(HTMLParser):
    """The links, the <details> and the visible text of a page (what sits inside <style> is not shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.details: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs)["href"] or "")
        elif tag == "details":
            self.details.append(dict(attrs))
        elif tag in ("style", "title", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


def _read(path: Path) -> tuple[str, _Page]:
    html = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    return html, page


def _school_day(out: Path) -> None:
    run1, run2 = "20250301-080000-000", "20250301-180000-000"
    first = [_entry("school_completion", "113-2", run1), _entry("class_dashboard", "113-2_0302", run1, class_name="0302",
                                                                  teacher="王老師", files=("class_dashboard/113-2_0302/chase.xlsx",))]
    second = [
        _entry("school_completion", "113-2", run2),
        _entry("class_dashboard", "113-2_0302", run2, class_name="0302", teacher="王老師",
               files=("class_dashboard/113-2_0302/chase.xlsx",)),
        _entry("class_dashboard", "113-2_0301", run2, class_name="0301", teacher="林<老師>"),
        _entry("class_dashboard", "113-2_0303", run2, class_name="0303"),  # no homeroom teacher on record
        _entry("reconciliation", "113-2", run2, files=("reconciliation/113-2/discrepancies.xlsx",
                                                       "reconciliation/113-2/paper_mail.xlsx")),
        _entry("taskforce_briefing", "113-2", run2),
        _entry("effectiveness", "113-2", run2),
        _entry("data_quality", "113-2", run2, status="failed"),
        _entry("certification_backlog", "113-2", run2, files=("certification_backlog/113-2/gone.xlsx",)),
    ]
    _write(out, DAY, first + second, missing=("certification_backlog/113-2/gone.xlsx",))
    _write(out, EARLIER, [_entry("school_completion", "113-2", "20250222-180000-000")])


def test_the_index_groups_the_latest_reports_by_reader(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    _school_day(out)
    html, page = _read(write_index(out))
    assert '<html lang="zh-Hant-TW">' in html and external_references(html) == [] and "<script" not in html

    # the newest date, its reports by reader in READERS order: 導師, 教務處, 工作小組
    latest = html[:html.index('<details class="operator">')]
    headings = re.findall(r"<h3>(.*?)</h3>", latest)
    assert headings == ["導師", "教務處", "工作小組"]
    homeroom, office, taskforce = re.split(r"<h3>", latest)[1:]
    # class dashboards by class, each with its homeroom teacher (escaped), a dash where none is known
    rows = re.findall(r'<td class="class"><a href="([^"]+)">([^<]+)</a></td>\s*<td>([^<]+)</td>', homeroom)
    assert rows == [(f"{DAY}/class_dashboard/113-2_0301.html", "0301 班", "林&lt;老師&gt;"),
                    (f"{DAY}/class_dashboard/113-2_0302.html", "0302 班", "王老師"),
                    (f"{DAY}/class_dashboard/113-2_0303.html", "0303 班", "—")]
    assert f'href="{DAY}/class_dashboard/113-2_0302/chase.xlsx">chase.xlsx<' in homeroom
    # the office: the school reports in READERS order, the staff-only effectiveness review among them
    titles = re.findall(r"<td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td>\s*<td>113 學年度", office)
    assert titles == ["全校學習歷程檔案上傳概況", "課程學習成果待認證追蹤", "勾選、提交、收訖與確認對帳", "匯入資料品質",
                      "成效評核：各職務人員指標"]
    assert [r for _, notebooks in READERS for r in notebooks if r == "effectiveness"]
    assert "discrepancies.xlsx</a>" in office and "paper_mail.xlsx</a>" in office
    assert "gone.xlsx" not in office           # a file no longer there is not linked
    # a failed report: no half page for staff, a line saying so
    assert f'href="{DAY}/data_quality/113-2.html"' not in office and "本次未能產出" in office
    assert "學習歷程檔案工作小組簡報" in taskforce

    # the operator details behind a toggle: the latest run open inside it, the earlier one folded
    assert page.details[0] == {"class": "operator"}
    assert {"class": "run", "open": None} in page.details and {"class": "earlier-runs"} in page.details
    operator = html[html.index('<details class="operator">'):]
    assert operator.index("執行 20250301-180000-000") < operator.index("執行 20250301-080000-000")
    assert "第 3 格 (In [3]):\nValueError: boom &lt;b&gt;" in operator and "<b>" not in operator
    assert "學年度 113、學期 2、語言 中文、班級 0302" in operator and "首次執行" in operator
    assert "2.5" in operator and "class_dashboard.ipynb" in operator
    assert f'href="{DAY}/run-20250301-180000-000.log"' in operator
    # an earlier as-of date: folded under its own heading
    assert "較早的資料日期" in html and {"class": "day"} in page.details
    assert html.index(f"資料日期 {DAY}") < html.index(f"資料日期 {EARLIER}")


def test_every_link_of_the_index_leads_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    _school_day(out)
    (out / DAY / "reconciliation" / "113-2.html").unlink()  # a page deleted by hand: not linked
    _, page = _read(write_index(out))
    assert len(page.links) > 20
    for href in page.links:
        assert not href.startswith(("/", "http", "file:")), href
        assert (out / unquote(href)).is_file(), href
    assert f"{DAY}/reconciliation/113-2.html" not in page.links


def test_the_index_is_chinese_throughout(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run = "20250301-180000-000"
    _write(out, DAY, [_entry("school_completion", "113-2", run),
                      _entry("class_dashboard", "113-2_0301", run, class_name="0301", teacher="林老師",
                             files=("class_dashboard/113-2_0301/chase.xlsx",)),
                      {**_entry("reconciliation", "113-2", run), "reason": "changed: queries, data"},
                      {**_entry("data_quality", "113-2", run, status="skipped"), "skipped_from": "20250228-1"}])
    _, page = _read(write_index(out))
    text = " ".join(page.text)
    allowed = re.compile(r"[\w-]+\.(?:xlsx|ipynb|log)\b")  # file names
    latin = re.findall(r"[A-Za-z]{2,}", allowed.sub("", text))
    assert latin == [], latin
    assert "已變更：查詢、資料" in text and "沿用執行" in text


def test_an_index_of_english_reports_is_in_english_and_a_mixed_one_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run = "20250301-180000-000"
    _write(out, DAY, [_entry("school_completion", "113-2_en", run, lang="en"),
                      _entry("class_dashboard", "113-2_0301_en", run, lang="en", class_name="0301", teacher="Lin")])
    html, page = _read(write_index(out))
    assert '<html lang="en">' in html and "Homeroom teachers" in html and "Academic affairs office" in html
    assert "School portfolio uploads" in html and "Class 0301" in html and "Operator details" in html
    assert not re.search(r"[\u4e00-\u9fff]", " ".join(page.text))
    _write(out, EARLIER, [_entry("school_completion", "113-2", "20250222-180000-000")])
    html, _ = _read(write_index(out))
    assert '<html lang="zh-Hant-TW">' in html and "全校學習歷程檔案上傳概況（英文版）" in html


def test_the_runner_names_each_class_dashboard_with_its_homeroom_teacher(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    school = School(tmp_path / "school", key)
    school.add("students", [dict(academic_year=113, semester=2, national_id=school.student(n), student_no=f"1130{n:03d}",
                                 name=f"學生{n}", grade=3, class_name=c, seat_no=n, status="在學")
                            for n, c in ((1, "0301"), (2, "0302"))])
    school.add("homerooms", [dict(academic_year=113, semester=2, class_name="0301", teacher_code="T01"),
                             dict(academic_year=113, semester=1, class_name="0302", teacher_code="T02")])
    school.add("staff", [dict(teacher_code="T01", name="林老師", roles="導師"),
                         dict(teacher_code="T02", name="王老師", roles="導師")])
    db = school.ingest("2025-03-01 18:00")
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks_dir: {NOTEBOOKS}\nreports:\n  - notebook: class_dashboard\n    for_each: class\n"
                    "  - notebook: school_completion\n", encoding="utf-8")
    as_of = dt.date.fromisoformat(DAY)
    jobs = expand(load_plan(plan), db=db, as_of=as_of, run_dir=tmp_path / "reports" / DAY).jobs
    assert [j.key for j in jobs] == ["class_dashboard/113-2_0301", "class_dashboard/113-2_0302",
                                     "school_completion/113-2"]
    # 0302's teacher is on the 113-1 roster only: the 113-2 dashboard names nobody
    assert homeroom_teachers(db, as_of, jobs) == {"class_dashboard/113-2_0301": "林老師"}
    assert homeroom_teachers(db, as_of, jobs[2:]) == {}
