"""`lp` under a zh-TW locale speaks Traditional Chinese in every line it prints; under LANG=C it
prints what it always did. Run as staff run it: a subprocess with the locale in its environment."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lpdata.contract import ALL_KINDS
from lpdata.labels import VIEW_NAMES, zh_labels
from lpdata.views import BASE_TABLES, public_views
from tests.test_messages import latin_words

LP = [sys.executable, "-c", "from lpdata.cli import app; app(prog_name='lp')"]
LOCALE_VARS = ("LP_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def lp(*args: str, lang: str, key_file: Path, lp_lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env |= {"COLUMNS": "200", "LANG": lang, "LP_KEY_FILE": str(key_file), "PYTHONIOENCODING": "utf-8"}
    if lp_lang:
        env["LP_LANG"] = lp_lang
    return subprocess.run([*LP, *args], capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)


#: Names lp is told: views, kinds and tables (what `lp query` takes).
NAMES = {*public_views(), *(k.name for k in ALL_KINDS), *BASE_TABLES}


def chinese(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The Latin words of its output (both streams) outside the allow-list and `NAMES`: none, in zh-TW."""
    return [w for w in latin_words(result.stdout + "\n" + result.stderr) if w.rstrip(",") not in NAMES]


@pytest.fixture
def loaded(export_folder: Path, tmp_path: Path, key_file: Path) -> Path:
    db = tmp_path / "lp.duckdb"
    result = lp("ingest", str(export_folder), "--db", str(db), lang="zh_TW.UTF-8", key_file=key_file)
    assert result.returncode == 0, result.stderr
    assert chinese(result) == []
    assert "已載入" in result.stdout and "隔離 3 列" in result.stdout and "學生名冊" in result.stdout
    assert "已略過（不是匯出檔）：說明.pdf" in result.stdout
    return db


def test_status_query_and_purge_in_chinese(loaded: Path, key_file: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return lp(*args, "--db", str(loaded), lang="zh_TW.UTF-8", key_file=key_file)

    status = run("status")
    assert status.returncode == 0 and chinese(status) == []
    assert "目前的快照中有 3 列被隔離" in status.stdout and "名冊別" in status.stdout

    unknown = run("query", "nope")
    assert unknown.returncode == 1 and chinese(unknown) == []
    lines = unknown.stderr.splitlines()
    assert lines[0] == "錯誤 沒有名為「nope」的檢視；可查詢的檢視如下："
    listed = [line.split()[0] for line in lines[1:]]
    assert listed == list(public_views())  # public views only: no kind, base table nor `_` view
    assert "各班上傳完成情形" in unknown.stderr

    bad_date = run("query", "class_completion", "--as-of", "2026-13-01")
    assert bad_date.returncode == 1 and chinese(bad_date) == []
    assert bad_date.stderr.strip() == "錯誤 --as-of 「2026-13-01」不是日期（應為：年-月-日，例如 2026-07-20）"

    purge = run("purge")
    assert purge.returncode == 0 and chinese(purge) == []
    assert "試算：未刪除任何資料" in purge.stdout and "加上 --apply 再執行一次即刪除" in purge.stdout

    labelled = run("query", "data_quality", "--labels", "zh", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(labelled.stdout)))
    assert {r["原因"] for r in rows} >= {"身分證號格式或檢查碼錯誤", "日期無法辨識或不存在"}
    assert {r["名冊別"] for r in rows} >= {"學生名冊", "課程學習成果"}
    # The example in Chinese too (stored English, written from its parts), the encoding as staff say it.
    examples = [r[zh_labels("data_quality", ["example_row"])["example_row"]] for r in rows if r["原因"]]
    assert examples and all(e.startswith("第 ") and "expected" not in e and "row" not in e for e in examples)
    assert {r[zh_labels("data_quality", ["encoding"])["encoding"]] for r in rows} <= {"UTF-8", "UTF-8（含 BOM）", "Big5", ""}


