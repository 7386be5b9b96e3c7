"""lpdata.readers.big: a big CSV read in batches gives what reading it whole gives.

The batch size is made tiny (1 to 7 rows) so that every case crosses batches: a key repeated in a
later batch, a repeat of a repeat, a key whose first row is unreadable, keys with empty parts,
extra cells, blank rows, a title row above the header, Big5, a byte-order mark.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from conftest import KEY, csv_bytes, header, make_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpdata.errors import InputFileError, UndecodableFileError, UnknownKindError
from lpdata.readers import Spill, SpilledRows, big, read_file, tables
from lpdata.readers.big import head_of
from lpdata.readers.detect import HeaderResolver
from lpdata.readers.ids import IdHasher
from lpdata.readers.tables import check_utf8, decode_csv_bytes

GRADE_COLUMNS = ("academic_year", "semester", "national_id", "course_code", "course_name", "score", "entered_at")
IDS = [make_id(f"A1{n:07d}") for n in range(6)] + ["A123", ""]  # the last two are not valid


def grades_rows(rng: random.Random, n: int) -> list[list[object]]:
    rows: list[list[object]] = []
    def bad(good: list[str], wrong: list[str]) -> str:  # mostly readable, sometimes not
        return rng.choice(wrong) if rng.random() < 0.08 else rng.choice(good)

    for _ in range(n):  # few distinct keys, so keys repeat, within a batch and across batches
        rows.append([
            bad(["113"], ["", "x"]), bad(["1", "上"], ["3"]), bad(IDS[:3], IDS[6:]),
            bad(["C1", "C2"], [""]), rng.choice(["數學", "英文", None]),
            bad(["80", "95.5", "-1"], ["abc", "101", ""]),
            bad(["113/10/24 14:03", "1131024", ""], ["2024-02-30"]),
        ])
        if rng.random() < 0.05:
            rows[-1] = rows[-1] + ["extra"]
        if rng.random() < 0.05:
            rows[-1] = [""] * len(GRADE_COLUMNS)  # a blank row
    return rows


def read_both(path: Path, tmp_path: Path, rows: int) -> tuple[object, big.BigCsv]:
    resolver, hasher = HeaderResolver(), IdHasher(KEY)
    whole = read_file(path, resolver=resolver, hasher=IdHasher(KEY))[0]
    from lpdata.readers import _unnamed_columns

    with Spill(tmp_path / "spill") as spill:
        got = big.read_big_csv(path, resolver=resolver, hasher=hasher, spill=spill, unnamed=_unnamed_columns,
                               rows=rows)
        got_rows = got.rows.collect()
    return whole, got, got_rows  # type: ignore[return-value]


def assert_same(whole, got, got_rows) -> None:  # type: ignore[no-untyped-def]
    assert got.kind == whole.kind
    assert got.sha256 == whole.sha256 and got.encoding == whole.encoding
    assert got.rows_read == whole.rows_read
    assert got.ignored == whole.ignored_columns
    assert got_rows.equals(whole.rows)
    assert got.rejects.equals(whole.rejects.sort("_row", maintain_order=True))


@pytest.mark.parametrize("batch", [1, 2, 3, 7, 1000])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batches_give_what_the_whole_file_gives(tmp_path: Path, batch: int, seed: int) -> None:
    rng = random.Random(seed)
    rows = [["成績名冊 113學年度"], header("grades", *GRADE_COLUMNS), *grades_rows(rng, 60)]
    path = tmp_path / "grades.csv"
    path.write_bytes(csv_bytes(rows))
    whole, got, got_rows = read_both(path, tmp_path, batch)
    assert whole.rejects.filter(pl.col("reason") == "duplicate_key").height > 3  # the case is exercised
    assert_same(whole, got, got_rows)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp950"])
def test_big5_and_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    rng = random.Random(7)
    rows = [header("grades", *GRADE_COLUMNS), *grades_rows(rng, 30)]
    path = tmp_path / "grades.csv"
    path.write_bytes(csv_bytes(rows, encoding))
    whole, got, got_rows = read_both(path, tmp_path, 4)
    assert whole.encoding == encoding
    assert_same(whole, got, got_rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(0, 40), batch=st.integers(1, 9))
def test_any_grades_file(tmp_path: Path, seed: int, n: int, batch: int) -> None:
    rows = [header("grades", *GRADE_COLUMNS), *grades_rows(random.Random(seed), n)]
    path = tmp_path / f"g{seed}-{n}-{batch}.csv"
    path.write_bytes(csv_bytes(rows))
    whole, got, got_rows = read_both(path, tmp_path, batch)
    assert_same(whole, got, got_rows)


def test_errors_are_those_of_the_whole_file(tmp_path: Path) -> None:
    resolver, hasher = HeaderResolver(), IdHasher(KEY)
    from lpdata.readers import _unnamed_columns

    cases = {
        "nul.csv": b"a,b\n" + b"x" * 5000 + b"\x00\n",
        "bad.csv": header_bytes() + b"113,1,\xff\xfe\xfd,C1,x,80\n",
        "bom.csv": b"\xef\xbb\xbf" + header_bytes() + b"113,1,\xff,C1,x,80\n",
        "unknown.csv": "名稱,數量\n甲,1\n".encode(),
        "quote.csv": header_bytes() + b'113,1,"A1,C1,x,80\n',
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputFileError) as whole:
            read_file(path, resolver=resolver, hasher=hasher)
        with Spill(tmp_path / "spill") as spill, pytest.raises(InputFileError) as got:
            big.read_big_csv(path, resolver=resolver, hasher=hasher, spill=spill, unnamed=_unnamed_columns, rows=2)
        assert type(got.value) is type(whole.value), name
        assert str(got.value) == str(whole.value), name
    assert isinstance(whole.value, InputFileError)
    assert UndecodableFileError and UnknownKindError  # the classes the cases above raise


def header_bytes() -> bytes:
    return (",".join(header("grades", "academic_year", "semester", "national_id", "course_code",
                            "course_name", "score")) + "\n").encode()


def test_read_file_spills_a_big_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [header("grades", *GRADE_COLUMNS), *grades_rows(random.Random(3), 50)]
    path = tmp_path / "grades.csv"
    path.write_bytes(csv_bytes(rows))
    monkeypatch.setattr(big, "BIG_CSV_BYTES", 100)
    monkeypatch.setattr(big, "CHUNK_ROWS", 5)
    whole = read_file(path, resolver=HeaderResolver(), hasher=IdHasher(KEY))[0]
    with Spill(tmp_path / "spill") as spill:
        export = read_file(path, resolver=HeaderResolver(), hasher=IdHasher(KEY), spill=spill)[0]
        assert isinstance(export.rows, SpilledRows) and export.rows.height == whole.rows.height
        assert export.rows.collect().equals(whole.rows)
        assert export.partitions == whole.partitions and export.newest_stamp == whole.newest_stamp
        assert list(spill.base.glob(".lp-ingest-*"))
    assert not list((tmp_path / "spill").glob(".lp-ingest-*"))  # removed


def test_parsing_each_distinct_text_once_is_the_same(demo_school, monkeypatch: pytest.MonkeyPatch) -> None:
    """type_rows parses a column by its distinct texts when they repeat enough: every file of the
    demo school read both ways gives the same rows and the same quarantine."""
    from lpdata.readers import rows

    summary, _, _ = demo_school
    monkeypatch.setattr(rows, "DISTINCT_MIN_ROWS", 0)
    quarantined = 0
    for path in sorted(summary.out.iterdir()):
        if path.suffix not in (".csv", ".xlsx"):
            continue
        monkeypatch.setattr(rows, "DISTINCT_SHARE", -1.0)  # never
        direct = read_file(path, resolver=HeaderResolver(), hasher=IdHasher(KEY))
        monkeypatch.setattr(rows, "DISTINCT_SHARE", 1.0)  # always
        by_text = read_file(path, resolver=HeaderResolver(), hasher=IdHasher(KEY))
        for a, b in zip(direct, by_text, strict=True):
            assert a.rows.equals(b.rows), path.name
            assert a.rejects.equals(b.rejects), path.name
            quarantined += a.rejects.height
    assert quarantined > 20  # bad rows are part of the case


#: Pieces of a file's bytes: ASCII, whole UTF-8 characters of 2-4 bytes, Big5 pairs, and bytes or
#: sequences no UTF-8 decoder accepts (a lone continuation, an overlong form, a surrogate, a cut
#: character, a lead byte that is never valid).
_PIECES = st.sampled_from([
    b"a", b",", b"\n", b" ", "中".encode(), "é".encode(), "😀".encode(), "１".encode(), "中".encode("cp950"),
    b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf5",
    b"\xff", b"\xe4", b"\xe4\xb8", b"\xf0\x9f", b"\xf0\x9f\x98",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_PIECES, min_size=1, max_size=40), bom=st.booleans(), read_bytes=st.integers(3, 9),
       head=st.integers(0, 8))
def test_decoding_in_pieces_is_decoding_whole(tmp_path: Path, pieces: list[bytes], bom: bool,
                                              read_bytes: int, head: int) -> None:
    """decode_csv_file reads `read_bytes` at a time (at least 3: the byte-order mark is in the first; Polars checks each piece's whole characters,
    a character cut by a piece's end waits for the next): the same encoding, text and error (the
    offset of the first bad byte) as decoding the whole file at once. `head`: the bytes Python
    checks before Polars does (64 KB in use; a few here, so that Polars checks the rest)."""
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(pieces)
    path = tmp_path / "f.csv"
    path.write_bytes(data)

    def outcome(read: Callable[[], tuple[str, bytes]]) -> tuple[str, bytes] | str:
        try:
            return read()
        except InputFileError as exc:
            return str(exc)

    whole = outcome(lambda: (lambda d: (d.encoding, d.data))(decode_csv_bytes(data, path)))
    with Spill(tmp_path / "spill") as spill:
        old = big.READ_BYTES, tables._UTF8_HEAD
        big.READ_BYTES, tables._UTF8_HEAD = read_bytes, head
        try:
            whole_again = outcome(lambda: (lambda d: (d.encoding, d.data))(decode_csv_bytes(data, path)))
            got = outcome(lambda: (lambda r: (r[1], head_of(r[0], r[1]).data + r[0].read_bytes()[1 << 20:]))(
                big.decode_csv_file(path, spill)))
        finally:
            big.READ_BYTES, tables._UTF8_HEAD = old
    assert got == whole == whole_again


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=64) | st.lists(_PIECES, max_size=20).map(b"".join), head=st.integers(0, 8))
def test_check_utf8_is_python_s_utf8(data: bytes, head: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Polars' check refuses exactly what Python's codec refuses, with Python's error (`head`: the
    bytes Python checks first, made small so that Polars checks the rest)."""
    monkeypatch.setattr(tables, "_UTF8_HEAD", head)
    try:
        data.decode("utf-8")
        expected: str | None = None
    except UnicodeDecodeError as exc:
        expected = str(exc)
    try:
        check_utf8(data)
        got: str | None = None
    except UnicodeDecodeError as exc:
        got = str(exc)
    assert got == expected
