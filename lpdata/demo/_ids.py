"""National IDs (身分證號) and resident permits, made and checked a whole column at a time.

Forms: national ID `[A-Z][12]\\d{8}`, new resident permit `[A-Z][89]\\d{8}`, old resident permit
`[A-Z][A-D]\\d{8}`. Check: the first letter's number gives tens*1 + units*9; the next eight
characters weigh 8..1 (an old permit's second letter counts as its number mod 10); plus the last
digit; valid when the sum is a multiple of 10. This is an independent implementation of the rule the
readers apply (`lpdata.readers.ids`), so the tests can hold one against the other.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._random import weighted

LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
#: Letter -> number, as the Ministry of the Interior assigns them (I, O, W … are out of order).
LETTER_NUMBERS = np.array([10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26,
                           27, 28, 29, 32, 30, 31, 33], dtype=np.int64)
_WEIGHTS_2_TO_9 = np.array([7, 6, 5, 4, 3, 2, 1], dtype=np.int64)

# Where the school's students were registered: mostly Taitung (V), some from elsewhere.
_HOME_LETTERS = {"V": 70, "A": 5, "F": 4, "H": 3, "B": 3, "E": 3, "D": 2, "U": 3, "T": 2, "K": 1, "Q": 1,
                 "M": 1, "N": 1, "P": 1}
NATIONAL, NEW_PERMIT, OLD_PERMIT = 0, 1, 2


def _second_value(form: np.ndarray, sex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The second character (as text) and its weight value, by form and sex (1 male, 2 female)."""
    male = sex == 1
    national = np.where(male, "1", "2")
    new_permit = np.where(male, "8", "9")
    old_letter = np.where(male, "A", "B")  # A/C male, B/D female on the old permits
    text = np.where(form == NATIONAL, national, np.where(form == NEW_PERMIT, new_permit, old_letter))
    old_value = np.where(male, 10, 11) % 10
    value = np.where(form == NATIONAL, np.where(male, 1, 2),
                     np.where(form == NEW_PERMIT, np.where(male, 8, 9), old_value))
    return text, value.astype(np.int64)


def make_ids(rng: np.random.Generator, sex: np.ndarray, *, new_permit_share: float = 0.02,
             old_permit_share: float = 0.008) -> np.ndarray:
    """Unique valid IDs (numpy unicode array), one per entry of `sex`."""
    n = sex.size
    letters_keys = list(_HOME_LETTERS)
    letter_pos = np.array([int(np.flatnonzero(k == LETTERS)[0]) for k in letters_keys])
    letter_idx = letter_pos[weighted(rng, list(_HOME_LETTERS.values()), n)]
    u = rng.random(n)
    form = np.where(u < old_permit_share, OLD_PERMIT, np.where(u < old_permit_share + new_permit_share,
                                                                NEW_PERMIT, NATIONAL))
    second_text, second_value = _second_value(form, sex)
    body = rng.integers(0, 10_000_000, n)
    # Redraw the body of any repeated (letter, second, body) until every ID is unique.
    while True:
        key = (letter_idx * 16 + second_value * 2 + (form == OLD_PERMIT)) * 10_000_000 + body
        _, first_index = np.unique(key, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first_index] = False
        if not dup.any():
            break
        body[dup] = rng.integers(0, 10_000_000, int(dup.sum()))
    digits = (body[:, None] // 10 ** np.arange(6, -1, -1)) % 10
    first = LETTER_NUMBERS[letter_idx]
    partial = first // 10 + (first % 10) * 9 + second_value * 8 + digits @ _WEIGHTS_2_TO_9
    check = (10 - partial % 10) % 10
    body_text = np.char.zfill(body.astype(str), 7)
    return np.char.add(np.char.add(np.char.add(LETTERS[letter_idx], second_text), body_text), check.astype(str))


def valid(ids: np.ndarray) -> np.ndarray:
    """True where an ID (already upper case, no spaces) is well formed and its check digit holds."""
    ids = np.asarray(ids, dtype="U10")
    n = ids.size
    ok = np.char.str_len(ids) == 10
    chars = np.zeros((n, 10), dtype=np.int64)
    codes = ids.view(np.uint32).reshape(n, 10) if n else np.zeros((0, 10), dtype=np.uint32)
    chars[:] = codes
    upper = (chars >= ord("A")) & (chars <= ord("Z"))
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    second_is_letter = (chars[:, 1] >= ord("A")) & (chars[:, 1] <= ord("D"))
    ok &= upper[:, 0] & digit[:, 2:].all(axis=1)
    ok &= second_is_letter | np.isin(chars[:, 1], [ord("1"), ord("2"), ord("8"), ord("9")])
    first = LETTER_NUMBERS[np.clip(chars[:, 0] - ord("A"), 0, 25)]
    second = np.where(second_is_letter, LETTER_NUMBERS[np.clip(chars[:, 1] - ord("A"), 0, 25)] % 10,
                      chars[:, 1] - ord("0"))
    total = first // 10 + (first % 10) * 9 + second * 8 + (chars[:, 2:9] - ord("0")) @ _WEIGHTS_2_TO_9
    total += chars[:, 9] - ord("0")
    well_formed: npt.NDArray[np.bool_] = ok & (total % 10 == 0)
    return well_formed


def break_check_digit(ids: list[str], rng: np.random.Generator) -> list[str]:
    """The same IDs with a wrong check digit (what a mistyped ID looks like)."""
    out = []
    for id_, shift in zip(ids, rng.integers(1, 10, len(ids))):
        out.append(id_[:9] + str((int(id_[9]) + int(shift)) % 10))
    return out
