"""reports/index.html: the reports, for the staff who read them, and every run, for whoever runs them.

Built from the `manifest.json` of every `reports/<as_of>/` folder, so it can be rebuilt at any time
(`write_index(out)`). The newest as-of date comes first, its reports grouped by who reads them
(READERS: 導師 the class dashboards, each named with its homeroom teacher; 教務處 the school
reports; 工作小組 the briefing), each report as its latest run left it. Earlier as-of dates are
folded, and so are the operator details (each run's parameters, seconds, notebooks and failing
cell; the latest run first, earlier runs folded again). Folding is `<details>`: the page runs no
script (a Content-Security-Policy forbids scripts and fetches).

In Traditional Chinese, unless every report listed is in English (an index of English reports is
in English). All text is escaped by Jinja's autoescape. Links are relative, so the folder can be
copied to a share, and only to files that are there: the index has no dead link.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import LpdataError
from .html import CSP
from .i18n import TEXT, Strings, strings
from .manifest import MANIFEST, ManifestEntry, read_manifest

_DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}\Z")

#: Who reads which report, in the order the index shows them. A notebook not listed goes under "other".
READERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("homeroom", ("class_dashboard",)),
    ("office", ("school_completion", "certification_backlog", "reconciliation", "data_quality", "effectiveness")),
    ("taskforce", ("taskforce_briefing",)),
)
OTHER = "other"
STATUSES = ("ok", "failed", "skipped")
#: Parameters the runner sets (where the files are): not worth an operator's reading.
_RUNNER_PARAMS = ("db", "output_dir", "as_of")
_REASONS = {"new": "index.reason.new", "forced": "index.reason.forced", "the last run failed": "index.reason.failed_before",
            "its files are missing": "index.reason.missing", "unchanged": "index.reason.unchanged"}

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ html_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<title>{{ t("index.title") }}</title>
<style>
:root { --ok: #1b7f3b; --failed: #b3261e; --skipped: #5f6b7a; --line: #d8dee6; --bg: #f6f8fa; --link: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", "Heiti TC",
       system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; }
a { color: var(--link); }
header { padding: 1.2rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--bg); }
header h1 { margin: 0; font-size: 1.4rem; }
header p { margin: .25rem 0 0; color: #57606a; }
main { padding: .5rem 1.5rem 3rem; max-width: 1100px; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .3rem; }
section.reader { margin: 1rem 0 1.4rem; }
section.reader h3 { font-size: 1.1rem; margin: 0 0 .1rem; padding-left: .5rem; border-left: 4px solid var(--link); }
section.reader p.about { margin: 0 0 .4rem; color: #57606a; font-size: .9rem; }
details { border: 1px solid var(--line); border-radius: 8px; margin: .6rem 0; padding: 0 .8rem; background: #fff; }
summary { cursor: pointer; padding: .55rem .8rem; margin: 0 -.8rem; font-weight: 600; }
summary .counts { font-weight: 400; color: #57606a; margin-left: .6rem; }
table { border-collapse: collapse; width: 100%; font-size: .93rem; margin-bottom: .6rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .7rem; border-top: 1px solid var(--line); }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.class { white-space: nowrap; font-weight: 600; }
table.classes { width: auto; min-width: 32rem; }
.files a { margin-right: .7rem; white-space: nowrap; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .82rem;
         font-weight: 600; color: #fff; white-space: nowrap; }
.badge.ok { background: var(--ok); } .badge.failed { background: var(--failed); }
.badge.skipped { background: var(--skipped); }
tr.failed td { background: #fff5f4; }
.muted { color: #57606a; font-size: .85rem; }
.fail { color: var(--failed); font-weight: 600; }
pre { margin: .3rem 0 0; padding: .45rem .6rem; background: #f6f8fa; border: 1px solid var(--line);
      border-radius: 6px; white-space: pre-wrap; word-break: break-word; font-size: .82rem; max-width: 60rem; }
.empty { color: #57606a; }
</style>
</head>
<body>
<header>
<h1>{{ t("index.title") }}</h1>
{% if days %}<p>{{ t("index.lead", as_of=days[0].as_of, generated=generated) }}</p>{% endif %}
</header>
<main>
{% if not days %}<p class="empty">{{ t("index.empty") }}</p>{% endif %}
{% macro reports(day) %}
{% for group in day.groups %}
<section class="reader" id="{{ day.as_of }}-{{ group.key }}">
<h3>{{ group.name }}</h3>
{% if group.about %}<p class="about">{{ group.about }}</p>{% endif %}
<table{% if group.key == "homeroom" %} class="classes"{% endif %}>
{% if group.key == "homeroom" %}
<thead><tr><th>{{ t("index.class") }}</th><th>{{ t("index.teacher") }}</th><th>{{ t("index.files") }}</th></tr></thead>
<tbody>
{% for r in group.rows %}
<tr class="{{ r.status }}">
<td class="class">{% if r.page %}<a href="{{ r.page }}">{{ r.name }}</a>{% else %}{{ r.name }}{% endif %}</td>
<td>{{ r.teacher }}</td>
<td class="files">{% for f in r.files %}<a href="{{ f.href }}">{{ f.text }}</a>{% endfor %}{% if r.note %}<span class="fail">{{ r.note }}</span>{% endif %}</td>
</tr>
{% endfor %}
{% else %}
<thead><tr><th>{{ t("index.report") }}</th><th>{{ t("index.term") }}</th><th>{{ t("index.files") }}</th></tr></thead>
<tbody>
{% for r in group.rows %}
<tr class="{{ r.status }}">
<td>{% if r.page %}<a href="{{ r.page }}">{{ r.name }}</a>{% else %}{{ r.name }}{% endif %}</td>
<td>{{ r.term }}</td>
<td class="files">{% for f in r.files %}<a href="{{ f.href }}">{{ f.text }}</a>{% endfor %}{% if r.note %}<span class="fail">{{ r.note }}</span>{% endif %}</td>
</tr>
{% endfor %}
{% endif %}
</tbody>
</table>
</section>
{% endfor %}
{% endmacro %}
{% macro run_table(run) %}
<table>
<thead><tr><th>{{ t("index.report") }}</th><th>{{ t("index.status") }}</th><th>{{ t("index.notebook") }}</th>
<th>{{ t("index.parameters") }}</th><th>{{ t("index.seconds") }}</th><th>{{ t("index.details") }}</th></tr></thead>
<tbody>
{% for e in run.entries %}
<tr class="{{ e.status }}">
<td>{{ e.name }}</td>
<td><span class="badge {{ e.status }}">{{ e.status_text }}</span></td>
<td class="files">{% for f in e.links %}<a href="{{ f.href }}">{{ f.text }}</a>{% endfor %}<div class="muted">{{ e.notebook }}</div></td>
<td class="muted">{{ e.params }}</td>
<td class="num">{{ e.duration }}</td>
<td>{% if e.cell %}<span class="fail">{{ e.cell.where }}{% if e.cell.execution_count %} (In [{{ e.cell.execution_count }}]){% endif %}:
{{ e.cell.error }}{% if e.cell.message %}: {{ e.cell.message }}{% endif %}</span>
{% if e.cell.source %}<pre>{{ e.cell.source }}</pre>{% endif %}
{% elif e.error %}<span class="fail">{{ e.error.name }}: {{ e.error.message }}</span>
{% elif e.status == "skipped" %}<span class="muted">{{ t("index.skipped_from", run_id=e.skipped_from) }}</span>
{% else %}<span class="muted">{{ e.reason }}</span>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% endmacro %}
{% macro run_summary(run) %}
<summary>{{ t("index.run", run_id=run.run_id) }}
<span class="counts">{{ t("index.run_counts", started=run.started, ok=run.counts.ok, failed=run.counts.failed, skipped=run.counts.skipped) }}
{% if run.log %} · <a href="{{ run.log }}">{{ t("index.log") }}</a>{% endif %}</span></summary>
{% endmacro %}
{% macro operator(day) %}
<details class="operator">
<summary>{{ t("index.operator") }}</summary>
<p class="muted">{{ t("index.operator.about") }}</p>
{% for run in day.runs %}
{% if loop.first %}
<details class="run" open>{{ run_summary(run) }}{{ run_table(run) }}</details>
{% if day.runs | length > 1 %}
<details class="earlier-runs"><summary>{{ t("index.earlier_runs", n=day.runs | length - 1) }}</summary>
{% endif %}
{% else %}
<details class="run">{{ run_summary(run) }}{{ run_table(run) }}</details>
{% endif %}
{% if loop.last and day.runs | length > 1 %}</details>{% endif %}
{% endfor %}
</details>
{% endmacro %}
{% for day in days %}
{% if loop.first %}
<h2>{{ t("as_of", as_of=day.as_of) }}</h2>
{{ reports(day) }}
{{ operator(day) }}
{% else %}
{% if loop.index == 2 %}<h2>{{ t("index.earlier_days") }}</h2>{% endif %}
<details class="day"><summary>{{ t("as_of", as_of=day.as_of) }}</summary>
{{ reports(day) }}
{{ operator(day) }}
</details>
{% endif %}
{% endfor %}
</main>
</body>
</html>
"""


