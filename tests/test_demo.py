"""The demo school generator: deterministic, complete, messy on purpose, and calibrated.

Calibration is checked on the in-memory frames (`lpdata.demo._build`); the file-level checks read
the written files with plain csv / python-calamine / yaml, independently of the readers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from lpdata.contract import KINDS, KINDS_BY_NAME, SCHEDULE_MILESTONES
from lpdata.demo import DEFAULT_AS_OF, DemoSummary, _build, generate
from lpdata.demo import _ids, _words
from lpdata.demo._calendar import TERMS
from lpdata.readers.ids import is_valid_id

STUDENTS = 1000


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return _build(STUDENTS, 0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return generate(tmp_path_factory.mktemp("demo") / "exports", students=STUDENTS, seed=0)


# --- reading the files back, plainly ------------------------------------------------------------
def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp950"), "cp950"


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


def _files_of(demo: DemoSummary, kind: str) -> list[Path]:
    headers = [c.header for c in KINDS_BY_NAME[kind].columns]
    found = []
    for path in demo.files:
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
    assert set(demo.injected_bad_rows) == {p.name for p in demo.files}


def test_every_kind_has_a_file_with_the_contract_header(demo: DemoSummary) -> None:
    for kind in KINDS:
        files = _files_of(demo, kind.name)
        assert files, f"no file holds {kind.name}"
        assert sum(len(_table(f, kind.name)) for f in files) > 0, kind.name
    schedules = [p for p in demo.files if p.suffix == ".yaml"]
    assert len(schedules) == 1
    data = yaml.safe_load(schedules[0].read_text(encoding="utf-8"))
    assert list(data) == ["113-1", "113-2", "114-1", "114-2"]
    for milestones in data.values():
        assert list(milestones) == list(SCHEDULE_MILESTONES)
        assert all(isinstance(d, dt.date) for d in milestones.values())


def test_encodings_covers_and_title_rows(demo: DemoSummary) -> None:
    encodings = {p.name: _decode(p.read_bytes())[1] for p in demo.files if p.suffix == ".csv"}
    assert {"cp950", "utf-8-sig", "utf-8"} <= set(encodings.values())
    for name, enc in encodings.items():
        if enc == "cp950":  # really Big5, not UTF-8 that happens to decode
            raw = (demo.out / name).read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
    workbooks = [p for p in demo.files if p.suffix == ".xlsx"]
    covered_and_titled = []
    for path in workbooks:
        grids = _grids(path)
        if grids[0][0] != "封面":
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


def test_ids_in_files_valid_except_injected(demo: DemoSummary) -> None:
    for path in _files_of(demo, "students") + _files_of(demo, "submissions"):
        kind = "students" if path in _files_of(demo, "students") else "submissions"
        cells = [row["身分證號"] for row in _table(path, kind)]
        invalid = sum(not is_valid_id(c) for c in cells)
        assert invalid == demo.injected_by_reason[path.name].get("invalid_national_id", 0) > 0, path.name


def test_bad_rows_are_few_and_counted(demo: DemoSummary) -> None:
    for path in demo.files:
        bad, rows = demo.injected_bad_rows[path.name], demo.rows[path.name]
        assert bad == sum(demo.injected_by_reason[path.name].values())
        if rows >= 1000:
            assert 1 <= bad <= 0.005 * rows, path.name
    clo = next(p for p in demo.files if p.name.startswith("clo-"))
    impossible = sum(bool(re.match(r"\d+/02/30", r["上傳時間"])) for r in _table(clo, "clo"))
    assert impossible == demo.injected_by_reason[clo.name]["invalid_date"] > 0
    grades = _files_of(demo, "grades")[0]
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


def test_odd_receipt_summaries_normalise_to_the_submitted_one(demo: DemoSummary) -> None:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", s).split())

    for path in _files_of(demo, "receipts"):
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
