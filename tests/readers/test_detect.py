"""lpdata.readers.detect: a file's kind from its header row, with built-in and school aliases."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import header

from lpdata.contract import KINDS, KINDS_BY_NAME, Kind
from lpdata.errors import ConfigError, DuplicateColumnError, UnknownKindError
from lpdata.readers.detect import Aliases, HeaderResolver, is_cover_sheet, normalize_header

FILE = Path("exports/export.csv")
UNKNOWN = "備註"


def required_headers(kind: Kind, seed: int = 0) -> list[str]:
    """The kind's required headers, shuffled, plus one column no kind knows."""
    headers = [c.header for c in kind.required] + [UNKNOWN]
    random.Random(seed).shuffle(headers)
    return headers


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_is_recognised_by_its_required_headers(kind: Kind, resolver: HeaderResolver) -> None:
    row = required_headers(kind)
    found = resolver.find_header([row], file=FILE)
    assert found is not None
    index, match = found
    assert index == 0
    assert match.kind is kind
    assert match.headers == tuple(row)
    assert match.ignored == (UNKNOWN,)
    assert dict(match.positions) == {c.name: row.index(c.header) for c in kind.required}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_below_two_title_rows(kind: Kind, resolver: HeaderResolver) -> None:
    row = required_headers(kind, seed=7)
    rows = [
        [f"國立臺東高級中學 {kind.label_zh}", None, None],
        ["列印日期：113/10/24", "", "第 1 頁"],
        row,
        ["data", "more data"],
    ]
    found = resolver.find_header(rows, file=FILE)
    assert found is not None
    assert found[0] == 2
    assert found[1].kind is kind


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_is_recognised_by_its_full_header(kind: Kind, resolver: HeaderResolver) -> None:
    row = [c.header for c in kind.columns]
    found = resolver.find_header([row], file=FILE)
    assert found is not None
    assert found[1].kind is kind
    assert dict(found[1].positions) == {c.name: i for i, c in enumerate(kind.columns)}
    assert found[1].ignored == ()


def test_decorated_headers(resolver: HeaderResolver) -> None:
    # Stars, (必填), full-width letters and blanks do not change a header.
    row = ["*成果編號", "學年度(必填)", " 學 期 ", "身分證號＊", "課程代碼（必填）", "成果簡述:", "上傳時間",
           "認證狀態", "勾選", "檔案大小ＫＢ"]
    found = resolver.find_header([row], file=FILE)
    assert found is not None
    assert found[1].kind.name == "clo"
    assert found[1].positions["file_kb"] == 9
    assert found[1].positions["semester"] == 2


@pytest.mark.parametrize("text, normal", [
    ("學年度", "學年度"), (" *學年度 ", "學年度"), ("學年度(必填)", "學年度"), ("學年度（必填）", "學年度"),
    ("檔案大小ＫＢ", "檔案大小KB"), ("上傳 時間", "上傳時間"), ("", ""), (None, ""),
])
def test_normalize_header(text: str | None, normal: str) -> None:
    assert normalize_header(text) == normal


def test_no_header_in_the_rows(resolver: HeaderResolver) -> None:
    assert resolver.find_header([["a", "b"], ["學年度"], []], file=FILE) is None


# --- built-in aliases ----------------------------------------------------------------------------
STUDENTS = KINDS_BY_NAME["students"]


@pytest.mark.parametrize("alias", ["身分證字號", "統一證號"])
def test_national_id_aliases(alias: str, resolver: HeaderResolver) -> None:
    row = [alias if h == "身分證號" else h for h in required_headers(STUDENTS)]
    found = resolver.find_header([row], file=FILE)
    assert found is not None
    assert found[1].kind is STUDENTS
    assert found[1].positions["national_id"] == row.index(alias)


