"""Zip archives in an export folder: their members are read as if they were files of the folder.

A member is named by a path *through* the zip, `folder/匯出.zip/學生名冊.csv`, which is how it is
shown everywhere (lp ingest, snapshot_files.path, data_quality). To read it, the member is copied
(streamed, so memory stays bounded) to a temporary file with the same suffix, read by `read_file`
like any file, and the temporary file removed; the results and errors are renamed to the member.

Member names: a zip written on a Taiwanese Windows without the UTF-8 flag holds its names as Big5
bytes, which Python reads as CP437. Such a name is decoded as UTF-8 when it is valid UTF-8 (common
Big5 characters never are: their lead bytes are UTF-8 continuation bytes), else as CP950 (造字
too), else left as Python read it.
"""

from __future__ import annotations

import datetime as dt
import errno
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import FileTooLargeError, InputFileError, NotASpreadsheetError
from .eudc import decode_cp950

ZIP_SUFFIX = ".zip"
_UTF8_FLAG = 0x800
#: A member expanding more than this many times its stored size, beyond BOMB_MIN_BYTES, is a zip bomb.
BOMB_RATIO = 200
BOMB_MIN_BYTES = 64 << 20
#: Bytes one member may expand to (a nation's CSV export is some 2 GB).
MAX_MEMBER_BYTES = 8 << 30
_EXPECTED = "a zip archive (.zip) of export files"


@dataclass(frozen=True)
class Member:
    name: str  # as shown: decoded, `/`-separated
    info: zipfile.ZipInfo

    @property
    def modified_at(self) -> dt.datetime | None:
        try:
            return dt.datetime(*self.info.date_time)
        except ValueError:  # a zeroed date field (some tools write 1980-00-00)
            return None


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it (see the module's docstring)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # not what zipfile decoded as CP437: leave it
        return info.filename
    for decode in (lambda b: b.decode("utf-8"), decode_cp950):
        try:
            return decode(raw)
        except UnicodeDecodeError:
            continue
    return info.filename


def is_hidden(name: str) -> bool:
    """`__MACOSX/…`, `.DS_Store`, `~$book.xlsx` (Excel's lock file) and anything in a hidden folder."""
    parts = PurePosixPath(name).parts
    return any(p.startswith((".", "~$")) or p == "__MACOSX" for p in parts)


def open_zip(path: Path, shown: Path | None = None) -> zipfile.ZipFile:
    """The archive, or an `InputFileError` when it is not a readable zip, naming `shown` (a member
    read through it: every error of a member names the member) or else the archive."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise NotASpreadsheetError(f"not a readable zip archive ({exc})", file=shown or path,
                                   expected=_EXPECTED) from exc


def members(path: Path, shown: Path | None = None) -> list[Member]:
    """Every file member (not folders), names decoded, in the archive's order (`shown`: as open_zip)."""
    with open_zip(path, shown) as book:
        return [Member(member_name(i), i) for i in book.infolist() if not i.is_dir()]


def split_member(path: Path) -> tuple[Path, str] | None:
    """(the zip, the member's name) when `path` runs through a zip file; None for a plain path."""
    path = Path(path)
    if path.exists():
        return None
    for parent in path.parents:
        if parent.suffix.lower() == ZIP_SUFFIX and parent.is_file():
            return parent, path.relative_to(parent).as_posix()
    return None


def find_member(zip_path: Path, name: str, shown: Path) -> Member:
    for member in members(zip_path, shown):
        if member.name == name:
            return member
    raise InputFileError("no such member in the zip archive", file=shown, expected=_EXPECTED)


@contextmanager
def extracted(zip_path: Path, member: Member, shown: Path, folder: Path | None) -> Iterator[Path]:
    """The member copied to a temporary file (in `folder`, else the system's temporary folder),
    removed afterwards. A zip bomb, an encrypted member or a damaged one is an error naming it."""
    info = member.info
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > MAX_MEMBER_BYTES or (info.file_size > BOMB_MIN_BYTES and ratio > BOMB_RATIO):
        raise FileTooLargeError(f"would expand to {info.file_size:,} bytes ({ratio:,.0f} times its stored "
                                "size): a zip bomb or far too big a member", file=shown, expected=_EXPECTED)
    own = None
    if folder is None:
        own = tempfile.TemporaryDirectory(prefix="lp-zip-")
        folder = Path(own.name)
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=PurePosixPath(member.name).suffix.lower(), dir=folder)
    target = Path(name)
    try:
        try:
            with open_zip(zip_path, shown) as book, book.open(info) as src, open(fd, "wb") as dst:
                copied = 0
                while chunk := src.read(16 << 20):
                    copied += len(chunk)
                    if copied > info.file_size:  # the size in the directory lies
                        raise zipfile.BadZipFile("the member is longer than the archive says")
                    dst.write(chunk)
        except RuntimeError as exc:  # zipfile: an encrypted member
            raise InputFileError(f"cannot be read from the zip archive ({exc})", file=shown,
                                 expected="a zip without a password") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
            raise NotASpreadsheetError(f"a damaged member of the zip archive ({exc})", file=shown,
                                       expected=_EXPECTED) from exc
        except OSError as exc:
            # A damaged central directory sends zipfile to a negative offset (EINVAL); any other
            # OSError (a full disk while copying) is the machine's trouble, reported as such.
            if exc.errno != errno.EINVAL:
                raise
            raise NotASpreadsheetError("a damaged member of the zip archive (its place in the archive "
                                       "lies outside the file)", file=shown, expected=_EXPECTED) from exc
        yield target
    finally:
        target.unlink(missing_ok=True)
        if own is not None:
            own.cleanup()
