"""造字 (EUDC) in CP950 text: decoded as Windows decodes them (lpdata/readers/eudc.py)."""

from __future__ import annotations

import pytest

from lpdata.readers.eudc import cp950_decoder, decode_cp950, eudc_char


@pytest.mark.parametrize("pair, code", [
    # Microsoft's bestfit950.txt (DBCSTABLE for lead 0x81 and 0x82) and GNU libiconv's cp950.h
    (b"\x81\x40", 0xEEB8), (b"\x81\x7e", 0xEEF6), (b"\x81\xa1", 0xEEF7), (b"\x81\xfe", 0xEF54),
    (b"\x82\x40", 0xEF55), (b"\x8d\xfe", 0xF6B0),
    (b"\x8e\x40", 0xE311), (b"\xa0\xfe", 0xEEB7),
    (b"\xfa\x40", 0xE000), (b"\xfa\xa1", 0xE03F), (b"\xfe\xfe", 0xE310),
])
def test_the_windows_mapping(pair: bytes, code: int) -> None:
    assert eudc_char(pair[0], pair[1]) == chr(code)
    assert decode_cp950(b"\xa4\xfd" + pair + b"\xa9\xfa") == "王" + chr(code) + "明"


def test_157_characters_a_lead_byte_and_no_overlap() -> None:
    leads = [*range(0x81, 0xA1), *range(0xFA, 0xFF)]
    trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    assert len(trails) == 157
    chars = {eudc_char(lead, t) for lead in leads for t in trails}
    assert len(chars) == len(leads) * 157
    assert min(map(ord, chars)) == 0xE000 and max(map(ord, chars)) == 0xF6B0  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [b"\xa4 ", b"\x80", b"\xff\x40", b"\xfa\x20", b"\xc8\x40", b"ok\xfa"])
def test_other_bad_bytes_stay_errors(raw: bytes) -> None:
    with pytest.raises(UnicodeDecodeError):
        decode_cp950(raw)


def test_a_pair_cut_between_two_pieces() -> None:
    decoder = cp950_decoder()
    assert decoder.decode(b"a\xfa") + decoder.decode(b"\x40b", final=True) == "a\ue000b"


def test_ordinary_big5_is_untouched() -> None:
    text = "學年度,姓名\r\n113,碁銹\r\n"
    assert decode_cp950(text.encode("cp950")) == text
