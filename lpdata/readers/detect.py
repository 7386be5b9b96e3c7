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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import yaml

from ..contract import KINDS, KINDS_BY_NAME, VALUE_ALIAS_SECTIONS, Kind, value_section
from ..errors import AmbiguousKindError, ConfigError, DuplicateColumnError, UnknownKindError
from ..layouts import BOOKS, LAYOUTS, Layout, matchable

#: Labels that mark a cover sheet (封面) of a workbook.
COVER_LABELS = ("學校代碼", "學年度", "名冊別", "學校名稱", "封面")
_DECORATION = re.compile(r"[\s*＊:：]|\(必填\)|（必填）")
#: A complete header match: (the row's own cells matched, kind, positions, duplicated columns).
_Found = tuple[int, Kind, dict[str, int], list[str]]


def normalize_header(text: str | None) -> str:
    """Full-width -> half-width, no white space or required-field stars."""
    if not text:
        return ""
    return _DECORATION.sub("", unicodedata.normalize("NFKC", str(text)))


@dataclass(frozen=True)
class HeaderMatch:
    """A header row recognised as a kind: contract column name -> position in the row.

    Past the row's own cells (`width` of them) come the context columns, constant for every row
    (`context`: header as shown, value; from the workbook's cover or the layout), then the columns a
    layout derives from others (`derived`, their names): `headers` names all of them, and
    `positions` may point at any of them."""

    kind: Kind
    positions: Mapping[str, int]
    headers: tuple[str, ...]  # the row as printed, then the context and derived columns
    ignored: tuple[str, ...]  # headers the contract does not know (kept out of the database)
    context: tuple[tuple[str, str], ...] = ()
    derived: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        """How many cells of the row itself the header spans."""
        return len(self.headers) - len(self.context) - len(self.derived)


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
    def load(cls, path: Path | None) -> ValueAliases:
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
    def load(cls, path: Path | None, values: Path | None = None) -> Aliases:
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
    """Recognises header rows, with the contract's aliases and a school's: the contract's kinds and
    the layouts of exports.md v2 (`lpdata.layouts`), each data sheet on its own."""

    def __init__(self, aliases: Aliases | None = None, kinds: Sequence[Kind] = (*KINDS, *LAYOUTS)) -> None:
        aliases = aliases or Aliases()
        self.aliases = aliases
        # A school's value aliases extend the choice columns of the kinds it matches.
        self.kinds = tuple(aliases.values.apply(k) for k in kinds)
        # By identity: a layout has its target kind's name.
        self._lookup: dict[int, dict[str, str]] = {}
        for kind in self.kinds:
            table: dict[str, str] = {}
            columns = matchable(kind)
            for col in columns:
                table[normalize_header(col.header)] = col.name
                for alias in col.aliases:
                    table.setdefault(normalize_header(alias), col.name)
            by_header = {normalize_header(c.header): c.name for c in columns}
            if isinstance(kind, Layout):  # a school's alias names the contract's header, a layout's alias
                for col in columns:
                    for alias in col.aliases:
                        by_header.setdefault(normalize_header(alias), col.name)
            for vendor, ours in {**aliases.common, **aliases.per_kind.get(kind.name, {})}.items():
                if ours in by_header:
                    table[vendor] = by_header[ours]
            self._lookup[id(kind)] = table

    def _match(self, kind: Kind, row: Sequence[str | None],
               context: Mapping[str, str] | None = None) -> tuple[dict[str, int], list[str], list[str]]:
        """(positions, missing required headers, duplicated headers) of `row` read as `kind`. The
        context headers (the cover's, then the layout's constants) count as present, after the row's
        own cells, where the row lacks their column; see `_extend`."""
        table = self._lookup[id(kind)]
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
        if context is not None or isinstance(kind, Layout):
            positions = self._extend(kind, positions, _width(row), context or {})[0]
        missing = [c.header for c in matchable(kind) if c.required and c.name not in positions]
        return positions, missing, duplicates

    def _extend(self, kind: Kind, positions: dict[str, int], width: int, cover: Mapping[str, str]
                ) -> tuple[dict[str, int], list[tuple[str, str]], list[str]]:
        """`positions` with the context columns (after the row's `width` cells: the layout's constants
        first, which beat the cover's, then the cover's) and the layout's derived columns (after
        those) that the row lacks; and the headers and values of the context, the derived names."""
        table = self._lookup[id(kind)]
        out = dict(positions)
        context: list[tuple[str, str]] = []
        constants = kind.constants if isinstance(kind, Layout) else {}
        for header, value, label in [*((h, v, "layout") for h, v in constants.items()),
                                     *((h, v, "cover") for h, v in cover.items())]:
            name = table.get(normalize_header(header))
            if name is None or name in out:
                continue
            out[name] = width + len(context)
            context.append((f"{header} ({label})", value))
        derived: list[str] = []
        if isinstance(kind, Layout):
            for d in kind.derived:
                if d.name not in out and any(s in out for s in d.sources):
                    out[d.name] = width + len(context) + len(derived)
                    derived.append(d.name)
        return out, context, derived

    def find_header(self, rows: Sequence[Sequence[str | None]], *, file: Path,
                    sheet: str | None = None, context: Mapping[str, str] | None = None,
                    book: str = "") -> tuple[int, HeaderMatch] | None:
        """The first row that is a complete header of some kind, or None. `context`: the cover's
        header -> value (counted as present); `book`: the cover's 名冊别 (a code, BOOKS), which
        leaves out the layouts of other 名冊. Of several complete matches, the one with the most of
        the row's own columns wins; a tie is decided by the layouts' hints in the sheet's name, then
        in the 名冊's name, then by a layout marked `fallback`."""
        code = normalize_header(book).removesuffix(".0")
        hint = BOOKS.get(code, book)
        for index, row in enumerate(rows):
            if sum(1 for c in row if c) < 2:
                continue
            found: list[_Found] = []
            width = _width(row)
            for kind in self.kinds:
                if code in BOOKS and isinstance(kind, Layout) and code not in kind.books:
                    continue
                positions, missing, duplicates = self._match(kind, row, context)
                if not missing:
                    # Ranked by the row's own cells matched (context fits every kind alike).
                    found.append((sum(1 for i in positions.values() if i < width), kind, positions, duplicates))
            if not found:
                continue
            found.sort(key=lambda f: -f[0])
            tied = [f for f in found if f[0] == found[0][0]]
            if len(tied) > 1:
                found = _by_hint(tied, sheet or "", hint)
            if len(found) > 1 and found[0][0] == found[1][0]:
                raise AmbiguousKindError(
                    f"the header fits both {_label(found[0][1])} and {_label(found[1][1])}",
                    file=file, sheet=sheet, row=index + 1,
                    expected="a sheet name that says which (e.g. " + _hint_example(found[0][1], found[1][1]) + ")")
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
            own = {n: i for n, i in positions.items() if i < len(headers)}
            positions, extra, derived = self._extend(kind, own, len(headers), context or {})
            used = set(positions.values())
            ignored = tuple(h for i, h in enumerate(headers) if h.strip() and i not in used)
            by_name = {c.name: c for c in matchable(kind)}
            shown = headers + tuple(h for h, _ in extra) + tuple(
                f"{by_name[d].header} (from {', '.join(by_name[s].header for s in _sources(kind, d))})"
                for d in derived)
            return index, HeaderMatch(kind, MappingProxyType(positions), shown, ignored, tuple(extra),
                                      tuple(derived))
        return None

    def nearest_error(self, rows: Sequence[Sequence[str | None]], *, file: Path,
                      sheet: str | None = None, context: Mapping[str, str] | None = None) -> UnknownKindError:
        """The error for a table that matches no kind: the nearest kind (or layout), what it lacks and
        what of it was found."""
        best: tuple[int, int, Kind, list[str], int, list[str]] | None = None
        for index, row in enumerate(rows):
            for kind in self.kinds:
                positions, missing, _ = self._match(kind, row, context)
                width = _width(row)
                own = [str(row[i]) for i in sorted(i for i in positions.values() if i < width)]
                # The kind sharing the most columns with the row is the one the user meant: a CLO
                # header lacking two columns is nearer to clo than to grades, which lacks one.
                # Only the row's own cells count (the cover's fit every kind alike).
                score = (-len(own), len(missing))
                if own and (best is None or score < (best[0], best[1])):
                    best = (-len(own), len(missing), kind, missing, index, own)
        if best is None:
            return UnknownKindError(
                "no header row of any export kind in the first rows", file=file, sheet=sheet,
                expected="the header row of one of: " + ", ".join(dict.fromkeys(k.name for k in self.kinds)))
        _, _, kind, missing, index, own = best
        return UnknownKindError(
            f"matches no export kind; nearest is {_label(kind)}, "
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; found {', '.join(own)}",
            file=file, sheet=sheet, row=index + 1, nearest=kind.name, missing=missing,
            expected=f"columns {', '.join(c.header for c in matchable(kind) if c.required)}")

    def best_overlap(self, rows: Sequence[Sequence[str | None]]) -> int:
        """The most contract columns any row shares with any kind's header."""
        return max((sum(1 for i in self._match(k, row)[0].values() if i < _width(row))
                    for row in rows for k in self.kinds), default=0)


