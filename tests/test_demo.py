"""The demo school generator: deterministic, complete, messy on purpose, and calibrated.

Calibration is checked on the in-memory frames (`lpdata.demo._build`); the file-level checks read
the written files with plain csv / python-calamine / yaml, independently of the readers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from lpdata.contract import KINDS, KINDS_BY_NAME, SCHEDULE_MILESTONES
from lpdata.demo import DEFAULT_AS_OF, DemoSummary, _build, _ids, _words, generate
from lpdata.demo._calendar import TERMS
from lpdata.readers.ids import is_valid_id

STUDENTS = 1000


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return _build(STUDENTS, 0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return generate(tmp_path_factory.mktemp("demo") / "exports", students=STUDENTS, seed=0)


@pytest.fixture(scope="module")
def data(demo: DemoSummary, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every data file by its name as the folder shows it (zip members unpacked to a scratch folder)."""
    out: dict[str, Path] = {}
    scratch = tmp_path_factory.mktemp("unzipped")
    for path in demo.files:
        if path.suffix != ".zip":
            out[path.name] = path
            continue
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                member = scratch / path.name / name
                member.parent.mkdir(parents=True, exist_ok=True)
                member.write_bytes(zf.read(name))
                out[f"{path.name}/{name}"] = member
    return out


# --- reading the files back, plainly ------------------------------------------------------------
def _eudc(err: UnicodeError) -> tuple[str, int]:
    """Windows' CP950 end-user-defined area (造字), which Python's cp950 lacks: lead bytes 0xFA-0xFE
    from U+E000, 0x8E-0xA0 from U+E311, 0x81-0x8D from U+EEB8; 157 trail bytes per lead."""
    assert isinstance(err, UnicodeDecodeError)
    lead, trail = err.object[err.start], err.object[err.start + 1]
    for first, last, base in ((0xFA, 0xFE, 0xE000), (0x8E, 0xA0, 0xE311), (0x81, 0x8D, 0xEEB8)):
        if first <= lead <= last and (0x40 <= trail <= 0x7E or 0xA1 <= trail <= 0xFE):
            t = trail - 0x40 if trail <= 0x7E else trail - 0xA1 + 63
            return chr(base + (lead - first) * 157 + t), err.start + 2
    raise err


codecs.register_error("test-demo-eudc", _eudc)


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp950", "test-demo-eudc"), "cp950"


def _grids(path: Path) -> list[tuple[str, list[list[str]]]]:
    """(sheet name, rows of text) for a CSV (one grid) or a workbook (one per sheet)."""
    if path.suffix == ".csv":
        text, _ = _decode(path.read_bytes())
        return [("", [row for row in csv.reader(io.StringIO(text, newline=""))])]
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [(name, [["" if c is None else str(c) for c in row]
                    for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)])
            for name in book.sheet_names]


def _table(path: Path, kind: str) -> list[dict[str, str]]:
    """Every data row below the kind's header row, in every sheet, as header -> cell."""
    headers = [c.header for c in KINDS_BY_NAME[kind].columns]
    out = []
    for _, rows in _grids(path):
        at = next((i for i, r in enumerate(rows) if r[:len(headers)] == headers), None)
        if at is None:
            continue
        out += [dict(zip(headers, r)) for r in rows[at + 1:] if any(r)]
    return out


def _files_of(data: dict[str, Path], kind: str) -> list[Path]:
    headers = [c.header for c in KINDS_BY_NAME[kind].columns]
    found = []
    for path in data.values():
        if path.suffix in (".csv", ".xlsx") and any(
                any(r[:len(headers)] == headers for r in rows[:5]) for _, rows in _grids(path)):
            found.append(path)
    return found


