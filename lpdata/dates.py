"""Time, once: the school's terms (學年度/學期) and the as-of date every view answers for.

    term_of(dt.date(2025, 3, 1))          # Term(113, 2): 學年度 113, semester 2
    parse_as_of("2025-03-01")             # dt.date(2025, 3, 1); a bad spelling is a DateError
    default_as_of(Path("data/lp.duckdb"))  # the newest export loaded

A term runs from 1 August (semester 1) or 1 February (semester 2); 學年度 is the ROC year in which
its semester 1 begins (AD − 1911). January still belongs to semester 1 of the year before.

A connection answers as of the date in its temp table `lp_as_of` (`set_as_of`); every view reads it
when queried, so moving a connection to another date recreates no view, except the building blocks
`lpdata.views` materialised for one date: `set_as_of` points those at their plain SQL, or back at
their table on its own date (docs/views.md, "Materialised building blocks").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Self

from .errors import DateError, StoreError

if TYPE_CHECKING:
    import duckdb
    import polars as pl

AS_OF_FORMAT = "YYYY-MM-DD"


# --- terms -----------------------------------------------------------------------------------
class Term(tuple[int, int]):
    """A term: the pair (學年度, 學期), so it equals, orders, hashes and unpacks as `(113, 2)`.

    `as_of` is the day a report looks at the term from (`page.resolve_term` sets it); it rides
    along but is not part of which term this is, so `Term(113, 2, day) == Term(113, 2)`."""

    as_of: dt.date | None

    def __new__(cls, academic_year: int, semester: int, as_of: dt.date | None = None) -> Self:
        term = super().__new__(cls, (academic_year, semester))
        object.__setattr__(term, "as_of", as_of)  # frozen: only __new__ sets it
        return term

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a Term is immutable (cannot set {name})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a Term is immutable (cannot delete {name})")

    def __reduce__(self) -> tuple[type[Term], tuple[int, int, dt.date | None]]:
        return type(self), (self[0], self[1], self.as_of)  # pickle and copy keep as_of

    def __repr__(self) -> str:
        day = f", as_of={self.as_of!r}" if self.as_of is not None else ""
        return f"Term(academic_year={self[0]}, semester={self[1]}{day})"

    def __str__(self) -> str:
        return f"{self[0]}-{self[1]}"

    @property
    def seen_on(self) -> dt.date:
        """`as_of`, where a Term must have one (a report's term: `page.resolve_term` sets it)."""
        if self.as_of is None:
            raise ValueError(f"the term {self} has no as-of date (page.resolve_term gives a report's term one)")
        return self.as_of

    @property
    def academic_year(self) -> int:
        return self[0]

    @property
    def semester(self) -> int:
        return self[1]

    @property
    def starts_on(self) -> dt.date:
        year = self[0] + 1911
        return dt.date(year, 8, 1) if self[1] == 1 else dt.date(year + 1, 2, 1)

    @property
    def ends_on(self) -> dt.date:
        year = self[0] + 1912
        return dt.date(year, 1, 31) if self[1] == 1 else dt.date(year, 7, 31)

    @property
    def params(self) -> list[int]:
        """[academic_year, semester], to bind."""
        return [self[0], self[1]]

    def label(self, t: Callable[..., str]) -> str:
        """The term in the report's language; `t` is the report's `i18n.Strings`."""
        return t("term", academic_year=self[0], semester=self[1])


def term_of(day: dt.date) -> Term:
    """The term containing `day`: semester 1 from 1 Aug (through January), semester 2 from 1 Feb."""
    if day.month >= 8:
        return Term(day.year - 1911, 1)
    return Term(day.year - 1912, 1 if day.month == 1 else 2)


def term_columns(day: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """`term_of` over a date column: (academic_year, semester) as Int64 expressions, unnamed."""
    import polars as pl

    year, month = day.dt.year(), day.dt.month()
    return (pl.when(month >= 8).then(year - 1911).otherwise(year - 1912).cast(pl.Int64),
            pl.when((month >= 8) | (month == 1)).then(1).otherwise(2).cast(pl.Int64))


# --- the as-of date --------------------------------------------------------------------------
def parse_as_of(value: dt.date | str | None, *, what: str = "as-of date") -> dt.date | None:
    """An as-of date given as a date or as YYYY-MM-DD text; None stays None (the default date).
    `what` names it in the error: "as-of date" for the API, "--as-of" on the command line."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise DateError(f"{what} {value!r} is not a date", expected=AS_OF_FORMAT) from exc


def newest_export(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The day of the newest export loaded; None when nothing is loaded."""
    value = con.execute("SELECT max(exported_at) FROM snapshots").fetchall()[0][0]
    return value.date() if isinstance(value, dt.datetime) else None


def newest_export_or_today(con: duckdb.DuckDBPyConnection) -> dt.date:
    """What a connection answers as of when no date is given: the newest export loaded, or today
    for a database with nothing loaded yet (its views are empty whatever the date)."""
    return newest_export(con) or dt.date.today()


def default_as_of(db: Path) -> dt.date:
    """The newest export loaded in the database file (`lp run` without --as-of). Unlike a
    connection's default it refuses a database with nothing loaded: reports of nothing, in a folder
    named after today, would only mislead."""
    import duckdb

    from .store import open_db

    con = open_db(Path(db), read_only=True)
    try:
        try:
            day = newest_export(con)
        except duckdb.Error as exc:  # no snapshots table
            raise StoreError("the database has no lp tables yet; run `lp ingest` first", file=db) from exc
    finally:
        con.close()
    if day is None:
        raise StoreError("nothing is loaded yet, so there is no default as-of date; pass --as-of", file=db)
    return day


#: The temp table where `lpdata.views` records the building blocks it materialised on a connection
#: (name, the as-of date the table was built for, the view's plain SQL, the SQL reading the table,
#: whether the view reads the table now, and the statements creating the views its plain SQL reads,
#: for a prepared table's view created without them). Absent: nothing is materialised.
MATERIALISED = "lp_materialised"
_HAS_MATERIALISED = ("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '"
                     + MATERIALISED + "'")
_TO_REPOINT = ("SELECT name, CASE WHEN as_of = ? THEN stored_sql ELSE plain_sql END, as_of = ?, "
               "CASE WHEN as_of = ? THEN NULL ELSE needs END FROM "
               + MATERIALISED + " WHERE pointed IS DISTINCT FROM (as_of = ?) ORDER BY name")
_POINTED = "UPDATE " + MATERIALISED + " SET pointed = ? WHERE name = ?"


def set_as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    """Point every view of this connection at another as-of date (they read `lp_as_of` when
    queried, so no view needs recreating). A building block `lpdata.views` materialised for
    another date goes back to its plain SQL here, and one built for `day` reads its table again:
    a table is only ever read on the date it was built for, whoever moves the date."""
    con.execute("CREATE OR REPLACE TEMP TABLE lp_as_of AS SELECT ?::DATE AS as_of, "
                "(?::DATE + INTERVAL 1 DAY)::TIMESTAMP AS as_of_end", [day, day])
    if not con.execute(_HAS_MATERIALISED).fetchall()[0][0]:
        return
    for name, sql, pointed, needs in con.execute(_TO_REPOINT, [day, day, day, day]).fetchall():
        # names come from queries/ file names (identifiers), the SQL from the files themselves
        for statement in needs or ():  # a prepared table's view was created without the views its
            con.execute(statement)     # plain SQL reads: CREATE … IF NOT EXISTS each, in order
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')
        con.execute(_POINTED, [pointed, name])


def as_of_date(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date this connection answers for (set by `set_as_of`)."""
    value = con.execute("SELECT as_of FROM lp_as_of").fetchall()[0][0]
    assert isinstance(value, dt.date), "lp_as_of holds a DATE: set_as_of casts it"
    return value


__all__ = ["AS_OF_FORMAT", "MATERIALISED", "Term", "as_of_date", "default_as_of", "newest_export",
           "newest_export_or_today", "parse_as_of", "set_as_of", "term_columns", "term_of"]
