"""Which kind is a file? Decided by its header row (never its name), with built-in and school aliases.

A header row may sit below title rows; the first row (of the first `PREVIEW_ROWS`) that holds every
required column of some kind is the header. The alias file (YAML, in `parameters/`) maps other
platforms' headers to the contract's:

    all:                    # for every kind
      學生身分證號: 身分證號
    clo:                    # for one kind
      成果序號: 成果編號
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

import yaml

from ..contract import KINDS, KINDS_BY_NAME, VALUE_ALIAS_SECTIONS, Kind, value_section
from ..errors import AmbiguousKindError, ConfigError, DuplicateColumnError, UnknownKindError

#: Labels that mark a cover sheet (封面) of a workbook.
COVER_LABELS = ("學校代碼", "學年度", "名冊別", "學校名稱", "封面")
_DECORATION = re.compile(r"[\s*＊:：]|\(必填\)|（必填）")


def normalize_header(text: str | None) -> str:
    """Full-width -> half-width, no white space or required-field stars."""
    if not text:
        return ""
    return _DECORATION.sub("", unicodedata.normalize("NFKC", str(text)))


@dataclass(frozen=True)
class HeaderMatch:
    """A header row recognised as a kind: contract column name -> position in the row."""

    kind: Kind
    positions: Mapping[str, int]
    headers: tuple[str, ...]  # the row as printed
    ignored: tuple[str, ...]  # headers the contract does not know (kept out of the database)


def normalize_value(text: object) -> str:
    """A closed value as the choice parser compares it: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


@dataclass(frozen=True)
class ValueAliases:
    """A school's own spellings of closed values (`parameters/value_aliases.yaml`):

        status:          # sections: status, sex, semester, category, absence_type
          延長修業: 在學    # spelling: a spelling the contract accepts

    The choice columns of each section accept the spelling as the value its canonical spelling has."""

    sections: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def load(cls, path: Path | None) -> "ValueAliases":
        if path is None or not Path(path).exists():
            return cls()
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the value alias file is not valid YAML: {exc}", file=path) from exc
        sections_hint = ", ".join(VALUE_ALIAS_SECTIONS)
        if not isinstance(data, dict):
            raise ConfigError("the value alias file must be a mapping", file=path,
                              expected=f"sections {sections_hint}, each a mapping of spelling: canonical")
        out: dict[str, dict[str, str]] = {}
        for section, mapping in data.items():
            if section not in VALUE_ALIAS_SECTIONS:
                raise ConfigError(f"unknown section {section!r}", file=path, column=str(section),
                                  expected="one of " + sections_hint)
            if mapping is None:
                continue
            if not isinstance(mapping, dict):
                raise ConfigError(f"section {section!r} must map spellings to the contract's values",
                                  file=path, column=str(section), expected="lines like  延長修業: 在學")
            base = {normalize_value(k): v for k, v in VALUE_ALIAS_SECTIONS[section].items()}
            shown = "/".join(k for k, v in VALUE_ALIAS_SECTIONS[section].items() if k != v) \
                or "/".join(VALUE_ALIAS_SECTIONS[section])
            target = out.setdefault(section, {})
            for spelling, canonical in mapping.items():
                where = f"{section}: {spelling}"
                if canonical is None or normalize_value(canonical) not in base:
                    raise ConfigError(f"{where}: {canonical!r} is not a {section} value the contract accepts",
                                      file=path, column=where, expected="one of " + shown)
                value = base[normalize_value(canonical)]
                known = base.get(normalize_value(spelling))
                if known is not None and known != value:
                    raise ConfigError(f"{where}: the contract already reads {spelling!r} as another value",
                                      file=path, column=where, expected="a spelling of your own")
                target[normalize_value(spelling)] = value
        return cls(MappingProxyType({k: MappingProxyType(v) for k, v in out.items()}))

    def apply(self, kind: Kind) -> Kind:
        """`kind` with its choice columns accepting this school's spellings (itself when none apply)."""
        if not self.sections:
            return kind
        columns = []
        for col in kind.columns:
            extra = self.sections.get(value_section(col.choices) or "")
            columns.append(replace(col, choices=MappingProxyType({**col.choices, **extra}))
                           if extra and col.choices is not None else col)
        return kind if columns == list(kind.columns) else replace(kind, columns=tuple(columns))


@dataclass(frozen=True)
class Aliases:
    """Vendor header -> contract header, for every kind (`all`) or one kind; and the school's
    spellings of closed values (`values`, from their own file)."""

    common: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    per_kind: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    values: ValueAliases = field(default_factory=ValueAliases)

    @classmethod
    def load(cls, path: Path | None, values: Path | None = None) -> "Aliases":
        """The header alias file `path` and the value alias file `values` (either may be absent)."""
        value_aliases = ValueAliases.load(values)
        if path is None or not Path(path).exists():
            return cls(values=value_aliases)
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the header alias file is not valid YAML: {exc}", file=path) from exc
        if not isinstance(data, dict):
            raise ConfigError("the header alias file must be a mapping", file=path,
                              expected="`all:` or a kind name, each a mapping of header: header")
        common: dict[str, str] = {}
        per_kind: dict[str, dict[str, str]] = {}
        for section, mapping in data.items():
            if section != "all" and section not in KINDS_BY_NAME:
                raise ConfigError(f"unknown section {section!r}", file=path,
                                  expected="`all` or one of " + ", ".join(KINDS_BY_NAME))
            if not isinstance(mapping, dict):
                raise ConfigError(f"section {section!r} must map vendor headers to contract headers",
                                  file=path)
            target = common if section == "all" else per_kind.setdefault(section, {})
            for vendor, ours in mapping.items():
                target[normalize_header(str(vendor))] = normalize_header(str(ours))
        return cls(MappingProxyType(common),
                   MappingProxyType({k: MappingProxyType(v) for k, v in per_kind.items()}), value_aliases)


