"""Zip archives in an export folder (v2): members read as files of the folder, named through the zip."""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

import pytest
from conftest import csv_bytes, write_xlsx
from test_read_file import expected_students, student_rows

from lpdata.errors import InputFileError, NotAnExportError
from lpdata.readers import HeaderResolver, IdHasher, Spill, archive, read_file, reads_in_batches, scan_folder

WHEN = (2025, 2, 24, 16, 30, 0)


def write_zip(path: Path, members: dict[str, bytes], *, utf8_flag: bool = True) -> Path:
    """A zip as Windows' 「傳送到 > 壓縮的資料夾」 writes it (utf8_flag=False: names in Big5 bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=WHEN)
            info.compress_type = zipfile.ZIP_DEFLATED
            book.writestr(info, data)
    if not utf8_flag:
        _to_big5_names(path)
    return path


def _to_big5_names(path: Path) -> None:
    """Rewrite the names as Big5 bytes with the UTF-8 flag (bit 11) cleared, in both headers."""
    data = bytearray(path.read_bytes())
    out = bytearray()
    with zipfile.ZipFile(path) as book:
        infos = book.infolist()
    # Rebuild by hand: local headers, then the central directory, names replaced.
    offsets = {}
    pos = 0
    for info in infos:
        sig, ver, flag, method, mtime, mdate, crc, csize, usize, nlen, xlen = struct.unpack(
            "<IHHHHHIIIHH", data[pos:pos + 30])
        name = bytes(data[pos + 30:pos + 30 + nlen]).decode("utf-8").encode("cp950")
        body = data[pos + 30 + nlen:pos + 30 + nlen + xlen + csize]
        offsets[info.filename] = len(out)
        out += struct.pack("<IHHHHHIIIHH", sig, ver, flag & ~0x800, method, mtime, mdate, crc, csize, usize,
                           len(name), xlen) + name + body
        pos += 30 + nlen + xlen + csize
    cd_start = len(out)
    for info in infos:
        fields = list(struct.unpack("<IHHHHHHIIIHHHHHII", data[pos:pos + 46]))
        nlen, xlen, clen = fields[10], fields[11], fields[12]
        name = bytes(data[pos + 46:pos + 46 + nlen]).decode("utf-8").encode("cp950")
        rest = data[pos + 46 + nlen:pos + 46 + nlen + xlen + clen]
        fields[3] &= ~0x800
        fields[10] = len(name)
        fields[16] = offsets[info.filename]
        out += struct.pack("<IHHHHHHIIIHHHHHII", *fields) + name + rest
        pos += 46 + nlen + xlen + clen
    end = list(struct.unpack("<IHHHHIIH", data[pos:pos + 22]))
    end[5], end[6] = len(out) - cd_start, cd_start
    out += struct.pack("<IHHHHIIH", *end)
    path.write_bytes(bytes(out))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    root.mkdir()
    write_zip(root / "匯出.zip", {
        "學生名冊.csv": csv_bytes(student_rows(), "cp950"),
        "readme.pdf": b"%PDF-1.4",
        "說明.txt": "請上傳".encode(),
        "__MACOSX/._學生名冊.csv": b"\x00\x05\x16\x07",
        ".DS_Store": b"\x00",
        "子資料夾/": b"",
    })
    return root


def test_members_are_files_of_the_folder(folder: Path) -> None:
    scan = scan_folder(folder)
    z = folder / "匯出.zip"
    assert scan.files == (z / "學生名冊.csv", z / "說明.txt")
    assert set(scan.ignored) == {z / ".DS_Store", z / "__MACOSX/._學生名冊.csv", z / "readme.pdf"}


def test_a_member_reads_like_the_file(folder: Path, tmp_path: Path, hasher: IdHasher) -> None:
    member = folder / "匯出.zip" / "學生名冊.csv"
    [export] = read_file(member, resolver=HeaderResolver(), hasher=hasher)
    plain = tmp_path / "學生名冊.csv"
    plain.write_bytes(csv_bytes(student_rows(), "cp950"))
    [same] = read_file(plain, resolver=HeaderResolver(), hasher=hasher)
    assert export.file == member
    assert export.rows.to_dicts() == expected_students(hasher)
    assert export.sha256 == same.sha256 and export.encoding == "cp950"
    assert export.modified_at == dt.datetime(*WHEN)


def test_a_text_member_with_no_export_is_ignored(folder: Path, hasher: IdHasher) -> None:
    with pytest.raises(NotAnExportError) as info:
        read_file(folder / "匯出.zip" / "說明.txt", resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(folder / "匯出.zip" / "說明.txt")


def test_big5_member_names_without_the_utf8_flag(tmp_path: Path, hasher: IdHasher) -> None:
    z = write_zip(tmp_path / "匯出.zip", {"學生名冊.csv": csv_bytes(student_rows()),
                                        "資料/學生名冊2.csv": csv_bytes(student_rows())}, utf8_flag=False)
    with zipfile.ZipFile(z) as book:
        assert not any(i.flag_bits & 0x800 for i in book.infolist())
        assert book.namelist()[0] != "學生名冊.csv"  # Python reads the Big5 bytes as CP437
    assert [m.name for m in archive.members(z)] == ["學生名冊.csv", "資料/學生名冊2.csv"]
    assert scan_folder(z).files == (z / "學生名冊.csv", z / "資料/學生名冊2.csv")
    [export] = read_file(z / "資料/學生名冊2.csv", resolver=HeaderResolver(), hasher=hasher)
    assert export.rows.height == 3


def test_an_xlsx_member(tmp_path: Path, hasher: IdHasher) -> None:
    book = write_xlsx(tmp_path / "b.xlsx", {"學生": student_rows()})
    z = write_zip(tmp_path / "x.zip", {"名冊/學生.xlsx": book.read_bytes()})
    [export] = read_file(z / "名冊/學生.xlsx", resolver=HeaderResolver(), hasher=hasher)
    assert export.rows.height == 3 and export.sheets == ("學生",)


def test_a_bad_member_is_an_error_naming_it(tmp_path: Path, hasher: IdHasher) -> None:
    z = write_zip(tmp_path / "x.zip", {"a.csv": b"a,b,c\r\n1,2,3\r\n"})
    with pytest.raises(InputFileError) as info:
        read_file(z / "a.csv", resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(z / "a.csv")
    assert str(tmp_path / "x.zip") in str(info.value)


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really", b"not a zip at all", b""])
def test_a_corrupt_zip_is_a_file_error_naming_it(tmp_path: Path, hasher: IdHasher, data: bytes) -> None:
    root = tmp_path / "f"
    root.mkdir()
    z = root / "壞掉.zip"
    z.write_bytes(data)
    assert scan_folder(root).files == (z,)
    with pytest.raises(InputFileError) as info:
        read_file(z, resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(z) and "zip" in str(info.value)


def test_a_damaged_member_is_an_error_naming_it(tmp_path: Path, hasher: IdHasher) -> None:
    z = write_zip(tmp_path / "x.zip", {"s.csv": csv_bytes(student_rows() * 20)})
    data = bytearray(z.read_bytes())
    data[60] ^= 0xFF  # inside the compressed data: its checksum fails
    z.write_bytes(bytes(data))
    with pytest.raises(InputFileError) as info:
        read_file(z / "s.csv", resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(z / "s.csv")


def test_a_member_whose_header_offset_points_before_the_file_is_an_error_naming_it(
        tmp_path: Path, hasher: IdHasher) -> None:
    """A damaged central directory (its start said to lie further on than it does) makes zipfile seek
    to a negative offset: an OSError (EINVAL) from the member, not a reader crash (found by the fuzz test)."""
    z = write_zip(tmp_path / "x.zip", {"s.csv": csv_bytes(student_rows())})
    data = bytearray(z.read_bytes())
    end = data.rfind(b"PK\x05\x06")  # end of central directory: its offset field is at +16
    (offset,) = struct.unpack_from("<I", data, end + 16)
    struct.pack_into("<I", data, end + 16, offset + 1000)
    z.write_bytes(bytes(data))
    with pytest.raises(InputFileError) as info:
        read_file(z / "s.csv", resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(z / "s.csv")
    assert "damaged" in info.value.message


def test_a_member_of_a_zip_whose_end_record_is_damaged_is_an_error_naming_the_member(
        tmp_path: Path, hasher: IdHasher) -> None:
    """The archive cannot even be opened (its end-of-central-directory signature damaged): reading a
    member through it names the member, as every other error of a member does (found by the fuzz
    test: the error named the zip)."""
    z = write_zip(tmp_path / "x.zip", {"匯出/grades.txt": csv_bytes(student_rows())})
    data = bytearray(z.read_bytes())
    data[data.rfind(b"PK\x05\x06") + 2] ^= 0x01
    z.write_bytes(bytes(data))
    with pytest.raises(InputFileError) as info:
        read_file(z / "匯出" / "grades.txt", resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(z / "匯出" / "grades.txt")
    assert "zip" in info.value.message


def test_a_zip_read_whole_and_a_big_member_in_batches(tmp_path: Path, hasher: IdHasher, monkeypatch) -> None:
    from lpdata.readers import big

    z = write_zip(tmp_path / "x.zip", {"s.csv": csv_bytes(student_rows()), "n.pdf": b"%PDF"})
    [export] = read_file(z, resolver=HeaderResolver(), hasher=hasher)
    assert export.file == z / "s.csv"
    monkeypatch.setattr(big, "BIG_CSV_BYTES", 10)
    with Spill(tmp_path / "spill") as spill:
        assert reads_in_batches(z / "s.csv", spill)
        [batched] = read_file(z / "s.csv", resolver=HeaderResolver(), hasher=hasher, spill=spill)
        assert batched.rows.collect().to_dicts() == expected_students(hasher)
        assert batched.file == z / "s.csv"
    assert not list((tmp_path / "spill").rglob("*.csv"))  # the copy is gone


def test_member_names_decode() -> None:
    def info(raw: bytes, flag: int = 0) -> zipfile.ZipInfo:
        i = zipfile.ZipInfo(raw.decode("cp437"))
        i.flag_bits = flag
        return i

    assert archive.member_name(info("學生.csv".encode("cp950"))) == "學生.csv"
    assert archive.member_name(info("學生.csv".encode())) == "學生.csv"  # UTF-8 without the flag
    assert archive.member_name(info(b"plain.csv")) == "plain.csv"
    assert archive.member_name(info(b"\x80\xff.csv")) == b"\x80\xff.csv".decode("cp437")
