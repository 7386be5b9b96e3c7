"""造字 (end-user-defined characters) in CP950 text, decoded as Windows decodes them.

A school's student system lets staff define their own characters for rare names; Windows stores
them in CP950 files as byte pairs Python's `cp950` codec refuses. Windows (and GNU libiconv's
cp950) map them into the Unicode Private Use Area, 157 characters per lead byte (trail bytes
0x40-0x7E, then 0xA1-0xFE), in this order:

    lead 0xFA-0xFE -> U+E000-U+E310
    lead 0x8E-0xA0 -> U+E311-U+EEB7
    lead 0x81-0x8D -> U+EEB8-U+F6B0

(checked against Microsoft's bestfit950.txt, where 0x8140 is U+EEB8 and 0x81A1 U+EEF7, and
libiconv's cp950.h). So the same 造字 is always the same character, and can be found again.
Any other byte pair Python's codec refuses stays an error.
"""

from __future__ import annotations

import codecs

#: (first lead byte, last lead byte, the code point of its first pair)
EUDC_RANGES = ((0xFA, 0xFE, 0xE000), (0x8E, 0xA0, 0xE311), (0x81, 0x8D, 0xEEB8))
ERRORS = "lp-cp950-eudc"
#: The Private Use Areas: the BMP's and planes 15-16.
PUA_PATTERN = "[\uE000-\uF8FF\U000F0000-\U0010FFFD]"


def eudc_char(lead: int, trail: int) -> str | None:
    """The character Windows gives the CP950 byte pair (lead, trail), if it is a 造字; else None."""
    if 0x40 <= trail <= 0x7E:
        index = trail - 0x40
    elif 0xA1 <= trail <= 0xFE:
        index = trail - 0xA1 + 63
    else:
        return None
    for first, last, base in EUDC_RANGES:
        if first <= lead <= last:
            return chr(base + (lead - first) * 157 + index)
    return None


def _handler(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        data, at = exc.object, exc.start
        if at + 1 < len(data):
            char = eudc_char(data[at], data[at + 1])
            if char is not None:
                return char, at + 2
    raise exc


codecs.register_error(ERRORS, _handler)


def decode_cp950(data: bytes) -> str:
    """CP950 text with its 造字 byte pairs decoded as Windows does; UnicodeDecodeError otherwise."""
    return data.decode("cp950", ERRORS)


def cp950_decoder() -> codecs.IncrementalDecoder:
    """An incremental `decode_cp950` (a pair cut by a chunk's end is kept for the next chunk)."""
    return codecs.getincrementaldecoder("cp950")(ERRORS)
