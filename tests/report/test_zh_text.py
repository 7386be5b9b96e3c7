"""zh-TW reports are Traditional Chinese throughout: every report of the weekly plan is rendered in
zh-TW on the demo school (`lp run`), and the visible text of each HTML page (not style or script, no
attribute but `title` and `alt`) may hold no Latin-script word outside a short allow-list: codes
(a word with a digit: T0014, C114…, R1131C, UTF-8, Big5), file names with an extension, and the names
staff use (Excel, CSV, BOM, Unicode, PDF and the file types of uploads with KB). Cells quoted from an
export file are its data, not report text: a data-quality example's value (`= '…'`) and raw row
(after `原始列：`) are left out.

The page's banner (`<title>`, what a browser tab and a printed page's header show) is checked too."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
import yaml

from lpdata.report.i18n import TEXT, strings
from lpdata.report.readings import in_language

ROOT = Path(__file__).resolve().parents[2]
WEEKLY = ROOT / "parameters" / "plans" / "weekly.yaml"
RUN_TIMEOUT = 1200

#: Latin words a zh-TW page may show: names staff know, file types (an upload's 檔案格式) and the unit.
ALLOWED = {"Excel", "CSV", "BOM", "Unicode", "PDF", "KB", "pdf", "jpg", "png", "mp3", "mp4", "JPG", "PNG",
           "MP3", "MP4"}
#: A file name (a path inside a zip too): left out before words are looked for.
_FILE = re.compile(r"[^\s（）()「」：，、；|｜'\"]+\.(?:csv|xlsx|xls|zip|ya?ml|txt|json|pdf|ods|html|jpg|png|mp3|mp4)\b",
                   re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
#: Cells quoted from an export file (dq_text.example_zh): the value found and the raw row.
_QUOTED = re.compile(r"(?s) = '[^']*'|原始列：.*")

def latin_words(text: str) -> list[str]:
    """Latin-script words of `text` outside the allow-list (codes, file names, ALLOWED, one capital
    letter such as the Y/N or A-D of an expectation)."""
    text = _FILE.sub(" ", text)
    return [w for w in _WORD.findall(text)
            if not re.search(r"\d", w) and w not in ALLOWED and not re.fullmatch(r"[A-Z]", w)]


class _Visible(HTMLParser):
    """The text a reader sees: data outside style/script/title, plus title and alt attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.banner: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "title":
            self._in_title = True
        self.texts.extend(v for k, v in attrs if k in ("title", "alt") and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.banner.append(data)
        elif not self._skip:
            self.texts.append(_QUOTED.sub(" ", data))  # a table cell is one piece of data


def visible(html: str) -> tuple[str, str]:
    """(the page's visible text, its <title>)."""
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.texts), " ".join(parser.banner)


def offending(name: str, text: str) -> list[str]:
    """One line per Latin word: the report, the word and where it stands."""
    lines = []
    for word in dict.fromkeys(latin_words(text)):
        at = text.find(word)
        context = re.sub(r"\s+", " ", text[max(0, at - 40): at + len(word) + 40])
        lines.append(f"{name}: {word!r} in …{context}…")
    return lines


def _weekly_notebooks() -> list[str]:
    plan = yaml.safe_load(WEEKLY.read_text(encoding="utf-8"))
    return list(dict.fromkeys(r["notebook"] for r in plan["reports"]))


# --- the helpers, on their own ---------------------------------------------------------------------

def test_latin_words_spares_codes_file_names_and_staff_words() -> None:
    text = ("行動清單（Excel）：pending_certifications.xlsx；收訖明細.zip/收訖明細_多元表現.csv；T0014；UTF-8（含 BOM）；"
            "Big5；檔案格式：pdf；A 至 D")
    assert latin_words(text) == []
    assert latin_words("3 students over 10 live items (most: 12)；依 R-NO-FORCE；clo_certify_due") == \
        ["students", "over", "live", "items", "most", "R-NO-FORCE", "clo_certify_due"]


def test_visible_text_skips_style_script_and_attributes_but_title_and_alt() -> None:
    text, banner = visible('<html><head><title>data_quality 114-2</title><style>.a{color:red}</style></head>'
                           '<body><div class="lp-num" title="定義 hover"><img alt="圖 chart" src="x.png">'
                           '<script>var x = 1;</script>你好</div></body></html>')
    assert latin_words(text) == ["hover", "chart"] and "color" not in text and "lp-num" not in text
    assert latin_words(banner) == ["data_quality"]
    text, _ = visible("<td>第 3 列，欄位 證照代碼 = 'APCS x'：應為數字｜原始列：證照代碼：APCS；名稱：abc</td><td>row</td>")
    assert latin_words(text) == ["row"]


def test_zh_strings_name_no_rule_id_or_setting_key() -> None:
    bad = {key: latin_words(re.sub(r"\{[^}]*\}", "", zh)) for key, (zh, _) in TEXT.items()}
    assert not {k: v for k, v in bad.items() if v}


def test_in_language_shows_the_chinese_twin_under_the_plain_name() -> None:
    frame = pl.DataFrame({"rule_id": ["R-TF-MEET"], "evidence": ["2 meetings"], "evidence_zh": ["工作小組會議 2 次"]})
    assert in_language(frame, strings("zh-TW")).to_dicts() == [{"rule_id": "R-TF-MEET", "evidence": "工作小組會議 2 次"}]
    assert in_language(frame, strings("en")).to_dicts() == [{"rule_id": "R-TF-MEET", "evidence": "2 meetings"}]


# --- every report of the weekly plan, in zh-TW -------------------------------------------------------

@pytest.fixture(scope="module")
def zh_pages(demo_school, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """`lp run` of the weekly plan (zh-TW) on the demo school: notebook -> its HTML pages."""
    from lpdata.report.manifest import read_manifest

    _, db, _ = demo_school
    out = tmp_path_factory.mktemp("zh-text") / "reports"
    result = subprocess.run([sys.executable, "-m", "lpdata.cli", "run", str(WEEKLY), "--db", str(db), "--out", str(out),
                             "--jobs", "2", "--quiet"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "200"}, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    (run_dir,) = [d for d in out.iterdir() if d.is_dir()]
    pages: dict[str, list[Path]] = {}
    for entry in read_manifest(run_dir):
        assert entry["status"] == "ok", entry
        assert entry["parameters"].get("lang", "zh-TW") == "zh-TW", entry
        pages.setdefault(entry["notebook"], []).append(run_dir / entry["outputs"]["html"])
    return pages


@pytest.mark.parametrize("notebook", _weekly_notebooks())
def test_zh_report_has_no_english(zh_pages: dict[str, list[Path]], notebook: str) -> None:
    assert notebook in zh_pages, f"the weekly plan ran no {notebook}"
    lines = []
    for html in zh_pages[notebook]:
        text, _ = visible(html.read_text(encoding="utf-8"))
        lines += offending(f"{notebook} ({html.name})", text)
    assert not lines, "Latin-script words in a zh-TW report:\n" + "\n".join(lines)


def test_zh_page_banner_is_chinese(zh_pages: dict[str, list[Path]]) -> None:
    lines = []
    for notebook, htmls in zh_pages.items():
        for html in htmls:
            _, banner = visible(html.read_text(encoding="utf-8"))
            lines += offending(f"{notebook} ({html.name}) banner", banner)
    assert not lines, "Latin-script words in a zh-TW page banner:\n" + "\n".join(lines)