@pytest.mark.parametrize("alias", ["班級", "班別名稱"])
def test_class_name_aliases(alias: str, resolver: HeaderResolver) -> None:
    row = [alias if h == "班級名稱" else h for h in required_headers(STUDENTS)]
    found = resolver.find_header([row], file=FILE)
    assert found is not None
    assert found[1].kind is STUDENTS
    assert found[1].positions["class_name"] == row.index(alias)
    # ... and for homerooms too.
    homerooms = ["學年度", "學期", alias, "導師代碼"]
    found = resolver.find_header([homerooms], file=FILE)
    assert found is not None
    assert found[1].kind.name == "homerooms"
    assert found[1].positions["class_name"] == 2


# --- the alias file ------------------------------------------------------------------------------
ALIASES_YAML = """\
# vendor headers
all:
  學生身分證號: 身分證號
  學年: 學年度
clo:
  成果序號: 成果編號
  "上傳日期 (必填)": 上傳時間
"""


def test_alias_file(tmp_path: Path) -> None:
    path = tmp_path / "header-aliases.yaml"
    path.write_text(ALIASES_YAML, encoding="utf-8")
    aliases = Aliases.load(path)
    assert dict(aliases.common) == {"學生身分證號": "身分證號", "學年": "學年度"}
    assert dict(aliases.per_kind["clo"]) == {"成果序號": "成果編號", "上傳日期": "上傳時間"}

    resolver = HeaderResolver(aliases)
    clo = ["成果序號", "學年", "學期", "學生身分證號", "課程代碼", "成果簡述", "上傳日期", "認證狀態", "勾選"]
    found = resolver.find_header([clo], file=FILE)
    assert found is not None
    assert found[1].kind.name == "clo"
    assert found[1].positions["item_id"] == 0
    assert found[1].positions["academic_year"] == 1
    assert found[1].positions["national_id"] == 3
    assert found[1].positions["uploaded_at"] == 6
    # `all:` applies to every kind...
    students = ["學年", "學期", "學生身分證號", "學號", "姓名", "年級", "班級名稱", "座號", "學籍狀態"]
    found = resolver.find_header([students], file=FILE)
    assert found is not None and found[1].kind is STUDENTS
    # ... a kind's section to that kind only: 成果序號 means nothing to mp.
    mp = ["成果序號", "學年度", "身分證號", "類別", "名稱", "上傳時間", "勾選"]
    assert resolver.find_header([mp], file=FILE) is None
    # Without the file, none of it is known.
    assert HeaderResolver().find_header([clo], file=FILE) is None


def test_missing_alias_file_is_no_aliases(tmp_path: Path) -> None:
    assert Aliases.load(tmp_path / "none.yaml") == Aliases()
    assert Aliases.load(None) == Aliases()


def test_empty_alias_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert dict(Aliases.load(path).common) == {}