def _href(out_root: Path, day: str, rel: str | None) -> str | None:
    """The link from reports/index.html to reports/<day>/<rel>, if that file is there."""
    if not rel or rel.startswith("/") or ".." in Path(rel).parts or not (out_root / day / rel).is_file():
        return None
    return quote(f"{day}/{rel}")


def index_lang(entries: Iterable[ManifestEntry]) -> str:
    """English when every report is in English, else Traditional Chinese (Chinese first)."""
    langs = {str(e.parameters.get("lang", "zh-TW")) for e in entries}
    return "en" if langs == {"en"} else "zh-TW"


def reader_of(notebook: str) -> str:
    return next((key for key, notebooks in READERS if notebook in notebooks), OTHER)


def report_title(t: Strings, notebook: str, parameters: Mapping[str, Any]) -> str:
    """The report's title in the index's language (the page's own title key), else its notebook name."""
    key = f"{notebook}.title"
    if key in TEXT:
        try:
            return t(key, **parameters)
        except (KeyError, IndexError, ValueError):  # a title field the entry lacks
            pass
    if f"index.{notebook}" in TEXT:
        return t(f"index.{notebook}")
    return notebook


def _lang_note(t: Strings, lang: str, entry: ManifestEntry) -> str:
    """"（英文版）" after a report not in the index's language."""
    own = str(entry.parameters.get("lang", "zh-TW"))
    return t(f"index.lang.{own}") if own != lang and f"index.lang.{own}" in TEXT else ""


