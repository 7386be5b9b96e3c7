"""reports/index.html: every report of every run, newest first, with its status and failing cell.

Built from the `manifest.json` of every `reports/<as_of>/` folder, so it can be rebuilt at any time
(`write_index(out)`). Offline and script-free (a Content-Security-Policy forbids both); all text is
escaped by Jinja's autoescape; links are relative, so the folder can be copied to a share.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import LpdataError
from .html import CSP
from .manifest import MANIFEST, ManifestEntry, read_manifest

_DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}\Z")

STATUS = {
    "ok": ("成功", "ok"),
    "failed": ("失敗", "failed"),
    "skipped": ("未變更", "skipped"),
}

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-Hant-TW">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<title>報表索引 Reports · lp-workbench</title>
<style>
:root { --ok: #1b7f3b; --failed: #b3261e; --skipped: #5f6b7a; --line: #d8dee6; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", "Heiti TC",
       system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; }
header { padding: 1.2rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--bg); }
header h1 { margin: 0; font-size: 1.35rem; }
header p { margin: .25rem 0 0; color: #57606a; }
main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 .4rem; }
details { border: 1px solid var(--line); border-radius: 8px; margin: .6rem 0; background: #fff; }
summary { cursor: pointer; padding: .55rem .8rem; font-weight: 600; }
summary .counts { font-weight: 400; color: #57606a; margin-left: .6rem; }
table { border-collapse: collapse; width: 100%; font-size: .93rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .7rem; border-top: 1px solid var(--line); }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .82rem;
         font-weight: 600; color: #fff; white-space: nowrap; }
.badge.ok { background: var(--ok); } .badge.failed { background: var(--failed); }
.badge.skipped { background: var(--skipped); }
tr.failed td { background: #fff5f4; }
.links a { margin-right: .6rem; }
.muted { color: #57606a; font-size: .85rem; }
.fail { color: var(--failed); font-weight: 600; }
pre { margin: .3rem 0 0; padding: .45rem .6rem; background: #f6f8fa; border: 1px solid var(--line);
      border-radius: 6px; white-space: pre-wrap; word-break: break-word; font-size: .82rem; max-width: 60rem; }
.empty { color: #57606a; }
</style>
</head>
<body>
<header>
<h1>報表索引 <span class="muted">Reports</span></h1>
<p>學生學習歷程檔案 報表 · 更新於 {{ generated }} · 每次執行的每份報表 Every report of every run</p>
</header>
<main>
{% if not days %}<p class="empty">尚無報表。No reports yet: run <code>lp run</code>.</p>{% endif %}
{% for day in days %}
<h2>資料日期 As of {{ day.as_of }}</h2>
{% for run in day.runs %}
<details{% if loop.first %} open{% endif %}>
<summary>執行 Run {{ run.run_id }}
<span class="counts">{{ run.started }} ·
成功 {{ run.counts.ok }} · 失敗 {{ run.counts.failed }} · 未變更 {{ run.counts.skipped }}
{% if run.log %} · <a href="{{ run.log }}">執行紀錄 log</a>{% endif %}</span></summary>
<table>
<thead><tr><th>報表 Report</th><th>狀態 Status</th><th>檔案 Files</th><th>秒 s</th><th>說明 Details</th></tr></thead>
<tbody>
{% for e in run.entries %}
<tr class="{{ e.status }}">
<td>{{ e.title }}<div class="muted">{{ e.params }}</div></td>
<td><span class="badge {{ e.status }}">{{ e.status_zh }} {{ e.status }}</span></td>
<td class="links">{% for link in e.links %}<a href="{{ link.href }}">{{ link.text }}</a>{% endfor %}</td>
<td class="num">{{ e.duration }}</td>
<td>{% if e.cell %}<span class="fail">第 {{ e.cell.number }} 格 cell {{ e.cell.number }}{% if e.cell.execution_count %} (In [{{ e.cell.execution_count }}]){% endif %}:
{{ e.cell.error }}{% if e.cell.message %}: {{ e.cell.message }}{% endif %}</span>
{% if e.cell.source %}<pre>{{ e.cell.source }}</pre>{% endif %}
{% elif e.error %}<span class="fail">{{ e.error.name }}: {{ e.error.message }}</span>
{% elif e.status == "skipped" %}<span class="muted">輸入未變更，沿用 {{ e.skipped_from }} unchanged since run {{ e.skipped_from }}</span>
{% else %}<span class="muted">{{ e.reason }}</span>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
</details>
{% endfor %}
{% endfor %}
</main>
</body>
</html>
"""


def _href(day: str, rel: str | None) -> str | None:
    if not rel or rel.startswith("/") or ".." in Path(rel).parts:
        return None
    return quote(f"{day}/{rel}")


def _entry_view(day: str, e: ManifestEntry) -> dict[str, Any]:
    status = e.status if e.status in STATUS else "failed"
    links = []
    for rel, text in ((e.outputs.html, "HTML"), (e.outputs.ipynb, "ipynb")):
        href = _href(day, rel)
        if href:
            links.append({"href": href, "text": text})
    for rel in e.outputs.files:
        href = _href(day, rel)
        if href:
            links.append({"href": href, "text": Path(rel).name})
    shown = {k: v for k, v in e.parameters.items() if k not in ("db", "output_dir", "as_of")}
    return {
        "title": e.label or f"{e.notebook} {e.job}",
        "params": ", ".join(f"{k}={v}" for k, v in shown.items()),
        "status": status, "status_zh": STATUS[status][0], "links": links,
        "duration": f"{e.duration_s:.1f}" if e.duration_s is not None and status != "skipped" else "",
        "cell": e.failing_cell, "error": e.error, "reason": e.reason, "skipped_from": e.skipped_from or "",
    }


def collect(out_root: Path) -> list[dict[str, Any]]:
    days = []
    for folder in sorted((p for p in Path(out_root).iterdir() if p.is_dir() and _DATE_DIR.match(p.name)),
                         key=lambda p: p.name, reverse=True) if Path(out_root).is_dir() else []:
        if not (folder / MANIFEST).is_file():
            continue
        try:
            entries = read_manifest(folder)
        except LpdataError:  # not readable: the index shows the other days
            continue
        runs: dict[str, list[ManifestEntry]] = {}
        for e in entries:
            runs.setdefault(e.run_id or "?", []).append(e)
        views = []
        for run_id in sorted(runs, reverse=True):
            rows = runs[run_id]
            counts = {s: sum(1 for e in rows if e.status == s) for s in STATUS}
            log = rows[0].log
            started = min((e.started_at for e in rows), default="")[:19].replace("T", " ")
            views.append({"run_id": run_id, "counts": counts, "started": started,
                          "log": _href(folder.name, log) if log and (folder / log).is_file() else None,
                          "entries": [_entry_view(folder.name, e) for e in rows]})
        days.append({"as_of": folder.name, "runs": views})
    return days


def render_index(out_root: Path) -> str:
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return env.from_string(_TEMPLATE).render(days=collect(out_root), generated=generated, csp=CSP)


def write_index(out_root: str | Path) -> Path:
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    path = out_root / "index.html"
    tmp = out_root / ".index.html.tmp"
    tmp.write_text(render_index(out_root), encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["collect", "render_index", "write_index"]
