"""Chinese column labels for `lp query --labels zh`: contract headers first, then common names."""

from __future__ import annotations

from typing import Sequence

from .contract import KINDS_BY_NAME

COMMON_ZH = {
    "file": "檔案", "kind": "名冊別", "reason": "原因", "rows_read": "讀取列數", "rows_loaded": "載入列數",
    "rows_quarantined": "隔離列數", "rows_with_reason": "此原因列數", "example_row": "範例列",
    "file_id": "檔案編號", "snapshot_id": "快照編號", "exported_at": "匯出時間", "encoding": "編碼",
    "term_or_batch": "學期或批次", "rows": "列數", "older_snapshots": "歷史快照數", "files": "檔案",
    "snapshot_rows_quarantined": "快照隔離列數", "national_id_hash": "身分證號雜湊", "_file_id": "來源檔案",
    "_row": "來源列", "academic_year": "學年度", "semester": "學期", "class_name": "班級名稱",
    "student_no": "學號", "grade": "年級",
}


def zh_labels(view: str, columns: Sequence[str]) -> dict[str, str]:
    """A rename map for `columns`; names with no Chinese label keep their English name."""
    kind = KINDS_BY_NAME.get(view)
    by_name = {c.stored_name: c.header for c in kind.columns} if kind else {}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        label = by_name.get(col) or COMMON_ZH.get(col) or col
        if label in used:  # two columns must never share a label
            label = f"{label} ({col})"
        used.add(label)
        mapping[col] = label
    return mapping