def _reason(t: Strings, reason: str) -> str:
    if reason in _REASONS:
        return t(_REASONS[reason])
    if reason.startswith("changed: "):
        parts = [t(f"index.input.{p}") if f"index.input.{p}" in TEXT else p for p in reason[len("changed: "):].split(", ")]
        return t("index.reason.changed", what=("、" if t.zh else ", ").join(parts))
    return reason


def _params(t: Strings, parameters: Mapping[str, Any]) -> str:
    shown = []
    for key, value in parameters.items():
        if key in _RUNNER_PARAMS:
            continue
        label = t(f"index.param.{key}") if f"index.param.{key}" in TEXT else key
        text = t(f"index.lang_name.{value}") if key == "lang" and f"index.lang_name.{value}" in TEXT else str(value)
        shown.append(f"{label} {text}" if t.zh else f"{label}={text}")
    return ("、" if t.zh else ", ").join(shown)


def _term(t: Strings, parameters: Mapping[str, Any]) -> str:
    year, semester = parameters.get("academic_year"), parameters.get("semester")
    return t("index.term_short", academic_year=year, semester=semester) if year is not None and semester else ""


def _staff_row(t: Strings, lang: str, out_root: Path, day: str, e: ManifestEntry) -> dict[str, Any]:
    """One report as its readers see it: its title (a class dashboard: the class and its teacher),
    a link to the page and to each file it wrote."""
    status = e.status if e.status in STATUSES else "failed"
    class_name = e.parameters.get("class_name")
    name = t("index.class_name", class_name=class_name) if e.notebook == "class_dashboard" and class_name \
        else report_title(t, e.notebook, e.parameters)
    page = _href(out_root, day, e.outputs.html)
    files = [{"href": href, "text": Path(rel).name} for rel in e.outputs.files
             if (href := _href(out_root, day, rel))]
    note = ""
    if status == "failed":
        note = t("index.not_made")
        page = None  # what a failed run leaves is a half page with a traceback: not for staff
        files = []
    return {"name": name + _lang_note(t, lang, e), "teacher": e.homeroom_teacher or t("missing"),
            "term": _term(t, e.parameters), "page": page, "files": files, "note": note, "status": status,
            "class_name": str(class_name or "")}


