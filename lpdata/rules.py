"""The rules as dated settings, handed to SQL as tables.

Three layers, later ones winning for the same (effective_from, rule, setting):
1. the defaults of rules.md, shipped in `lpdata/data/rules.yaml`;
2. a rules YAML the school put in an export folder (ingested as kind `rules`, the newest file wins);
3. `parameters/rules.yaml` (or `$LP_PARAMETERS_DIR/rules.yaml`), the school's own overrides.

For a term of 學年度 Y a setting's value is that of its newest entry with effective_from ≤ Y. On every
connection `install` creates:
- `rule_settings` (effective_from, rule_id, setting, value, source): the merged entries;
- `rules_in_force` (academic_year, rule_id, setting, value, effective_from, source): one row per
  year from the oldest entry to 學年度 200, so views join on the year instead of searching;
- the macro `rule_value(rule_id, setting, academic_year)`.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

from .readers import read_rules_file

PARAMETERS_ENV = "LP_PARAMETERS_DIR"
DEFAULT_RULES = Path(__file__).resolve().parent / "data" / "rules.yaml"
LAST_YEAR = 200  # 學年度 200 is AD 2111: far enough


def parameters_dir() -> Path:
    """`$LP_PARAMETERS_DIR`, else the repository's `parameters/`."""
    env = os.environ.get(PARAMETERS_ENV)
    return Path(env) if env else Path(__file__).resolve().parent.parent / "parameters"


def school_rules_file() -> Path | None:
    path = parameters_dir() / "rules.yaml"
    return path if path.is_file() else None


def merged_rules(ingested: pl.DataFrame | None = None, school_file: Path | None = None) -> pl.DataFrame:
    """The three layers merged: one row per (effective_from, rule_id, setting), with its source."""
    layers = [read_rules_file(DEFAULT_RULES).with_columns(pl.lit("default").alias("source"))]
    if ingested is not None and ingested.height:
        layers.append(ingested.select("effective_from", "rule_id", "setting", "value")
                      .with_columns(pl.lit("ingested").alias("source")))
    if school_file is not None:
        layers.append(read_rules_file(school_file).with_columns(pl.lit(str(school_file)).alias("source")))
    merged = pl.concat(layers).with_row_index("_layer_order")
    return (merged.sort("_layer_order").group_by(["effective_from", "rule_id", "setting"], maintain_order=True)
            .last().drop("_layer_order").sort(["rule_id", "setting", "effective_from"]))


def in_force(settings: pl.DataFrame) -> pl.DataFrame:
    """Every year from the oldest entry to LAST_YEAR with the value in force that year."""
    first = int(settings["effective_from"].min())  # type: ignore[arg-type]
    years = pl.DataFrame({"academic_year": pl.int_range(first, LAST_YEAR + 1, eager=True).cast(pl.Int64)})
    keys = settings.select("rule_id", "setting").unique()
    grid = years.join(keys, how="cross").sort("academic_year")
    entries = settings.rename({"effective_from": "_from"}).sort("_from")
    joined = grid.join_asof(entries.with_columns(pl.col("_from").alias("academic_year")),
                            on="academic_year", by=["rule_id", "setting"], strategy="backward",
                            check_sortedness=False)
    return (joined.filter(pl.col("_from").is_not_null())
            .rename({"_from": "effective_from"})
            .select("academic_year", "rule_id", "setting", "value", "effective_from", "source"))


def install(con: duckdb.DuckDBPyConnection, *, school_file: Path | bool | None = True) -> pl.DataFrame:
    """Create `rule_settings`, `rules_in_force` and `rule_value()` on this connection.

    `school_file=True` looks for `parameters/rules.yaml`; a path uses that file; None or False none.
    """
    ingested = con.sql("SELECT effective_from, rule_id, setting, value FROM rules").pl()
    path = school_rules_file() if school_file is True else (school_file or None)
    settings = merged_rules(ingested, path)
    by_year = in_force(settings)
    con.register("_lp_rule_settings", settings)
    con.register("_lp_rules_in_force", by_year)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE rule_settings AS SELECT * FROM _lp_rule_settings")
        con.execute("CREATE OR REPLACE TEMP TABLE rules_in_force AS SELECT * FROM _lp_rules_in_force")
    finally:
        con.unregister("_lp_rule_settings")
        con.unregister("_lp_rules_in_force")
    con.execute("""CREATE OR REPLACE TEMP MACRO rule_value(rule_id_, setting_, academic_year_) AS (
                       SELECT value FROM rules_in_force
                       WHERE rule_id = rule_id_ AND setting = setting_ AND academic_year = academic_year_)""")
    return settings
