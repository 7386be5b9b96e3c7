"""lpdata/messages.py: the locale picks the language, every message has both, every error class has
a Chinese sentence, and the catalogue of lpdata's free texts still matches what lpdata writes."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from lpdata import errors, messages
from lpdata.errors import (
    EmptyFileError,
    IngestRejected,
    LpdataError,
    ParameterError,
    StoreError,
    UnknownKindError,
    UnknownViewError,
)

ROOT = Path(__file__).resolve().parents[1]
ZH = messages.messages("zh-TW")
EN = messages.messages("en")

#: Latin words a zh-TW line may hold: the names staff know things by, and what they type.
ALLOWED = {"Excel", "CSV", "Big5", "UTF-8", "UTF-16", "Unicode", "BOM", "DuckDB", "YAML", "SHA-256", "Parquet",
           "lp", "lp-workbench", "zip", "json", "csv", "table", "en", "zh", "YYYY-MM-DD",
           # lp's subcommands
           "ingest", "status", "query", "purge", "backup", "restore", "demo", "run"}


def latin_words(text: str) -> list[str]:
    """Latin words of `text` outside the allow-list. Not words: what the user typed (in 「」 or
    quotes) or is told to type (in backticks), options (--db), $VARIABLES, codes, file names and
    paths (a word with a digit, `_`, `.`, `/` or `@`)."""
    text = re.sub(r"「[^」]*」|`[^`]*`|'[^']*'|--[a-z-]+|(?<![A-Za-z])-[a-z]\b|\$[A-Z_]+", " ", text)
    words = re.findall(r"\.?[A-Za-z][A-Za-z0-9_.\-/@#:\[\]]*", text)  # reports[1]: a key, a code
    return [w for w in words if w.rstrip(".:-") not in ALLOWED and not re.search(r"[0-9_./@]", w.rstrip(".:"))]


def test_the_check_finds_english() -> None:
    assert latin_words("錯誤 the file is empty：學生名冊.csv，clo_items，T0014，UTF-8") == ["the", "file", "is", "empty"]


@pytest.mark.parametrize("env, lang", [
    ({"LANG": "zh_TW.UTF-8"}, "zh-TW"),
    ({"LANG": "zh_TW.Big5"}, "zh-TW"),
    ({"LC_ALL": "zh-TW"}, "zh-TW"),
    ({"LANG": "zh_Hant_TW.UTF-8"}, "zh-TW"),
    ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "C"}, "zh-TW"),
    ({"LC_ALL": "C.UTF-8", "LANG": "zh_TW.UTF-8"}, "en"),  # LC_ALL wins, as POSIX says
    ({"LANG": "zh_CN.UTF-8"}, "en"),  # Simplified Chinese is not what the school reads
    ({"LANG": "C"}, "en"),
    ({}, "en"),
    ({"LP_LANG": "zh-TW", "LANG": "C"}, "zh-TW"),
    ({"LP_LANG": "en", "LANG": "zh_TW.UTF-8"}, "en"),
])
def test_the_language_comes_from_lp_lang_else_the_locale(env: dict[str, str], lang: str) -> None:
    assert messages.lang_from_env(env) == lang


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(messages.MESSAGES))
def test_every_message_has_both_languages_with_the_same_fields(key: str) -> None:
    zh, en = messages.MESSAGES[key]
    assert zh and en
    assert _fields(zh) <= _fields(en) | {"s"} and _fields(en) - {"s"} <= _fields(zh)
    assert latin_words(re.sub(r"\{[^}]*\}", " ", zh)) == [], zh


def _error_classes() -> list[type[LpdataError]]:
    found: list[type[LpdataError]] = []
    todo: list[type[LpdataError]] = [LpdataError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_has_a_chinese_sentence() -> None:
    classes = [c for c in _error_classes() if c.__module__ == errors.__name__]
    assert len(classes) > 15
    assert {c.code for c in classes} <= set(messages.ERROR_ZH)
    assert all(latin_words(s) == [] for s in messages.ERROR_ZH.values())


def _constants() -> str:
    """Every string constant (and literal part of an f-string) in lpdata but messages.py."""
    parts = []
    for path in sorted((ROOT / "lpdata").rglob("*.py")):
        if path.name == "messages.py" and path.parent.name == "lpdata":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                parts.append(node.value)
    return "\x00".join(parts)


def test_every_catalogue_entry_still_matches_a_text_lpdata_writes() -> None:
    """A reworded message in lpdata would silently fall back to English: each literal piece of an
    entry's English template must still be in lpdata's source."""
    source = _constants()
    stale = []
    for english, _ in messages.FREE_TEXT:
        for piece in re.split(r"\{\w+\}", english):
            piece = piece.strip(" '\"():;,.")
            if piece and piece not in source:
                stale.append((english, piece))
    assert stale == []


@pytest.mark.parametrize("english, zh", messages.FREE_TEXT)
def test_every_catalogue_entry_is_chinese_with_the_same_fields(english: str, zh: str) -> None:
    assert _fields(zh) <= _fields(english)
    assert latin_words(re.sub(r"\{\w+\}", " ", zh)) == [], zh


def test_a_free_text_is_translated_with_its_fields() -> None:
    assert messages.translate("--as-of '2026-13-01' is not a date") == "--as-of 「2026-13-01」不是日期"
    line = ("matches no export kind; nearest is clo (課程學習成果), missing columns 上傳時間, 認證狀態; "
            "found 學年度, 學期")
    assert messages.translate(line) == ("不屬於任何一種匯出檔；最接近「課程學習成果」，缺少欄位 上傳時間、認證狀態；"
                                        "找到的欄位：學年度、學期")
    assert messages.translate("warning: a restore marked this database as needing `lp purge --apply` again") == (
        "注意：還原後，這個資料庫需要再執行一次 `lp purge --apply`")
    assert messages.translate("something lpdata never says") is None


def test_an_error_in_chinese_names_where_from_its_fields() -> None:
    exc = EmptyFileError("the file is empty", file="學生名冊.csv", sheet="名冊", row=3, column="學號")
    assert ZH.error_lines(exc) == ["學生名冊.csv，工作表「名冊」，第 3 列，欄位「學號」：檔案是空的"]
    assert EN.error_lines(exc) == [str(exc)]
    param = ParameterError("no such file", file="weekly.yaml", line=4, key="reports[2].notebook")
    assert ZH.error_lines(param) == ["weekly.yaml，第 4 行，設定項「reports[2].notebook」：找不到這個檔案"]


def test_an_error_message_the_catalogue_lacks_keeps_its_english_after_its_class_sentence() -> None:
    exc = StoreError("the disk caught fire", file="lp.duckdb")
    assert ZH.error_lines(exc) == ["lp.duckdb：資料庫有問題：the disk caught fire"]


def test_a_rejected_ingest_and_its_files() -> None:
    unknown = UnknownKindError("matches no export kind; nearest is clo (課程學習成果), missing column 上傳時間; "
                               "found 學年度", file="bad.csv", row=1, nearest="clo", missing=["上傳時間"],
                               expected="columns 學年度, 學期, 上傳時間")
    lines = ZH.error_lines(IngestRejected([unknown, EmptyFileError("the file is empty", file="空.csv")]))
    assert lines == ["2 個檔案遭拒，未載入任何資料",
                     "  bad.csv，第 1 列：不屬於任何一種匯出檔；最接近「課程學習成果」，缺少欄位 上傳時間；"
                     "找到的欄位：學年度（應為：欄位 學年度、學期、上傳時間）",
                     "  空.csv：檔案是空的"]


def test_an_unknown_view_lists_the_public_views_with_their_names() -> None:
    exc = UnknownViewError("nope", ["class_completion", "retention"])
    assert ZH.error_lines(exc) == ["沒有名為「nope」的檢視；可查詢的檢視如下：",
                                   "  class_completion  各班上傳完成情形", "  retention         畢業生資料保存"]
    assert str(exc) == "no view named 'nope' (expected one of class_completion, retention)"


def test_counted_nouns() -> None:
    assert EN.count(1, "row") == "1 row" and EN.count(1200, "row") == "1,200 rows"
    assert ZH.count(1200, "graduate") == "1,200 位畢業生"
