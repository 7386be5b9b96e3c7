"""Charts render to inline SVG with no script and no network, keep Chinese labels, and refuse frames
that are not aggregated."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from lpdata.report import charts

RATES = pl.DataFrame({"班": ["一年一班", "一年一班", "全校", "全校"], "series": ["成果", "多元表現"] * 2,
                      "rate": [0.5, 0.25, 0.75, 0.5]})


def test_svg_is_inline_with_no_script_and_no_url():
    svg = charts.svg(charts.bars(RATES, "班", "rate", group="series", percent=True, title="上傳率比較"))
    assert svg.startswith("<svg") and "<script" not in svg
    assert not re.findall(r"(?:href|src)=\"(?!#)", svg)  # no external reference of any kind
    assert "上傳率比較" in svg and "一年一班" in svg and "50.0%" in svg
    assert charts.FONT.split(",")[0].strip('"') in svg.replace("&quot;", '"')


def test_lines_with_deadlines_and_figure_bundle():
    frame = pl.DataFrame({"day": [dt.date(2025, 3, 1), dt.date(2025, 3, 8)] * 2, "rate": [0.1, 0.2, 0.3, 0.4],
                          "series": ["成果"] * 2 + ["多元表現"] * 2, "who": ["本班", "本班", "全校", "全校"]})
    chart = charts.lines(frame, "day", "rate", "series", dash="who", title="累積上傳",
                         deadlines=[("上傳截止", dt.date(2025, 3, 5))])
    bundle = charts.show(chart)._repr_mimebundle_()
    assert bundle["text/plain"] == "累積上傳"
    assert "上傳截止" in bundle["image/svg+xml"]


def test_ids_never_repeat_across_charts():
    svg = '<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/></svg>'
    a, b = charts._unique_ids(svg, "p1"), charts._unique_ids(svg, "p2")
    assert 'id="p1-clip1"' in a and "url(#p1-clip1)" in a and "p2-clip1" in b


def test_charts_refuse_frames_that_are_not_aggregated():
    with pytest.raises(ValueError, match="student"):
        charts.bars(pl.DataFrame({"student_no": ["1"], "n": [1]}), "student_no", "n")
    with pytest.raises(ValueError, match="aggregate"):
        charts.bars(pl.DataFrame({"c": [str(i) for i in range(charts.MAX_ROWS + 1)], "n": 1}), "c", "n")


def test_fits_says_which_frames_a_chart_takes():
    assert charts.fits(pl.DataFrame({"c": [str(i) for i in range(charts.MAX_ROWS)], "n": 1}))
    assert not charts.fits(pl.DataFrame({"c": [str(i) for i in range(charts.MAX_ROWS + 1)], "n": 1}))


def test_png_and_pdf_use_a_cjk_font(tmp_path):
    chart = charts.bars(RATES, "班", "rate", group="series", percent=True, title="上傳率")
    assert charts.save(chart, tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    pdf = charts.save(chart, tmp_path / "c.pdf").read_bytes()
    assert pdf[:4] == b"%PDF" and (b"CJK" in pdf or b"Noto" in pdf)  # the font is embedded
    with pytest.raises(ValueError):
        charts.save(chart, tmp_path / "c.gif")


def test_labels_are_escaped_in_the_svg():
    svg = charts.svg(charts.bars(pl.DataFrame({"c": ["../../evil'\"<x>"], "v": [1]}), "c", "v", title="<b>t</b>"))
    assert "<x>" not in svg and "<b>" not in svg and "&lt;x&gt;" in svg