class HeaderResolver:
    """Recognises header rows, with the contract's aliases and a school's."""

    def __init__(self, aliases: Aliases | None = None, kinds: Sequence[Kind] = KINDS) -> None:
        aliases = aliases or Aliases()
        self.aliases = aliases
        # A school's value aliases extend the choice columns of the kinds it matches.
        self.kinds = tuple(aliases.values.apply(k) for k in kinds)
        self._lookup: dict[str, dict[str, str]] = {}
        for kind in self.kinds:
            table: dict[str, str] = {}
            for col in kind.columns:
                table[normalize_header(col.header)] = col.name
                for alias in col.aliases:
                    table.setdefault(normalize_header(alias), col.name)
            by_header = {normalize_header(c.header): c.name for c in kind.columns}
            for vendor, ours in {**aliases.common, **aliases.per_kind.get(kind.name, {})}.items():
                if ours in by_header:
                    table[vendor] = by_header[ours]
            self._lookup[kind.name] = table

    def _match(self, kind: Kind, row: Sequence[str | None]) -> tuple[dict[str, int], list[str], list[str]]:
        table = self._lookup[kind.name]
        positions: dict[str, int] = {}
        duplicates: list[str] = []
        for i, cell in enumerate(row):
            name = table.get(normalize_header(cell))
            if name is None:
                continue
            if name in positions:
                duplicates.append(str(cell))
            else:
                positions[name] = i
        missing = [c.header for c in kind.required if c.name not in positions]
        return positions, missing, duplicates

    def find_header(self, rows: Sequence[Sequence[str | None]], *, file: Path,
                    sheet: str | None = None) -> tuple[int, HeaderMatch] | None:
        """The first row that is a complete header of some kind, or None."""
        for index, row in enumerate(rows):
            if sum(1 for c in row if c) < 2:
                continue
            found: list[tuple[int, Kind, dict[str, int], list[str]]] = []
            for kind in self.kinds:
                positions, missing, duplicates = self._match(kind, row)
                if not missing:
                    found.append((len(positions), kind, positions, duplicates))
            if not found:
                continue
            found.sort(key=lambda f: -f[0])
            if len(found) > 1 and found[0][0] == found[1][0]:
                raise AmbiguousKindError(
                    f"the header fits both {found[0][1].name} and {found[1][1].name}",
                    file=file, sheet=sheet, row=index + 1)
            _, kind, positions, duplicates = found[0]
            if duplicates:
                raise DuplicateColumnError(
                    f"column {duplicates[0]!r} appears twice in the header",
                    file=file, sheet=sheet, row=index + 1, column=duplicates[0])
            headers = tuple(str(c) if c is not None else "" for c in row)
            # The header ends at its last named cell: a cell right of it is one too many, as in a
            # row longer than its header (a header cell deleted with its data left in place).
            while headers and not headers[-1].strip():
                headers = headers[:-1]
            used = set(positions.values())
            ignored = tuple(h for i, h in enumerate(headers) if h.strip() and i not in used)
            return index, HeaderMatch(kind, MappingProxyType(positions), headers, ignored)
        return None

    def nearest_error(self, rows: Sequence[Sequence[str | None]], *, file: Path,
                      sheet: str | None = None) -> UnknownKindError:
        """The error for a table that matches no kind: the nearest kind and what it lacks."""
        best: tuple[int, int, Kind, list[str], int] | None = None
        for index, row in enumerate(rows):
            for kind in self.kinds:
                positions, missing, _ = self._match(kind, row)
                # The kind sharing the most columns with the row is the one the user meant: a CLO
                # header lacking two columns is nearer to clo than to grades, which lacks one.
                score = (-len(positions), len(missing))
                if positions and (best is None or score < (best[0], best[1])):
                    best = (-len(positions), len(missing), kind, missing, index)
        if best is None:
            return UnknownKindError(
                "no header row of any export kind in the first rows", file=file, sheet=sheet,
                expected="the header row of one of: " + ", ".join(k.name for k in self.kinds))
        _, _, kind, missing, index = best
        return UnknownKindError(
            f"matches no export kind; nearest is {kind.name} ({kind.label_zh}), "
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            file=file, sheet=sheet, row=index + 1, nearest=kind.name, missing=missing,
            expected=f"columns {', '.join(c.header for c in kind.required)}")


    def best_overlap(self, rows: Sequence[Sequence[str | None]]) -> int:
        """The most contract columns any row shares with any kind's header."""
        return max((len(self._match(k, row)[0]) for row in rows for k in self.kinds), default=0)


def is_cover_sheet(name: str, rows: Sequence[Sequence[str | None]], resolver: HeaderResolver) -> bool:
    """A cover (封面) or an empty sheet: skipped, and said so. A sheet with a row that looks like a
    data header (three or more known columns) is never a cover, even if it lacks a column."""
    if not any(any(c for c in row) for row in rows):
        return True
    if resolver.best_overlap(rows) >= 3:
        return False
    if "封面" in name:
        return True
    for row in rows[:10]:
        for cell in row:
            text = normalize_header(cell)
            if any(text.startswith(label) for label in COVER_LABELS):
                return True
    return False