def test_a_rejected_ingest_in_chinese(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    (export_folder / "bad.csv").write_text("學年度,學期,身分證號,學號\n113,1,x,1\n", encoding="utf-8")
    result = lp("ingest", str(export_folder), "--db", str(tmp_path / "x.duckdb"), lang="zh_TW.UTF-8",
                key_file=key_file)
    assert result.returncode == 1 and chinese(result) == []
    lines = result.stderr.splitlines()
    assert lines[0] == "錯誤 1 個檔案遭拒，未載入任何資料"
    assert "bad.csv" in lines[1] and "不屬於任何一種匯出檔" in lines[1] and "缺少欄位" in lines[1]


def test_lang_c_prints_what_lp_always_printed(loaded: Path, key_file: Path) -> None:
    for args in (["status"], ["query", "nope"], ["purge"], ["query", "students", "--labels", "zh"]):
        c = lp(*args, "--db", str(loaded), lang="C", key_file=key_file)
        forced = lp(*args, "--db", str(loaded), lang="zh_TW.UTF-8", lp_lang="en", key_file=key_file)
        assert (c.returncode, c.stdout, c.stderr) == (forced.returncode, forced.stdout, forced.stderr)
    unknown = lp("query", "nope", "--db", str(loaded), lang="C", key_file=key_file)
    assert unknown.stderr.startswith("error no view named 'nope' (expected one of backlog_by_assignee, ")
    assert "_enrolment" not in unknown.stderr and "students" not in unknown.stderr
    status = lp("status", "--db", str(loaded), lang="C", key_file=key_file)
    assert "3 rows in quarantine" in status.stdout and "ingest run(s)" in status.stdout


@pytest.mark.parametrize("command", [[], ["ingest"], ["status"], ["query"], ["run"], ["purge"], ["backup"]])
def test_help_in_chinese(command: list[str], key_file: Path) -> None:
    result = lp(*command, "--help", lang="zh_TW.UTF-8", key_file=key_file)
    assert result.returncode == 0 and "用法：" in result.stdout and "選項" in result.stdout
    # typer's type names (<path>, <int range> [x>=1]) and default values ([預設：reports]) are what is typed
    shown = re.sub(r"<[a-z |]+>|\[x[<>=]+\d+\]|\[預設：[^]]*\]", " ", result.stdout)
    assert [w for w in latin_words(shown) if w.rstrip(",") not in NAMES] == []


def test_query_help_lists_every_public_view_with_its_name(key_file: Path) -> None:
    zh = lp("query", "--help", lang="zh_TW.UTF-8", key_file=key_file).stdout
    en = lp("query", "--help", lang="C", key_file=key_file).stdout
    for view in public_views():
        assert f"{view} " in zh and VIEW_NAMES[view][0] in zh and VIEW_NAMES[view][1] in en
    assert "_enrolment" not in zh and "學生名冊" in zh  # kinds listed too, with their names


def test_the_run_summary_in_chinese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`lp run`'s summary and failure lines (the runner itself replaced: the words are the test)."""
    from typer.testing import CliRunner

    import lpdata.cli
    import lpdata.report.plan
    import lpdata.report.runner
    from lpdata.messages import messages

    entry = SimpleNamespace(status="failed", label="class_dashboard 301 114-2", failing_cell=None, error=None)
    result = SimpleNamespace(notes=["reports[1]: for_each class found no class with an enrolled student in 114-2 as of 2026-07-20"],
                             entries=[entry, SimpleNamespace(status="ok")], failed=[entry], ok=[object()],
                             skipped=[], duration_s=12.34, index=tmp_path / "index.html", log_file=tmp_path / "run.log",
                             decisions=[], as_of="2026-07-20", run_dir=tmp_path)
    monkeypatch.setattr(lpdata.cli, "M", messages("zh-TW"))
    monkeypatch.setattr(lpdata.report.plan, "load_plan", lambda path: SimpleNamespace(path=path))
    monkeypatch.setattr(lpdata.report.runner, "run", lambda *a, **k: result)
    out = CliRunner().invoke(lpdata.cli.app, ["run", "plan.yaml", "--db", "x.duckdb", "--quiet"])
    assert out.exit_code == 1
    assert "2 份報表：1 份完成，1 份失敗，0 份未變更（略過），費時 12.3 秒" in out.output
    assert "reports[1]：114-2 學期在 2026-07-20 沒有任何有在學學生的班級" in out.output
    assert "錯誤 1 份報表失敗" in out.output
    assert latin_words(out.output.replace("class_dashboard", "")) == [], out.output


def test_every_public_view_has_a_chinese_and_an_english_name() -> None:
    assert [v for v in public_views() if v not in VIEW_NAMES] == []
    assert all(zh and en and latin_words(zh) == [] for zh, en in VIEW_NAMES.values())


def test_labels_zh_turns_codes_into_their_chinese_names() -> None:
    from lpdata.labels import value_label

    assert value_label("rule_id", "R-NO-FORCE", zh=True) == "不強制、不排名原則"
    assert value_label("rule_id", "R-NO-FORCE", zh=False) == "R-NO-FORCE"
    assert value_label("state", "awaiting_receipt", zh=True) == "待回傳"
    assert value_label("kinds", "students", zh=True) == "學生名冊"
    assert value_label("role", "registrar_head", zh=True) == "註冊組長"
    assert (value_label("met", True, zh=True), value_label("met", False, zh=True)) == ("是", "否")
    assert value_label("state", "a_new_state", zh=True) == "a_new_state"  # shown as it is, never dropped
