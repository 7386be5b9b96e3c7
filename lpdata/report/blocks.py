"""The building blocks of a report page, as HTML: title, sections, headline numbers, tables, footnotes.

    display(title(t, "class_dashboard.title", term, class_name="301"))
    display(headline([Number(t("h.students"), 1234)], t))
    display(table(frame, t, view="class_completion"))

Every value is escaped (`html.escape`): a name or a file path can never inject markup. Rates are
fractions in the views and shown as % here. Tables are drawn by great_tables (labels, formats,
missing values, escaping) and handed over in the page's `lp-*` classes, styled once by STYLE.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import great_tables as gt
import polars as pl

from .i18n import Strings

if TYPE_CHECKING:
    from ..dates import Term

MAX_ROWS = 60
WRAP_AT = 24  # characters: a longer cell may wrap, shorter ones stay on one line

STYLE = """<style>
.lp-page{font-family:"Noto Sans CJK TC","Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;color:#222}
.lp-page h1{font-size:1.5em;margin:.2em 0}.lp-page h2{font-size:1.2em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
.lp-sub{color:#555;margin:0 0 .6em}
.lp-headline{display:flex;flex-wrap:wrap;gap:.8em;margin:.6em 0}
.lp-num{border:1px solid #ddd;border-radius:6px;padding:.5em .9em;min-width:8em;background:#fafafa}
.lp-num[title]{cursor:help}.lp-value{font-size:1.7em;font-weight:bold}.lp-label{color:#444}
.lp-note{color:#777;font-size:.85em}
.lp-num.lp-alert .lp-value{color:#b22222}
.lp-page table.lp-table{border-collapse:collapse;font-size:.9em;margin:.4em 0}
.lp-page table.lp-table th,.lp-page table.lp-table td{border-bottom:1px solid #e3e3e3;padding:.25em .6em;
text-align:left;vertical-align:top;white-space:nowrap}
.lp-page table.lp-table th{background:#f3f3f3;white-space:normal;min-width:4em}
.lp-page table.lp-table th[title]{cursor:help;text-decoration:underline dotted}
.lp-page table.lp-table td.lp-n{text-align:right;font-variant-numeric:tabular-nums}
.lp-page table.lp-table td.lp-wrap{white-space:normal;min-width:18em}
.lp-notes{font-size:.85em;color:#444;margin-top:1.5em}.lp-more{color:#666;font-size:.85em}
@page{size:A4;margin:14mm 12mm 15mm;
@bottom-left{content:var(--lp-footer,"");font:7.5pt "Noto Sans CJK TC","Noto Sans TC",sans-serif;color:#555}
@bottom-right{content:counter(page) " / " counter(pages);font:7.5pt "Noto Sans CJK TC",sans-serif;color:#555}}
@media print{
html,body{font-size:9.5pt;background:#fff}
body.jp-Notebook{max-width:none;margin:0;padding:0}
.lp-screen-only,.jp-InputPrompt,.jp-OutputPrompt,.jp-Collapser{display:none!important}
.jp-Cell,.jp-Notebook .jp-Cell{padding:0;margin:0}
.jp-OutputArea-child{break-inside:auto}
.jp-OutputArea-output{overflow:visible!important;padding:0}
.jp-Cell:not(:has(.lp-long)),.lp-page:not(.lp-long),.lp-num,.lp-page table.lp-table tr{break-inside:avoid}
.lp-page h1,.lp-page h2,.lp-page h3,.lp-page caption{break-after:avoid}
.lp-page h2{margin:.8em 0 .3em}
.lp-headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(5.5em,1fr));gap:.4em}
.lp-num{padding:.3em .45em;min-width:0;background:#fff;overflow-wrap:anywhere}
.lp-value{font-size:1.35em}
.lp-page table.lp-table{width:100%;font-size:8pt;table-layout:auto}
.lp-page table.lp-table thead{display:table-header-group}
.lp-page table.lp-table th,.lp-page table.lp-table td{padding:.15em .35em}
.lp-page table.lp-table th{min-width:2.5em}
.lp-page table.lp-table td:not(.lp-n){white-space:normal;word-break:keep-all}
.lp-page table.lp-table td.lp-wrap{min-width:8em;word-break:normal;overflow-wrap:anywhere}
.lp-page table.lp-table th[title]{text-decoration:none}
.jp-RenderedSVG img,.jp-RenderedImage img,.lp-page img{max-width:100%!important;max-height:195mm;width:auto;
height:auto!important}
.lp-notes{font-size:7.5pt;margin-top:.8em}.lp-notes ol{margin:.2em 0;padding-left:1.6em}
}
</style>"""
#: Rows from which a table may break across printed pages (shorter ones move whole to the next page).
LONG_TABLE = 16


class Html(str):
    """HTML text Jupyter shows as HTML (no IPython needed to build it)."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def rate_text(value: float | None, t: Strings | None = None) -> str:
    if value is None:
        return t("missing") if t else "—"
    return f"{value:.1%}"


def number_text(value: Any, t: Strings | None = None) -> str:
    if value is None:
        return t("missing") if t else "—"
    if isinstance(value, bool):
        return (t("yes") if value else t("no")) if t else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string: quotes, backslashes, line breaks and `<` escaped, so no value
    can end the string, the rule or the <style> element it is written in."""
    def escape(ch: str) -> str:
        return f"\\{ord(ch):x} " if ch in '"\\<>&\n\r\f' or ord(ch) < 32 else ch

    return '"' + "".join(escape(ch) for ch in text) + '"'


def title(t: Strings, key: str, term: Term | None = None, **fields: Any) -> Html:
    """The page's title, its term and as-of date, and the page style (once per page). The printed
    footer repeats the title, term and data date on every page: Chromium's @page margin boxes read
    the custom property --lp-footer set here on the root (they cannot read the page's text)."""
    sub = []
    if term is not None:
        sub = [term.label(t), t("as_of", as_of=term.seen_on.isoformat())]
    heading = t(key, **fields)
    footer = f"<style>:root{{--lp-footer:{css_string(' · '.join([heading, *sub]))}}}</style>"
    return Html(f'{STYLE}{footer}<div class="lp-page"><h1>{esc(heading)}</h1>'
                f'<p class="lp-sub">{esc(" · ".join(sub))}</p></div>')


def section(text: str) -> Html:
    return Html(f'<div class="lp-page"><h2>{esc(text)}</h2></div>')


def paragraph(text: str) -> Html:
    return Html(f'<div class="lp-page"><p>{esc(text)}</p></div>')


def excel_link(t: Strings, path: str | Path, key: str = "excel_written") -> Html:
    """The line naming a file the report wrote ("行動清單（Excel）：x.xlsx"), the name a link to it.
    Relative to the page: the runner writes a report's files into its output_dir, <slug>/, beside
    its page <slug>.html, so the link works on a share and from a copy of the folder."""
    path = Path(path)
    href = quote(f"{path.parent.name}/{path.name}" if path.parent.name else path.name)
    before, _, after = t(key, path="\0").partition("\0")
    link = f'<a href="{esc(href)}">{esc(path.name)}</a>'
    return Html(f'<div class="lp-page"><p class="lp-file">{esc(before)}{link}{esc(after)}</p></div>')


@dataclass(frozen=True)
class Number:
    """One headline number: its label, value (a count, a rate when `rate`, or text), a note under it
    and a definition shown on hover (and again in the footnotes)."""

    label: str
    value: Any
    note: str = ""
    definition: str = ""
    rate: bool = False
    alert: bool = False


def headline(numbers: Sequence[Number], t: Strings | None = None) -> Html:
    cells = []
    for n in numbers:
        value = rate_text(n.value, t) if n.rate else number_text(n.value, t)
        hover = f' title="{esc(n.definition)}"' if n.definition else ""
        cls = "lp-num lp-alert" if n.alert else "lp-num"
        note = f'<div class="lp-note">{esc(n.note)}</div>' if n.note else ""
        cells.append(f'<div class="{cls}"{hover}><div class="lp-value">{esc(value)}</div>'
                     f'<div class="lp-label">{esc(n.label)}</div>{note}</div>')
    return Html(f'<div class="lp-page"><div class="lp-headline">{"".join(cells)}</div></div>')


def _is_rate(name: str, rates: Iterable[str]) -> bool:
    return name in rates or name.endswith("_rate")


def _cell(value: Any, name: str, t: Strings, rate: bool) -> tuple[str, bool]:
    """(text, numeric) of one cell."""
    if value is None:
        return t("missing"), False
    if isinstance(value, bool):
        return (t("yes") if value else t("no")), False
    if t.has_values(name) and isinstance(value, str):
        return t.value(name, value), False
    if rate and isinstance(value, (int, float)):
        return rate_text(value), True
    if isinstance(value, (int, float)):
        return number_text(value), True
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M"), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    if isinstance(value, (list, tuple)):
        return ", ".join(t.value(name, v) if t.has_values(name) else str(v) for v in value), False
    return str(value), False


def _is_numeric(dtype: pl.DataType, name: str, numeric: Sequence[str]) -> bool:
    return dtype.is_integer() or dtype.is_float() or (name in numeric and dtype == pl.String)


def _formatter(name: str, t: Strings, rate: bool, numeric: bool) -> Callable[[Any], str]:
    """The escaped text of one non-missing cell of column `name` (great_tables does not escape what
    `fmt` returns). The existing texts, not great_tables' number formats: those write negatives with
    U+2212 and "-0.0" as "0.0", and the pages and the small-cell check read ASCII minus."""
    def text(value: Any) -> str:
        if numeric and isinstance(value, str):  # counts as text: "12" as 12, "<3" as it is
            return number_text(int(value)) if value.isdigit() else value
        return _cell(value, name, t, rate)[0]

    return lambda value: esc(text(value))


#: great_tables' body cell: its alignment (set per column below) and its escaped text.
_GT_CELL = re.compile(r'<td\b[^>]*\bclass="gt_row gt_(left|right)"[^>]*>(.*?)</td>', re.DOTALL)


def _lp_markup(rendered: str, missing: str) -> str:
    """great_tables' table in the page's classes: the page's one stylesheet (STYLE) styles it, so
    great_tables' own per-table <style> and wrapper are dropped (they would repeat ~9 KB per table,
    carry a random id and, in great_tables 1.1, two unscoped rules). Numbers right-aligned (`lp-n`,
    a dash for missing stays plain as before), long text allowed to wrap (`lp-wrap`)."""

    def cell(m: re.Match[str]) -> str:
        align, text = m.group(1), m.group(2)
        if align == "right" and text != missing:
            return f'<td class="lp-n">{text}</td>'
        return f'<td class="lp-wrap">{text}</td>' if len(html.unescape(text)) > WRAP_AT else f"<td>{text}</td>"

    out = _GT_CELL.sub(cell, rendered[rendered.index("<table"):rendered.rindex("</table>") + len("</table>")])
    out = re.sub(r'<table class="gt_table"[^>]*>', '<table class="lp-table">', out, count=1)
    out = out.replace('<tr class="gt_col_headings">', "<tr>").replace('<tbody class="gt_table_body">', "<tbody>")
    # Headers as the page has always written them: <th>, with a definition as its own title (no
    # span, no layout attributes); great_tables' title row back as the table's <caption>.
    out = re.sub(r'<th class="gt_col_heading[^"]*"[^>]*>', "<th>", out)
    out = re.sub(r'<th><span title="([^"]*)">(.*?)</span></th>', r'<th title="\1">\2</th>', out)
    heading = re.search(r'\s*<tr class="gt_heading">\s*<td [^>]*>(.*?)</td>\s*</tr>', out, flags=re.DOTALL)
    if heading is not None:
        out = out[:heading.start()] + out[heading.end():]
        caption = f"<caption>{heading.group(1)}</caption>"
        out = out.replace('<table class="lp-table">', '<table class="lp-table">' + caption, 1)
    # header ids only served the `headers` of the cells just rewritten; several tables share a page
    return re.sub(r'(<t[hd]\b[^>]*?) id="[^"]*"', r"\1", out)


def table(frame: pl.DataFrame, t: Strings, *, view: str | None = None, rates: Sequence[str] = (),
          definitions: Mapping[str, str] = {}, labels: Mapping[str, str] = {}, caption: str = "",
          max_rows: int | None = MAX_ROWS, more_key: str = "rows_more_plain",
          numeric: Sequence[str] = ()) -> Html:
    """The frame as an HTML table (great_tables): Chinese (or English) column labels, codes as words,
    rates as %, yes/no for flags, every value escaped. `definitions`: column -> text shown on hovering
    its header. More than `max_rows` rows: the first ones and a line saying how many more. `numeric`:
    columns shown as numbers though they hold text (the counts `suppress_small` turned into text:
    "12" as 12, "<3" as is, both aligned as numbers)."""
    if frame.is_empty():
        return Html(f'<div class="lp-page"><p class="lp-more">{esc(t("no_rows"))}</p></div>')
    heads = {**t.columns(frame.columns, view), **labels}
    shown = frame.head(max_rows) if max_rows else frame
    right = [n for n, d in shown.schema.items() if _is_numeric(d, n, numeric)]
    gtable = gt.GT(shown).sub_missing(missing_text=t("missing"))
    for name, dtype in shown.schema.items():
        if dtype == pl.String and name not in right and not t.has_values(name):
            continue  # plain text: great_tables escapes it as it is (html.escape, like `esc`)
        gtable = gtable.fmt(_formatter(name, t, _is_rate(name, rates), name in right), columns=name)
    gtable = gtable.cols_label(cases={
        n: gt.html(f'<span title="{esc(definitions[n])}">{esc(heads[n])}</span>' if n in definitions
                   else esc(heads[n])) for n in shown.columns})
    gtable = gtable.cols_align("left")
    if right:
        gtable = gtable.cols_align("right", columns=right)
    if caption:
        gtable = gtable.tab_header(title=caption)
    body = _lp_markup(gtable.as_raw_html(), esc(t("missing")))
    more = ""
    if max_rows and frame.height > max_rows:
        more = f'<p class="lp-more">{esc(t(more_key, n=frame.height - max_rows))}</p>'
    cls = "lp-page lp-long" if shown.height >= LONG_TABLE else "lp-page"
    return Html(f'<div class="{cls}">{body}{more}</div>')


def footnotes(t: Strings, keys: Sequence[str] = (), extra: Sequence[str] = ()) -> Html:
    """Definitions at the foot of the page: i18n keys, then any further texts."""
    items = [t(k) for k in keys] + list(extra)
    lis = "".join(f"<li>{esc(i)}</li>" for i in items)
    return Html(f'<div class="lp-page lp-notes"><h3>{esc(t("notes"))}</h3><ol>{lis}</ol></div>')


def labelled(frame: pl.DataFrame, t: Strings, columns: Sequence[str]) -> pl.DataFrame:
    """Codes in `columns` replaced by their labels (for chart frames, which show text as it is)."""
    def label_of(column: str) -> Callable[[Any], str]:
        return lambda code: t.value(column, code)

    return frame.with_columns([
        pl.col(c).map_elements(label_of(c), return_dtype=pl.String).alias(c) for c in columns
    ])
