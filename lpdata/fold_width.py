"""`lp_fold_width(text)`: the SQL function the views fold full-width ASCII with, in numpy.

DuckDB lacks it: translate() with the 94 pairs would do, at some 10 µs a cell. `define_functions`
creates it on a connection (`lpdata.views` does, before the views that call it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import duckdb

if TYPE_CHECKING:  # imported when the function runs, so that `import lpdata` loads neither
    import numpy.typing as npt
    import pyarrow as pa

#: Full-width ASCII (U+FF01–U+FF5E) and its half-width twins (U+0021–U+007E).
FULL_WIDTH = tuple(chr(0xFF01 + i) for i in range(94))
HALF_WIDTH = tuple(chr(0x21 + i) for i in range(94))


# The annotations are quoted on purpose: DuckDB evaluates a UDF's annotations when it is created,
# and pyarrow is imported only once the function runs (so `import lpdata` does not load it).
def fold_width(text: "pa.Array | pa.ChunkedArray") -> "pa.Array":  # noqa: UP037
    """Full-width ASCII folded to half-width, on the UTF-8 bytes: U+FF01–U+FF3F is EF BC 81–BF and
    U+FF40–U+FF5E is EF BD 80–9E, their twins the one byte 0x21–0x7E (EF only ever leads a
    three-byte character, so every match is one). DuckDB calls this once per 2,048 values: a
    per-call cost (polars' replace_many builds its 94-pattern automaton on every call, some 4 ms)
    would dominate, so this is plain numpy; a chunk holding no full-width ASCII comes back as is."""
    import numpy as np
    import pyarrow as pa

    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        text = text.cast(pa.large_string())
    validity, offsets_buf, data_buf = text.buffers()
    n = len(text)
    offsets = cast("npt.NDArray[np.signedinteger[Any]]", np.frombuffer(
        offsets_buf, dtype=np.int64 if pa.types.is_large_string(text.type) else np.int32)
    )[text.offset:text.offset + n + 1]
    if data_buf is None or n == 0:
        return text
    start, end = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buf, dtype=np.uint8)[start:end]
    lead = np.flatnonzero(data[:-2] == 0xEF)
    second, third = data[lead + 1], data[lead + 2]
    hit = ((second == 0xBC) & (third >= 0x81)) | ((second == 0xBD) & (third <= 0x9E))
    if not hit.any():
        return text
    lead, second, third = lead[hit], second[hit], third[hit]
    out = data.copy()
    out[lead + 2] = np.where(second == 0xBC, third - 0x60, third - 0x20)
    keep = np.ones(len(data), dtype=bool)
    keep[lead] = False
    keep[lead + 1] = False
    relative = offsets - start  # a value loses two bytes per character folded before its end
    new_offsets = np.zeros(text.offset + n + 1, dtype=offsets.dtype)
    new_offsets[text.offset:] = relative - 2 * np.searchsorted(lead, relative)
    return pa.Array.from_buffers(text.type, n, [validity, pa.py_buffer(new_offsets), pa.py_buffer(out[keep])],
                                 null_count=text.null_count, offset=text.offset)


def define_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Create `lp_fold_width(text)` on this connection (once: a second call leaves it as it is)."""
    try:
        # type="arrow" as text: DuckDB 1.1 has no duckdb.func.ARROW yet, and takes the text in every version.
        con.create_function("lp_fold_width", fold_width, ["VARCHAR"], "VARCHAR",  # type: ignore[call-overload]
                            type="arrow", side_effects=False)
    except duckdb.CatalogException:  # already defined on this connection
        pass
