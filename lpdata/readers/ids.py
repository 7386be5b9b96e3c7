"""National IDs (身分證號): normalise, validate, mask, and hash with a key kept outside the database.

Accepted forms, each with its check digit:
- national ID            ``[A-Z][12]\\d{8}``
- new resident permit    ``[A-Z][89]\\d{8}``  (2021 on; same arithmetic as the national ID)
- old resident permit    ``[A-Z][A-D]\\d{8}`` (the second letter counts as its number mod 10)

The check: the first letter's two-digit number contributes tens*1 + units*9; the next eight
characters are weighted 8..1; the last digit is added; the sum must be a multiple of 10.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import polars as pl

from ..errors import KeyFileError
from .values import nfkc

#: Letter -> number, as the Ministry of the Interior assigns them (I, O, W ... are out of order).
LETTER_CODES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}
# `[0-9]`, not `\d`: Python's `\d` also matches other scripts' digits (٩), which NFKC leaves as they are.
ID_PATTERN = r"^[A-Z](?:[12]|[89]|[A-D])[0-9]{8}$"
_ID_RE = re.compile(ID_PATTERN)
# Anything that looks like an ID inside free text (for masking raw rows and messages).
_ID_LIKE_RE = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ][A-Da-d0-9Ａ-Ｄａ-ｄ０-９][0-9０-９]{8}")


def normalize_id(raw: str) -> str:
    """Trim, full-width -> half-width, upper case."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def check_sum(id_: str) -> int:
    """The weighted sum of a syntactically valid ID (valid when divisible by 10)."""
    first = LETTER_CODES[id_[0]]
    second = id_[1]
    second_value = (LETTER_CODES[second] % 10) if second.isalpha() else int(second)
    total = first // 10 + (first % 10) * 9 + second_value * 8
    total += sum(int(ch) * w for ch, w in zip(id_[2:9], range(7, 0, -1)))
    return total + int(id_[9])


def is_valid_id(raw: str) -> bool:
    """True for a national ID or resident permit (new or old) with a correct check digit."""
    id_ = normalize_id(raw)
    return bool(_ID_RE.match(id_)) and check_sum(id_) % 10 == 0


def check_digit_for(prefix9: str) -> str:
    """The check digit that makes ``prefix9`` (letter + 8 characters) a valid ID."""
    partial = check_sum(prefix9 + "0")
    return str((10 - partial % 10) % 10)


def mask_id(raw: str) -> str:
    """Keep the first two and last two characters: ``V123456788`` -> ``V1******88``."""
    s = raw.strip()
    if len(s) <= 4:
        return "*" * len(s)
    return s[:2] + "*" * (len(s) - 4) + s[-2:]


def mask_ids_in_text(text: str) -> str:
    """Mask every ID-shaped token in free text (a raw CSV line, an error message)."""
    return _ID_LIKE_RE.sub(lambda m: mask_id(m.group(0)), text)


# --- vectorised forms, for whole columns -----------------------------------------------------
#: What Python's `str.strip()` removes (Polars' `strip_chars()` keeps U+001C..U+001F), so that the
#: column forms below agree with `normalize_id` and `mask_id`.
_PY_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def normalized_id_expr(col: pl.Expr) -> pl.Expr:
    return nfkc(col).str.strip_chars(_PY_WHITESPACE).str.to_uppercase()