def _width(row: Sequence[str | None]) -> int:
    """The row's cells up to its last non-empty one."""
    n = len(row)
    while n and not (row[n - 1] and str(row[n - 1]).strip()):
        n -= 1
    return n


def _label(kind: Kind) -> str:
    return f"{kind.name} ({kind.label_zh})"


def _sources(kind: Kind, name: str) -> tuple[str, ...]:
    assert isinstance(kind, Layout)
    return next(d.sources for d in kind.derived if d.name == name)


def _by_hint(tied: list[_Found], sheet: str, hint: str) -> list[_Found]:
    """Of tied complete matches: those whose layout's hints are in the sheet's name, else in `hint`
    (the 名冊's name), else the one layout marked `fallback`; else all of them."""
    for text in (normalize_header(sheet), normalize_header(hint)):
        if not text:
            continue
        hinted = [f for f in tied if isinstance(f[1], Layout) and any(h in text for h in f[1].hints)]
        if hinted:
            tied = hinted
            if len(tied) == 1:
                return tied
    fallback = [f for f in tied if isinstance(f[1], Layout) and f[1].fallback]
    return fallback if len(fallback) == 1 else tied


def _hint_example(*kinds: Kind) -> str:
    words = [k.hints[0] for k in kinds if isinstance(k, Layout) and k.hints]
    return " or ".join(words) if words else "the kind's name"


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