def _operator_row(t: Strings, out_root: Path, day: str, e: ManifestEntry) -> dict[str, Any]:
    status = e.status if e.status in STATUSES else "failed"
    links = [{"href": href, "text": t(text)} for rel, text in ((e.outputs.html, "index.page"),
                                                                 (e.outputs.ipynb, "index.notebook"))
             if (href := _href(out_root, day, rel))]
    cell = None
    if e.failing_cell is not None:
        c = e.failing_cell
        cell = {"where": t("index.cell", n=c.number), "execution_count": c.execution_count, "error": c.error,
                "message": c.message, "source": c.source}
    title = report_title(t, e.notebook, e.parameters) or e.label
    return {"name": title, "notebook": f"{e.notebook}.ipynb" if e.notebook else e.label,
            "status": status, "status_text": t(f"index.status.{status}"), "links": links,
            "params": _params(t, e.parameters),
            "duration": f"{e.duration_s:.1f}" if e.duration_s is not None and status != "skipped" else "",
            "cell": cell, "error": e.error, "reason": _reason(t, e.reason), "skipped_from": e.skipped_from or ""}


def _groups(t: Strings, lang: str, out_root: Path, day: str, latest: Sequence[ManifestEntry]) -> list[dict[str, Any]]:
    order = {nb: (g, n) for g, (_, notebooks) in enumerate(READERS) for n, nb in enumerate(notebooks)}
    rows: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
    for i, e in enumerate(latest):
        row = _staff_row(t, lang, out_root, day, e)
        sort = (*order.get(e.notebook, (len(READERS), 0)), row["class_name"], i)
        rows.setdefault(reader_of(e.notebook), []).append((sort, row))
    groups = []
    for key in [k for k, _ in READERS] + [OTHER]:
        if key in rows:
            groups.append({"key": key, "name": t(f"index.reader.{key}"), "about": t(f"index.reader.{key}.about"),
                           "rows": [row for _, row in sorted(rows[key], key=lambda r: r[0])]})
    return groups


def _read_days(out_root: Path) -> list[tuple[str, list[ManifestEntry]]]:
    """(as_of, entries) of every readable manifest, the newest date first."""
    if not out_root.is_dir():
        return []
    days = []
    for folder in sorted((p for p in out_root.iterdir() if p.is_dir() and _DATE_DIR.match(p.name)),
                         key=lambda p: p.name, reverse=True):
        if not (folder / MANIFEST).is_file():
            continue
        try:
            entries = read_manifest(folder)
        except LpdataError:  # not readable: the index shows the other days
            continue
        if entries:
            days.append((folder.name, entries))
    return days


def collect(out_root: Path, t: Strings | None = None) -> list[dict[str, Any]]:
    """Every as-of date, newest first: its reports by reader (each as its latest run left it) and its runs."""
    out_root = Path(out_root)
    read = _read_days(out_root)
    if t is None:
        t = strings(index_lang(e for _, entries in read for e in entries))
    lang = "zh-TW" if t.zh else "en"
    days = []
    for day, entries in read:
        runs: dict[str, list[ManifestEntry]] = {}
        for e in entries:
            runs.setdefault(e.run_id or "?", []).append(e)
        latest: dict[str, ManifestEntry] = {}
        for run_id in sorted(runs):  # the later run's entry wins; first seen keeps its place
            for e in runs[run_id]:
                latest[e.key] = e
        views = []
        for run_id in sorted(runs, reverse=True):
            rows = runs[run_id]
            counts = {s: sum(1 for e in rows if e.status == s) for s in STATUSES}
            started = min((e.started_at for e in rows), default="")[:16].replace("T", " ")
            views.append({"run_id": run_id, "counts": counts, "started": started,
                          "log": _href(out_root, day, rows[0].log),
                          "entries": [_operator_row(t, out_root, day, e) for e in rows]})
        days.append({"as_of": day, "groups": _groups(t, lang, out_root, day, list(latest.values())), "runs": views})
    return days


def render_index(out_root: Path) -> str:
    from jinja2 import Environment

    out_root = Path(out_root)
    t = strings(index_lang(e for _, entries in _read_days(out_root) for e in entries))
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return env.from_string(_TEMPLATE).render(days=collect(out_root, t), generated=generated, csp=CSP, t=t,
                                             html_lang="zh-Hant-TW" if t.zh else "en")


def write_index(out_root: str | Path) -> Path:
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    path = out_root / "index.html"
    tmp = out_root / ".index.html.tmp"
    tmp.write_text(render_index(out_root), encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["READERS", "collect", "index_lang", "reader_of", "render_index", "report_title", "write_index"]