# --- determinism ------------------------------------------------------------------------------
def test_same_seed_same_bytes_and_another_seed_differs(demo: DemoSummary, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", students=STUDENTS, seed=0)
    assert [p.name for p in again.files] == [p.name for p in demo.files]
    for a, b in zip(demo.files, again.files):
        assert a.read_bytes() == b.read_bytes(), a.name
        if a.name in UPLOADED:  # the upload time, not the time the demo ran
            assert os.stat(a).st_mtime == os.stat(b).st_mtime, a.name
    assert again.injected_bad_rows == demo.injected_bad_rows
    other = generate(tmp_path / "other", students=STUDENTS, seed=1)
    differs = [a.name for a, b in zip(demo.files, other.files) if a.read_bytes() != b.read_bytes()]
    assert any(name.startswith("clo-") for name in differs)
    assert any("學生名冊" in name for name in differs)


# --- completeness and formats ---------------------------------------------------------------------
def test_summary(demo: DemoSummary) -> None:
    assert demo.as_of == DEFAULT_AS_OF == dt.date(2026, 7, 20)
    assert demo.exported_at == dt.datetime(2026, 7, 20, 18, 0)
    assert demo.students == STUDENTS and demo.seed == 0
    assert all(p.exists() and p.parent == demo.out for p in demo.files)
    assert sorted(p.name for p in demo.out.iterdir()) == sorted(p.name for p in demo.files)
    names = [p.name for p in demo.files if p.suffix != ".zip"] + [
        f"{p.name}/{m}" for p in demo.files if p.suffix == ".zip" for m in zipfile.ZipFile(p).namelist()]
    assert set(demo.injected_bad_rows) == set(demo.rows) == set(demo.injected_by_reason) == set(names)
    assert set(demo.injected_notices) <= set(names)


def test_every_kind_has_a_file_with_the_contract_header(demo: DemoSummary, data: dict[str, Path]) -> None:
    for kind in KINDS:
        files = _files_of(data, kind.name)
        assert files, f"no file holds {kind.name}"
        assert sum(len(_table(f, kind.name)) for f in files) > 0, kind.name
    schedules = [p for p in demo.files if p.suffix == ".yaml"]
    assert len(schedules) == 1
    data = yaml.safe_load(schedules[0].read_text(encoding="utf-8"))
    assert list(data) == ["113-1", "113-2", "114-1", "114-2"]
    for milestones in data.values():
        assert list(milestones) == list(SCHEDULE_MILESTONES)
        assert all(isinstance(d, dt.date) for d in milestones.values())


def test_encodings_covers_and_title_rows(demo: DemoSummary, data: dict[str, Path]) -> None:
    encodings = {name: _decode(p.read_bytes())[1] for name, p in data.items() if p.suffix == ".csv"}
    assert {"cp950", "utf-8-sig", "utf-8"} <= set(encodings.values())
    for name, enc in encodings.items():
        if enc == "cp950":  # really Big5, not UTF-8 that happens to decode
            raw = data[name].read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
    workbooks = [p for p in demo.files if p.suffix == ".xlsx"]
    covered_and_titled = []
    for path in workbooks:
        grids = _grids(path)
        if grids[0][0] != "封面" or grids[0][1][0] == list(NATIONAL_COVER):  # national covers: below
            continue
        labels = {row[0] for row in grids[0][1]}
        assert {"學校代碼", "學年度", "名冊別"} <= labels
        if all(sum(1 for c in rows[0] if c) == 1 for _, rows in grids[1:]):  # a title row above the header
            covered_and_titled.append(path.name)
    assert covered_and_titled, "a workbook with a cover sheet and a title row"
    clo = next(p for p in demo.files if p.name.startswith("clo-"))
    first_line = _decode(clo.read_bytes())[0].splitlines()[0]
    assert "," not in first_line and "課程學習成果" in first_line  # a title row in a CSV


def test_vocabularies_encode_in_big5(frames: dict[str, pl.DataFrame]) -> None:
    for s in _words.all_strings():
        s.encode("cp950")
    for col in ("name", "address"):
        "".join(frames["people"][col].to_list()).encode("cp950")


# --- IDs and bad rows ---------------------------------------------------------------------------
def test_ids_are_valid_unique_and_mixed(frames: dict[str, pl.DataFrame]) -> None:
    ids = frames["people"]["national_id"].to_numpy().astype("U10")
    assert _ids.valid(ids).all()
    assert len(set(ids.tolist())) == ids.size
    assert all(is_valid_id(i) for i in ids[:500])  # the readers agree
    second = Counter(i[1] for i in ids)
    assert second["1"] + second["2"] > 0.9 * ids.size
    assert second["8"] + second["9"] > 0 and second["A"] + second["B"] > 0  # both resident permits
    broken = _ids.break_check_digit(ids[:200].tolist(), np.random.default_rng(0))
    assert not _ids.valid(np.array(broken)).any()
    assert not any(is_valid_id(i) for i in broken)


def test_ids_in_files_valid_except_injected(demo: DemoSummary, data: dict[str, Path]) -> None:
    students = _files_of(data, "students")
    for path in students + _files_of(data, "submissions"):
        kind = "students" if path in students else "submissions"
        cells = [row["身分證號"] for row in _table(path, kind)]
        invalid = sum(not is_valid_id(c) for c in cells)
        assert invalid == demo.injected_by_reason[path.name].get("invalid_national_id", 0) > 0, path.name


#: Files whose rows were taken out of another file, bad rows and all (so they may hold none).
MOVED_FILES = ("7_學生課程學習成果名冊.xlsx", "學生自填多元表現名冊.xlsx", "ischool_學生資料匯出.xlsx")


def test_bad_rows_are_few_and_counted(demo: DemoSummary, data: dict[str, Path]) -> None:
    for name in data:
        bad, rows = demo.injected_bad_rows[name], demo.rows[name]
        assert bad == sum(demo.injected_by_reason[name].values())
        if rows >= 1000:
            assert (0 if name in MOVED_FILES else 1) <= bad <= 0.005 * rows, name
    clo = next(p for p in demo.files if p.name.startswith("clo-"))
    impossible = sum(bool(re.match(r"\d+/02/30", r["上傳時間"])) for r in _table(clo, "clo"))
    assert impossible == demo.injected_by_reason[clo.name]["invalid_date"] > 0
    grades = _files_of(data, "grades")[0]
    scores = [r["學期學業成績"] for r in _table(grades, "grades")]
    words = sum(not re.fullmatch(r"-?\d+", s) for s in scores)
    assert words == demo.injected_by_reason[grades.name]["invalid_number"] > 0
    assert "-1" in scores  # "none" spelled as platforms do


# --- calibration --------------------------------------------------------------------------------
def _enrolled(frames: dict[str, pl.DataFrame], year: int) -> pl.DataFrame:
    """Students enrolled (在學) in semester 1 of the year."""
    return frames["students"].filter(
        (pl.col("academic_year") == year) & (pl.col("semester") == 1) & (pl.col("status") == "在學")
    ).select("student").unique()


@pytest.mark.parametrize("kind, share, mean_range", [("課程學習成果", 0.29, (4.5, 6.0)), ("多元表現", 0.47, (6.0, 8.5))])
def test_calibration_per_academic_year(frames: dict[str, pl.DataFrame], kind: str, share: float,
                                       mean_range: tuple[float, float]) -> None:
    subs = frames["submissions"].filter(pl.col("kind").cast(pl.String) == kind)
    for year in (113, 114):
        enrolled = _enrolled(frames, year)
        counts = subs.filter(pl.col("academic_year") == year).group_by("student").len()
        counts = enrolled.join(counts, on="student", how="left").with_columns(pl.col("len").fill_null(0))
        none = (counts["len"] == 0).mean()
        assert abs(none - share) <= 0.05, (kind, year, none)
        mean = counts.filter(pl.col("len") > 0)["len"].mean()
        assert mean_range[0] <= mean <= mean_range[1], (kind, year, mean)


def test_quotas_are_breached_by_a_handful(frames: dict[str, pl.DataFrame]) -> None:
    uploads = frames["clo"].filter(pl.col("deleted_at").is_null()).group_by("student", "term").len()
    over_upload = (uploads["len"] > 10).sum()
    assert 1 <= over_upload <= 0.01 * uploads.height
    subs = frames["submissions"].with_columns(pl.col("kind").cast(pl.String))
    per_year = subs.group_by("student", "academic_year", "kind").len()
    assert per_year.filter((pl.col("kind") == "課程學習成果") & (pl.col("len") > 6)).height >= 1
    assert per_year.filter((pl.col("kind") == "多元表現") & (pl.col("len") > 10)).height >= 1


def test_certification_timing(frames: dict[str, pl.DataFrame], demo: DemoSummary) -> None:
    schedule = yaml.safe_load((demo.out / "期程.yaml").read_text(encoding="utf-8"))
    due = pl.DataFrame({"term_key": list(schedule), "certify_due": [m["clo_certify_due"] for m in schedule.values()]})
    clo = frames["clo"].with_columns(pl.format("{}-{}", "academic_year", "semester").alias("term_key"))
    clo = clo.join(due, on="term_key")
    late = clo.filter(pl.col("certified_at").dt.date() > pl.col("certify_due"))
    assert late.height > 0.01 * clo.height
    decided = clo.filter(pl.col("certified_at").is_not_null())
    fast = (decided["certified_at"] - decided["uploaded_at"]).dt.total_days() <= 7
    assert fast.mean() > 0.7  # mostly within days
    status = Counter(frames["clo"]["cert_status"].cast(pl.String).to_list())
    assert status["待認證"] > 0 and status["認證未通過"] > 0 and status["認證通過"] > 0.8 * clo.height
    assert (frames["clo"].filter(pl.col("cert_status").cast(pl.String) == "待認證")["certified_at"].is_null()).all()
    selected = frames["clo"].filter(pl.col("selected"))
    assert (selected["selected_at"].is_not_null()).all()
    assert frames["clo"]["deleted_at"].is_not_null().sum() > 0


def test_deadline_day_surge(frames: dict[str, pl.DataFrame], demo: DemoSummary) -> None:
    schedule = yaml.safe_load((demo.out / "期程.yaml").read_text(encoding="utf-8"))
    for key, milestones in schedule.items():
        year, sem = map(int, key.split("-"))
        days = frames["clo"].filter((pl.col("academic_year") == year) & (pl.col("semester") == sem))[
            "uploaded_at"].dt.date().to_list()
        busiest, _ = Counter(days).most_common(1)[0]
        due = milestones["clo_upload_due"]
        assert due - dt.timedelta(days=2) <= busiest <= due, (key, busiest, due)


def test_nothing_is_dated_after_as_of(frames: dict[str, pl.DataFrame]) -> None:
    exported = dt.datetime.combine(DEFAULT_AS_OF, dt.time(18))
    for name, frame in frames.items():
        for col, dtype in frame.schema.items():
            if (name, col) in (("proxies", "ends_on"), ("courses", "grades_entered_at")):
                continue
            if dtype == pl.Date:
                assert (frame[col].drop_nulls() <= DEFAULT_AS_OF).all(), (name, col)
            elif isinstance(dtype, pl.Datetime):
                assert (frame[col].drop_nulls() <= exported).all(), (name, col)


def test_an_earlier_as_of_cuts_the_history() -> None:
    as_of = dt.date(2025, 3, 1)
    early = _build(200, 3, as_of)
    assert sorted(early["students"]["term"].unique().to_list()) == [0, 1]
    assert "畢業" not in early["students"]["status"].to_list()  # graduation is in June
    assert early["clo"]["uploaded_at"].max() <= dt.datetime(2025, 3, 1, 18)
    assert set(early["receipts"]["receipt_batch"].cast(pl.String).unique().to_list()) == set()  # none back yet


# --- the states the views must find ---------------------------------------------------------------
def test_reconciliation_states_exist(frames: dict[str, pl.DataFrame]) -> None:
    subs, receipts = frames["submissions"], frames["receipts"]
    # 114-2 was submitted, its receipt batch is not back yet.
    assert subs.filter(pl.col("term") == 3).height > 0
    assert receipts.filter(pl.col("term") == 3).height == 0
    # Selected but never submitted.
    submitted = set(subs["item_id"].to_list())
    selected = frames["clo"].filter(pl.col("selected"))["item_id"].to_list()
    assert 0 < sum(i not in submitted for i in selected) < 0.05 * len(selected)
    # Lines that match nothing, submitted items without a line, lines printed with odd spacing.
    assert receipts["extra"].sum() >= 1 and receipts.filter("extra")["matches_item"].is_null().all()
    received = set(receipts["matches_item"].drop_nulls().to_list())
    sent_back = subs.filter(pl.col("term") < 3)["item_id"].to_list()
    assert 0 < sum(i not in received for i in sent_back) < 0.02 * len(sent_back)
    assert receipts["odd_spacing"].sum() >= 1
    # Submitted while uncertified.
    clo = frames["clo"].join(subs.select("item_id", "submitted_at"), on="item_id")
    assert clo.filter(pl.col("certified_at").is_null() | (pl.col("certified_at") > pl.col("submitted_at"))).height >= 1


def test_odd_receipt_summaries_normalise_to_the_submitted_one(data: dict[str, Path]) -> None:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", s).split())

    for path in _files_of(data, "receipts"):
        summaries = [r["簡述"] for r in _table(path, "receipts")]
        odd = [s for s in summaries if s != s.strip() or norm(s) != s]
        assert odd, path.name
        assert all(norm(s) != s and norm(s) == norm(norm(s)) for s in odd)


def test_confirmations_staff_and_records(frames: dict[str, pl.DataFrame]) -> None:
    conf = frames["confirmations"]
    states = Counter(conf["state"].to_list())
    assert states["確認無誤"] > states["未確認"] > 0 and states["回報有誤"] > 0
    reported = conf.filter(pl.col("state") == "回報有誤")
    assert reported["school_finding"].is_null().any() and reported["school_finding"].is_not_null().any()
    # Students who left before the confirmation window mostly never confirm (R-LEFT-MAIL).
    roster = frames["students"]
    gone_on = roster.filter(pl.col("status") != "在學").group_by("student").agg(pl.col("status_changed_on").min())
    windows = {f"R{y}{s}{k}": d for (y, s, d) in [(t.year, t.semester, t.due("receipt_confirm_from"))
                                                  for t in TERMS] for k in "CM"}
    left = conf.join(gone_on, on="student").filter(
        pl.col("status_changed_on") < pl.col("receipt_batch").replace_strict(windows, return_dtype=pl.Date))
    assert left.height >= 10 and (left["state"] == "未確認").mean() > 0.5
    # Teachers who left: some with a proxy, some without and items still waiting for them.
    staff = frames["staff"]
    departed = staff.filter(pl.col("left_on").is_not_null() | pl.col("disabled_on").is_not_null())
    assert departed.height >= 4
    proxied = set(frames["proxies"]["original_code"].to_list())
    assert proxied and set(departed["teacher_code"].to_list()) - proxied
    pending = frames["clo"].filter(pl.col("cert_status").cast(pl.String) == "待認證")
    assert pending.filter(pl.col("teacher_code").cast(pl.String).is_in(departed["teacher_code"].implode())).height > 0
    # Roles, meetings, trainings, attendance codes.
    roles = ",".join(staff["roles"].to_list())
    for zh in ("教務主任", "註冊組長", "註冊組幹事", "訓育組長", "任課教師", "導師", "課程諮詢教師"):
        assert zh in roles
    meetings = frames["meetings"]["date"]
    assert not meetings.is_between(dt.date(2025, 2, 1), dt.date(2025, 7, 31)).any()  # none in 113-2
    assert meetings.is_between(dt.date(2024, 8, 1), dt.date(2025, 1, 31)).any()
    assert set(frames["trainings"]["type"].to_list()) == {"選課說明會", "新生說明會", "系統操作說明", "教師研習", "親師說明"}
    assert set(frames["consultations"]["mode"].cast(pl.String).to_list()) == {"團體", "個別"}
    assert set(frames["cadres"]["entered_by_unit"].to_list()) == {"訓育組", "活動組"}
    assert {"01", "02", "03", "12"} <= set(frames["attendance"]["absence_code"].cast(pl.String).to_list())


def test_roster_moves_students_up_and_out(frames: dict[str, pl.DataFrame]) -> None:
    roster = frames["students"]
    statuses = set(roster["status"].to_list())
    assert statuses == {"在學", "畢業", "轉出", "休學", "退學"}
    changed = roster.filter(pl.col("status") != "在學")
    assert changed["status_changed_on"].is_not_null().all()
    assert roster.filter(pl.col("term") == 1)["verified_on"].is_null().all()  # 113-2 never re-verified
    assert roster.filter(pl.col("term") == 0)["verified_on"].is_not_null().all()
    one = roster.filter((pl.col("status") == "在學") & (pl.col("term") == 0) & (pl.col("grade") == 1))["student"][0]
    grades = roster.filter(pl.col("student") == one).sort("term")["grade"].to_list()
    assert grades[:4] == [1, 1, 2, 2]
    assert sorted(roster["class_name"].unique().to_list())[:2] == ["101", "102"]


# --- the layouts schools really hold (exports.md v2; /work/wt/DOSSIER.md) ---------------------------
NATIONAL_COVER = ("學校代碼", "學年度", "學期", "名冊別")
CLO_BOOK, MP_BOOK, ISCHOOL = "7_學生課程學習成果名冊.xlsx", "學生自填多元表現名冊.xlsx", "ischool_學生資料匯出.xlsx"
UPLOADED = (CLO_BOOK, MP_BOOK)
TAIPEI = dt.timezone(dt.timedelta(hours=8))
#: MP sheet -> (contract category, the sheet's columns after 身分證號 · 出生日期, its title column).
MP_LAYOUT = {
    "幹部經歷暨事蹟紀錄": ("幹部經歷", "單位名稱 開始日期 結束日期 擔任職務 內容簡述 幹部等級", "擔任職務"),
    "競賽參與紀錄": ("競賽參與", "競賽名稱 項目 競賽等級代碼 獎項 結果公布日期 內容簡述 團體參與代碼", "競賽名稱"),
    "檢定證照紀錄": ("檢定證照", "證照代碼 註1 分數 分項結果 取得證照日期 證照字號 檢定組別 內容簡述", "證照代碼"),
    "服務學習紀錄": ("志工服務", "服務名稱 服務單位 開始日期 結束日期 時數 內容簡述", "服務名稱"),
    "彈性學習時間紀錄": ("彈性學習", "彈性學習時間類別種類代碼 內容開設名稱 開設單位 開設學年度 開設學期 每週節數 開設週數 內容簡述",
                  "內容開設名稱"),
    "團體活動時間紀錄": ("團體活動", "團體活動時間類別代碼 辦理單位 團體活動內容名稱 活動學年度 活動學期 節數 內容簡述", "團體活動內容名稱"),
    "職場學習紀錄": ("職場學習", "職場學習類別代碼 職場學習單位 職場學習職稱 開始日期 結束日期 時數 內容簡述", "職場學習單位"),
    "作品成果紀錄": ("作品成果", "名稱 日期 內容簡述", "名稱"),
    "大學及技專校院先修課程紀錄": ("大學及技專校院先修課程", "計畫專案 開設單位 課程名稱 開始日期 結束日期 學分數 總時數 內容簡述",
                      "課程名稱"),
    "其他多元表現紀錄": ("其他多元表現", "名稱 主辦單位 開始日期 結束日期 時數 內容簡述", "名稱"),
}


def _roc7(d: dt.date) -> str:
    return f"{d.year - 1911:03d}{d:%m%d}"


def _held(frames: dict[str, pl.DataFrame], kind: str) -> pl.DataFrame:
    """The submission rows of the kind's newest batch (the one kept only as the uploaded workbook)."""
    subs = frames["submissions"].filter(pl.col("kind").cast(pl.String) == kind)
    newest = subs.sort("submitted_at")["batch_id"].cast(pl.String)[-1]
    return subs.filter(pl.col("batch_id").cast(pl.String) == newest)


def _people(frames: dict[str, pl.DataFrame]) -> dict[str, tuple[int, dt.date]]:
    p = frames["people"]
    return dict(zip(p["national_id"].to_list(), zip(p["student"].to_list(), p["birth_date"].to_list())))


def _cover(grids: list[tuple[str, list[list[str]]]]) -> list[list[str]]:
    name, rows = grids[0]
    assert name == "封面"
    return rows


def test_uploaded_batches_leave_the_submissions_file(demo: DemoSummary, frames: dict[str, pl.DataFrame]) -> None:
    listed = {r["提交批次"] for r in _table(demo.out / "提交紀錄.csv", "submissions")}
    for kind, book in (("課程學習成果", CLO_BOOK), ("多元表現", MP_BOOK)):
        held = _held(frames, kind)
        batch = held["batch_id"].cast(pl.String)[0]
        assert batch.startswith("S1142") and batch not in listed
        assert demo.rows[book] == held.height  # every item of the batch, once
        # The file's modification time is the batch's upload time (what ingest takes without --exported-at).
        sent = held["submitted_at"][0].replace(tzinfo=TAIPEI)
        assert os.stat(demo.out / book).st_mtime == sent.timestamp()
    assert {b for b in frames["submissions"]["batch_id"].cast(pl.String).unique().to_list()
            if not b.startswith("S1142")} <= listed


def test_clo_workbook_is_the_national_template(demo: DemoSummary, frames: dict[str, pl.DataFrame]) -> None:
    grids = _grids(demo.out / CLO_BOOK)
    assert [name for name, _ in grids] == ["封面", "學期課程學習成果"]
    cover = _cover(grids)
    assert cover[0] == list(NATIONAL_COVER) and len(cover) == 2  # horizontal: one header row, one value row
    assert cover[1][:3] == [_words.SCHOOL_CODE, "114", "2"] and float(cover[1][3]) == 26
    rows = grids[1][1]
    assert rows[0] == ["身分證號", "出生日期", "科目代碼", "開課年級", "科目學分", "課程學習成果檔案", "課程學習成果簡述",
                       "課程學習成果影音連結"]
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert len(body) == demo.rows[CLO_BOOK]
    people = _people(frames)
    clo = frames["clo"].filter(pl.col("term") == 3)
    platform = set(zip(frames["people"]["national_id"].gather(clo["student"]).to_list(),
                       clo["course_code"].cast(pl.String).to_list(), clo["summary"].cast(pl.String).to_list()))
    invalid = 0
    for r in body:
        assert re.fullmatch(r"\d{7}", r["出生日期"]) and len(r["科目代碼"]) == 23
        if not is_valid_id(r["身分證號"]):
            invalid += 1
            continue
        assert r["出生日期"] == _roc7(people[r["身分證號"]][1])
        # Every row matches a platform item on the receipt-matching key (學年度 from the cover).
        assert (r["身分證號"], r["科目代碼"], r["課程學習成果簡述"]) in platform
    assert invalid == demo.injected_by_reason[CLO_BOOK].get("invalid_national_id", 0)


def test_mp_workbook_has_one_sheet_per_category(demo: DemoSummary, frames: dict[str, pl.DataFrame]) -> None:
    grids = _grids(demo.out / MP_BOOK)
    assert [name for name, _ in grids] == ["封面", *MP_LAYOUT]
    cover = _cover(grids)
    assert cover[0] == list(NATIONAL_COVER) and len(cover) == 2
    assert cover[1][:3] == [_words.SCHOOL_CODE, "114", "0"] and float(cover[1][3]) == 25  # 學期 0: the whole year
    mp = frames["mp"].filter(pl.col("academic_year") == 114)
    platform = set(zip(frames["people"]["national_id"].gather(mp["student"]).to_list(),
                       mp["category"].cast(pl.String).to_list(), mp["title"].cast(pl.String).to_list(),
                       mp["summary"].cast(pl.String).to_list()))
    people = _people(frames)
    total = invalid = 0
    for name, rows in grids[1:]:
        category, columns, title = MP_LAYOUT[name]
        assert rows[0] == ["身分證號", "出生日期", *columns.split()], name  # no 類別, no 學年度/學期 column
        for r in (dict(zip(rows[0], r)) for r in rows[1:]):
            total += 1
            if not is_valid_id(r["身分證號"]):
                invalid += 1
                continue
            assert r["出生日期"] == _roc7(people[r["身分證號"]][1])
            shown = f"{r['單位名稱']}-{r['擔任職務']}" if category == "幹部經歷" else r[title]  # 單位-職務
            assert (r["身分證號"], category, shown, r["內容簡述"]) in platform, (name, r)
        assert len(rows) > 1, name  # at this size every category has items
    assert total == demo.rows[MP_BOOK] and invalid == demo.injected_by_reason[MP_BOOK].get("invalid_national_id", 0)


def test_ischool_export_holds_part_of_the_term_roster(demo: DemoSummary, frames: dict[str, pl.DataFrame]) -> None:
    [(_sheet, rows)] = _grids(demo.out / ISCHOOL)
    assert rows[0] == ["學生系統編號", "學號", "班級", "座號", "科別", "姓名", "學年度", "學期", "年級", "身分證號", "性別", "生日",
                       "在學狀態"]
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert len(body) == demo.rows[ISCHOOL]
    assert {(r["學年度"], r["學期"], r["年級"]) for r in body} == {("114", "2", "3")}
    words = Counter(r["在學狀態"] for r in body)
    assert set(words) <= {"一般", "延修", "休學", "輟學", "畢業或離校"} and words["畢業或離校"] > 0.8 * len(body)
    assert {r["性別"] for r in body} == {"男", "女"}
    assert all(re.fullmatch(r"20\d\d/\d\d/\d\d", r["生日"]) for r in body)
    # Excel's replaced character: one `?` inside one name, on a row that is loaded.
    odd = [r for r in body if "?" in r["姓名"]]
    assert len(odd) == 1 and len(odd[0]["姓名"]) >= 2 and is_valid_id(odd[0]["身分證號"])
    assert demo.injected_notices[ISCHOOL] == {"replaced_character": 1}
    invalid = sum(not is_valid_id(r["身分證號"]) for r in body)
    assert invalid == demo.injected_by_reason[ISCHOOL].get("invalid_national_id", 0)
    # The rest of 114-2 is in the platform roster: together the two files hold the term's roster once.
    platform = [r for r in _table(demo.out / "stu_roster_114.csv", "students") if r["學期"] == "2"]
    assert not [r for r in platform if r["年級"] == "3" and r["學籍狀態"] != "轉出"]
    term = frames["students"].filter(pl.col("term") == 3)
    assert len(platform) + len(body) == term.height
    numbers = {r["學號"] for r in platform} | {r["學號"] for r in body}
    assert numbers == set(frames["people"]["student_no"].gather(term["student"]).to_list())


def test_big5_roster_holds_one_eudc_name(demo: DemoSummary, frames: dict[str, pl.DataFrame]) -> None:
    name = "學生名冊_113學年度.csv"
    raw = (demo.out / name).read_bytes()
    assert raw.count(b"\xfa\x40") == 1  # 造字: the first end-user-defined code, written raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp950")  # Python's cp950 has no 造字 area
    rows = _table(demo.out / name, "students")
    odd = [r for r in rows if "\ue000" in r["姓名"]]
    assert len(odd) == 1 and odd[0]["姓名"].endswith("\ue000")  # Windows decodes 0xFA40 to U+E000
    assert is_valid_id(odd[0]["身分證號"])  # the row is loaded, not bad
    students = dict(zip(frames["people"]["national_id"].to_list(), frames["people"]["name"].to_list()))
    assert odd[0]["姓名"][:-1] == students[odd[0]["身分證號"]][:-1]
    assert demo.injected_notices[name] == {"eudc_character": 1}
    assert set(demo.injected_notices) == {name, ISCHOOL}


def test_receipts_come_in_a_zip(demo: DemoSummary) -> None:
    path = demo.out / "收訖明細.zip"
    assert path in demo.files
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["收訖明細_課程學習成果.csv", "收訖明細_多元表現.csv"]
        for info in infos:
            assert info.flag_bits & 0x800  # the name is UTF-8
            assert info.date_time == demo.exported_at.timetuple()[:6]  # fixed: same seed, same bytes
            assert info.compress_type == zipfile.ZIP_DEFLATED
            text, _ = _decode(zf.read(info))
            assert text.splitlines()[0].startswith("收訖批次,")
            assert demo.rows[f"收訖明細.zip/{info.filename}"] == len(text.splitlines()) - 1
    assert not (demo.out / "收訖明細_課程學習成果.csv").exists()


def test_kept_layouts_follow_the_export_moment(tmp_path: Path) -> None:
    """In March 2025 only 113-1's CLO batch has gone out: it is the uploaded workbook, and the
    ischool export holds 113-2's grade 3 (still enrolled: 一般) out of the 113 roster."""
    early = generate(tmp_path / "early", students=200, seed=5, as_of=dt.date(2025, 3, 1))
    names = {p.name for p in early.files}
    assert CLO_BOOK in names and MP_BOOK not in names  # 113-1's MP batch went out on 3/10
    cover = _cover(_grids(early.out / CLO_BOOK))
    assert cover[1][1:3] == ["113", "1"]
    [(_, rows)] = _grids(early.out / ISCHOOL)
    assert {(r[6], r[7], r[8], r[12]) for r in rows[1:]} == {("113", "2", "3", "一般")}
    assert early.rows[ISCHOOL] == len(rows) - 1 > 0
    roster = _table(early.out / "學生名冊_113學年度.csv", "students")
    assert not [r for r in roster if r["學期"] == "2" and r["年級"] == "3" and r["學籍狀態"] != "轉出"]
