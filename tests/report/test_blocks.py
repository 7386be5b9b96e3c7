"""Report tables drawn by great_tables in the page's own markup: the texts the hand-built table wrote
(ASCII minus, a plain dash for missing), the `lp-*` classes the page style reads, no stylesheet,
script, id or URL of great_tables' own, and the same HTML for the same frame."""

from __future__ import annotations

import re

import polars as pl

from lpdata.report import blocks, i18n

EN = i18n.strings("en")


def _cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>[^<]*</td>", html)


def test_numbers_keep_the_ascii_minus_and_missing_stays_a_plain_dash() -> None:
    frame = pl.DataFrame({"change": [-1234, None], "clo_upload_rate": [-0.05, 0.5], "mean": [-0.04, 2.25]})
    assert _cells(blocks.table(frame, EN)) == [
        '<td class="lp-n">-1,234</td>', '<td class="lp-n">-5.0%</td>', '<td class="lp-n">-0.0</td>',
        "<td>—</td>", '<td class="lp-n">50.0%</td>', '<td class="lp-n">2.2</td>']


def test_long_text_may_wrap_and_plain_text_is_escaped() -> None:
    long = "長" * (blocks.WRAP_AT + 1)
    frame = pl.DataFrame({"name": ["<b>x</b>", long]})
    assert _cells(blocks.table(frame, EN)) == ["<td>&lt;b&gt;x&lt;/b&gt;</td>", f'<td class="lp-wrap">{long}</td>']


def test_the_table_carries_no_style_script_id_or_url_of_its_own_and_is_deterministic() -> None:
    frame = pl.DataFrame({"class_name": ["101", "102"], "students": [30, 2], "clo_upload_rate": [0.5, None]})
    html = blocks.table(frame, EN, definitions={"students": "enrolled"}, caption="Classes")
    assert html == blocks.table(frame, EN, definitions={"students": "enrolled"}, caption="Classes")
    assert "<style" not in html and "<script" not in html and "://" not in html and " id=" not in html
    assert html.count('<table class="lp-table">') == 1 and '<th title="enrolled">' in html
    assert "<caption>Classes</caption>" in html


def test_excel_link_names_the_file_and_links_it_beside_the_page() -> None:
    zh = blocks.excel_link(i18n.strings("zh-TW"), "/r/2025-03-01/reconciliation/113-2/paper mail <1>.xlsx")
    assert zh == ('<div class="lp-page"><p class="lp-file">行動清單（Excel）：'
                  '<a href="113-2/paper%20mail%20%3C1%3E.xlsx">paper mail &lt;1&gt;.xlsx</a></p></div>')
    en = blocks.excel_link(i18n.strings("en"), "list.xlsx")
    assert en == '<div class="lp-page"><p class="lp-file">Action list (Excel): <a href="list.xlsx">list.xlsx</a></p></div>'