def valid_id_expr(norm: pl.Expr) -> pl.Expr:
    """Boolean expression: a normalised ID column is well formed and its check digit holds."""
    codes = {k: v for k, v in LETTER_CODES.items()}
    first = norm.str.slice(0, 1).replace_strict(codes, default=None, return_dtype=pl.Int32)
    second_ch = norm.str.slice(1, 1)
    second = (
        pl.when(second_ch.str.contains(r"^[A-D]$"))
        .then(second_ch.replace_strict(codes, default=None, return_dtype=pl.Int32) % 10)
        .otherwise(second_ch.cast(pl.Int32, strict=False))
    )
    total = (first // 10) + (first % 10) * 9 + second * 8
    for pos, weight in zip(range(2, 9), range(7, 0, -1)):
        total = total + norm.str.slice(pos, 1).cast(pl.Int32, strict=False) * weight
    total = total + norm.str.slice(9, 1).cast(pl.Int32, strict=False)
    return norm.str.contains(ID_PATTERN).fill_null(False) & ((total % 10) == 0).fill_null(False)


def masked_id_expr(col: pl.Expr) -> pl.Expr:
    s = col.str.strip_chars(_PY_WHITESPACE)
    n = s.str.len_chars()
    return (
        pl.when(n <= 4).then(pl.lit("*").repeat_by(n).list.join(""))
        .otherwise(s.str.slice(0, 2) + pl.lit("*").repeat_by(n - 4).list.join("") + s.str.slice(-2, 2))
    )


# --- the key and the hash --------------------------------------------------------------------
KEY_ENV = "LP_KEY_FILE"


def default_key_path() -> Path:
    """``$LP_KEY_FILE``, else ``$XDG_CONFIG_HOME/lp-workbench/id-hash.key`` (~/.config by default).

    The key lives outside the database on purpose: a copied database alone cannot be turned back
    into IDs (the ID space is small enough to brute-force a plain hash, not a keyed one).
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "lp-workbench" / "id-hash.key"


def load_or_create_key(path: Path | None = None) -> bytes:
    """Read the installation's secret key, creating it (32 random bytes, mode 0600) on first use."""
    path = Path(path) if path is not None else default_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_hex = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return load_or_create_key(path)
        except OSError as exc:
            raise KeyFileError(f"cannot create the ID-hash key: {exc.strerror}", file=path) from exc
        with os.fdopen(fd, "w") as fh:
            fh.write(key_hex + "\n")
        os.chmod(path, 0o600)
        return bytes.fromhex(key_hex)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyFileError(
            f"the ID-hash key is readable by others (mode {mode:o}); run: chmod 600 {path}", file=path
        )
    try:
        text = path.read_text().strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError) as exc:
        raise KeyFileError("the ID-hash key file is unreadable or not hex", file=path,
                           expected="64 hex characters") from exc
    if len(key) < 16:
        raise KeyFileError("the ID-hash key is too short", file=path, expected="at least 16 bytes")
    return key


class _Memo(TypedDict, total=False):
    """An IdHasher's caches: IDs already hashed (id, hash) and the HMAC pads."""

    frame: pl.DataFrame
    pads: tuple[hashlib._Hash, hashlib._Hash]


@dataclass(frozen=True)
class IdHasher:
    """HMAC-SHA-256 of normalised IDs with the installation's key; hex digests."""

    key: bytes = field(repr=False)
    #: Per-hasher caches (HMAC pads, IDs already hashed); not part of its identity.
    _memo: _Memo = field(default_factory=_Memo, repr=False, compare=False, hash=False)

    @classmethod
    def from_file(cls, path: Path | None = None) -> IdHasher:
        return cls(load_or_create_key(path))

    @property
    def fingerprint(self) -> str:
        """Identifies the key without revealing it (stored in the database to catch a wrong key)."""
        return hmac.new(self.key, b"lp-workbench key fingerprint v1", hashlib.sha256).hexdigest()[:16]

    def hash(self, national_id: str) -> str:
        return hmac.new(self.key, normalize_id(national_id).encode(), hashlib.sha256).hexdigest()

    def hash_column(self, ids: pl.Series) -> pl.Series:
        """Hash a column of normalised, valid IDs; each distinct ID is hashed once per hasher (the
        files of one ingest name the same students: they are hashed for the first file only)."""
        frame = ids.rename("id").to_frame()
        memo: pl.DataFrame | None = self._memo.get("frame")
        uniques = frame.drop_nulls().unique()
        known = uniques.join(memo, on="id", how="inner") if memo is not None else None
        todo = uniques if known is None else uniques.join(known, on="id", how="anti")
        table = known
        if todo.height:
            inner, outer = self._pads()
            digests = []
            for s in todo["id"].to_list():
                h = inner.copy()
                h.update(s.encode())
                o = outer.copy()
                o.update(h.digest())
                digests.append(o.hexdigest())
            new = todo.with_columns(pl.Series("hash", digests, dtype=pl.String))
            table = new if table is None else pl.concat([table, new])
            memo = new if memo is None else pl.concat([memo, new])
            if memo.height <= self.MEMO_LIMIT:
                self._memo["frame"] = memo
        if table is None:
            return pl.Series(ids.name, [None] * len(ids), dtype=pl.String)
        # Joined against this column's IDs only (not the whole memo): a smaller table to probe.
        return frame.join(table, on="id", how="left", maintain_order="left")["hash"].rename(ids.name)

    #: IDs remembered with their hash (a nation's students, twice over); beyond it, no memo.
    MEMO_LIMIT = 2_000_000

    def _pads(self) -> tuple[hashlib._Hash, hashlib._Hash]:
        """HMAC's inner and outer SHA-256 states with the key absorbed (RFC 2104), so each ID
        costs two small hashes, not a new HMAC object: the same digest, 2–3 times faster."""
        pads = self._memo.get("pads")
        if pads is None:
            key = self.key if len(self.key) <= 64 else hashlib.sha256(self.key).digest()
            key = key.ljust(64, b"\0")
            pads = (hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key)))
            self._memo["pads"] = pads
        return pads
