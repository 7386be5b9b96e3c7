"""lp-workbench: load Student Learning Portfolio exports into DuckDB and report on them.

The public facade is small:

    from lpdata import ingest, connect
    ingest("exports/2025-06-30", db="data/lp.duckdb")
    con = connect("data/lp.duckdb", as_of="2025-06-30")
    con.sql("SELECT * FROM data_quality").pl()
"""

__version__ = "0.1.0"

from .errors import LpdataError
from .ingest import ingest
from .views import connect

__all__ = ["LpdataError", "__version__", "connect", "ingest"]