def test_alias_file_with_an_unknown_section(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("clos:\n  成果序號: 成果編號\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Aliases.load(path)
    assert info.value.message == "unknown section 'clos'"
    assert info.value.file == str(path)
    assert info.value.expected is not None and "students" in info.value.expected and "`all`" in info.value.expected


@pytest.mark.parametrize("text", ["all: [\n", "all:\n  a: b\n c: d\n", "\tall: x\n"])
def test_alias_file_with_bad_yaml(tmp_path: Path, text: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML") as info:
        Aliases.load(path)
    assert info.value.file == str(path)


@pytest.mark.parametrize("text, message", [
    ("- a\n- b\n", "must be a mapping"),
    ("all: 身分證號\n", "section 'all' must map"),
    ("clo:\n  - 成果序號\n", "section 'clo' must map"),
])
def test_alias_file_of_the_wrong_shape(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        Aliases.load(path)


def test_alias_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes("all:\n  學生身分證號: 身分證號\n".encode("cp950"))
    with pytest.raises(ConfigError, match="not valid YAML"):
        Aliases.load(path)


# --- the nearest kind ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind, missing", [(k, c) for k in KINDS for c in k.required],
                         ids=lambda x: x.name if isinstance(x, Kind) else x.header)
def test_missing_one_required_column_names_the_nearest_kind(kind: Kind, missing, resolver: HeaderResolver) -> None:
    row = [c.header for c in kind.columns if c is not missing] + [UNKNOWN]
    assert resolver.find_header([row], file=FILE) is None
    err = resolver.nearest_error([["title"], row], file=FILE, sheet="Sheet1")
    assert isinstance(err, UnknownKindError)
    assert err.nearest == kind.name
    assert err.missing == (missing.header,)
    assert err.row == 2
    assert err.sheet == "Sheet1"
    found = ", ".join(c.header for c in kind.columns if c is not missing)
    assert err.message == (f"matches no export kind; nearest is {kind.name} ({kind.label_zh}), "
                           f"missing column {missing.header}; found {found}")
    assert err.expected == "columns " + ", ".join(c.header for c in kind.required)


def test_missing_several_columns(resolver: HeaderResolver) -> None:
    row = header("mp", "item_id", "academic_year", "national_id", "category", "title", "summary")
    err = resolver.nearest_error([row], file=FILE)
    assert err.nearest == "mp"
    assert err.missing == ("上傳時間", "勾選")
    assert str(err) == (f"{FILE}, row 1: matches no export kind; nearest is mp (多元表現), "
                        "missing columns 上傳時間, 勾選; found 表現編號, 學年度, 身分證號, 類別, 名稱, 內容簡述 (expected columns 表現編號, 學年度, 身分證號, 類別, 名稱, "
                        "上傳時間, 勾選)")


def test_nearest_is_the_kind_sharing_most_columns(resolver: HeaderResolver) -> None:
    # A CLO header lacking 認證狀態 and 勾選 lacks fewer columns of `grades` (only 學期學業成績), yet
    # it is plainly a CLO file: the kind with the most columns in common is named.
    clo = KINDS_BY_NAME["clo"]
    row = [c.header for c in clo.columns if c.header not in ("認證狀態", "勾選")]
    err = resolver.nearest_error([row], file=FILE)
    assert err.nearest == "clo"
    assert err.missing == ("認證狀態", "勾選")


def test_nothing_like_any_kind(resolver: HeaderResolver) -> None:
    err = resolver.nearest_error([["name", "value"], ["a", "1"]], file=FILE)
    assert err.nearest is None
    assert err.missing == ()
    assert err.message == "no header row of any export kind in the first rows"
    assert err.expected is not None and err.expected.startswith("the header row of one of: students, courses")


# --- duplicates ----------------------------------------------------------------------------------
def test_duplicated_header(resolver: HeaderResolver) -> None:
    row = [c.header for c in STUDENTS.required] + ["學號"]
    with pytest.raises(DuplicateColumnError) as info:
        resolver.find_header([["title"], row], file=FILE, sheet="名冊")
    assert info.value.column == "學號"
    assert info.value.row == 2
    assert info.value.sheet == "名冊"
    assert info.value.file == str(FILE)
    assert info.value.code == "duplicate_column"


def test_a_header_and_its_alias_are_a_duplicate(resolver: HeaderResolver) -> None:
    row = [c.header for c in STUDENTS.required] + ["身分證字號"]
    with pytest.raises(DuplicateColumnError) as info:
        resolver.find_header([row], file=FILE)
    assert info.value.column == "身分證字號"


# --- cover sheets --------------------------------------------------------------------------------
@pytest.mark.parametrize("name, rows, cover", [
    ("封面", [["學校代碼", "140302"], ["學年度", "113"]], True),
    ("封面", [["國立臺東高級中學"]], True),
    ("Sheet1", [["學校代碼：140302"], ["名冊別：學生名冊"]], True),
    ("Sheet1", [[None, "學校名稱", "國立臺東高級中學"]], True),
    ("Sheet1", [], True),                                     # an empty sheet
    ("Sheet1", [[None, None], ["", ""]], True),
    ("Sheet1", [["說明"], ["本檔案由系統產生"]], False),      # free text is not a cover: it is an error
    # three or more known columns make a (faulty) data header, never a cover
    ("封面", [["學年度", "學期", "身分證號", "x"]], False),
    ("Sheet1", [["學校代碼", "140302"], ["學年度", "學期", "身分證號", "學號"]], False),
])
def test_is_cover_sheet(name: str, rows: list[list[str | None]], cover: bool, resolver: HeaderResolver) -> None:
    assert is_cover_sheet(name, rows, resolver) is cover
