"""Charts for the reports: an Altair theme with CJK fonts, and charts rendered to inline SVG.

    fig = charts.bars(frame, "class_name", "rate", group="series", percent=True, title=...)
    charts.show(fig)            # in a notebook: image/svg+xml, drawn here, no JavaScript, no network
    charts.save(fig, "x.png")   # PNG/PDF/SVG with a CJK font embedded or named

Every chart function takes a frame that is already aggregated (a few rows per category): a frame
with a student's identifier, or with more than `MAX_ROWS` rows, is refused, so no chart ever draws
one mark per student. Frames hold labels already (Chinese or English, from `i18n`); the functions
only place them. Rendering is vl-convert's (Vega in Rust, no browser): text is measured with the
fonts it finds, and the Noto CJK fonts are registered when present so Chinese labels get their real
width; the SVG names the font list, so the reader's browser draws them with its own CJK font.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import vl_convert as vlc

FONT = '"Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif'
#: Where fonts-noto-cjk installs Noto Sans CJK (registered with vl-convert for PNG/PDF and measuring).
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
#: Okabe–Ito: told apart by colour-blind readers, and in greyscale print by lightness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
VL_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
#: Columns that identify a student: a chart frame holding one is not aggregated.
STUDENT_COLUMNS = frozenset({"national_id_hash", "student_no", "name", "seat_no", "student_name", "address"})
MAX_ROWS = 500

#: What `bars` and `lines` return: one chart, or its layers (`alt.layer` gives a LayerChart, typed
#: by altair as possibly a FacetChart).
AnyChart = alt.Chart | alt.LayerChart | alt.FacetChart

CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "white",
    "padding": 8,
    "title": {"fontSize": 14, "fontWeight": "bold", "anchor": "start", "offset": 10},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
    "view": {"stroke": None},
    "range": {"category": PALETTE},
    "bar": {"color": PALETTE[0]},
    "line": {"color": PALETTE[0], "strokeWidth": 2},
}


@alt.theme.register("lp", enable=True)
def theme() -> alt.theme.ThemeConfig:
    """The workbench theme (also applied by `svg` whatever theme is enabled)."""
    return alt.theme.ThemeConfig(config=CONFIG)  # type: ignore[typeddict-item]


def fits(frame: pl.DataFrame) -> bool:
    """Whether a chart may draw this frame (at most MAX_ROWS rows): else show a table instead."""
    return frame.height <= MAX_ROWS


def _check(frame: pl.DataFrame) -> pl.DataFrame:
    found = sorted(STUDENT_COLUMNS & set(frame.columns))
    if found:
        raise ValueError(f"a chart frame holds student identifiers ({', '.join(found)}): aggregate first")
    if frame.height > MAX_ROWS:
        raise ValueError(f"a chart frame of {frame.height} rows: aggregate first (at most {MAX_ROWS})")
    return frame


def _axis_format(percent: bool, integer: bool = True) -> dict[str, Any]:
    if percent:
        return {"format": ".0%"}
    return {"format": ",d", "tickMinStep": 1} if integer else {}


def bars(frame: pl.DataFrame, category: str, value: str, *, group: str | None = None, stack: bool = False,
         percent: bool = False, title: str = "", category_title: str = "", value_title: str = "",
         group_title: str = "", order: Sequence[str] | None = None, group_order: Sequence[str] | None = None,
         horizontal: bool = True, labels: bool = True, width: int = 520) -> AnyChart:
    """Bars of `value` per `category`, side by side (or stacked) by `group`. Categories keep `order`
    (default: as they come in the frame): never sorted by value, so no bar chart is a ranking."""
    data = _check(frame.select([c for c in (category, value, group) if c]))
    order = list(order) if order is not None else list(dict.fromkeys(data[category].to_list()))
    cat_axis = alt.Axis(title=category_title or None, labelLimit=220)
    integer = data[value].dtype.is_integer()
    val_axis = alt.Axis(title=value_title or None, **_axis_format(percent, integer))
    val_scale = alt.Scale(domain=[0, 1]) if percent else alt.Scale(zero=True)
    cat = alt.Y if horizontal else alt.X
    val = alt.X if horizontal else alt.Y
    enc: dict[str, Any] = {
        ("y" if horizontal else "x"): cat(f"{category}:N", sort=order, axis=cat_axis),
        ("x" if horizontal else "y"): val(f"{value}:Q", axis=val_axis, scale=val_scale,
                                          stack="zero" if stack else None),
    }
    groups = 1
    if group:
        group_order = list(group_order) if group_order is not None else list(dict.fromkeys(data[group].to_list()))
        groups = max(len(group_order), 1)
        scale = alt.Scale(domain=group_order) if groups <= len(PALETTE) else \
            alt.Scale(domain=group_order, scheme="tableau20")
        enc["color"] = alt.Color(f"{group}:N", sort=group_order, scale=scale,
                                 legend=alt.Legend(title=group_title or None))
        if not stack:
            offset = alt.YOffset if horizontal else alt.XOffset
            enc["yOffset" if horizontal else "xOffset"] = offset(f"{group}:N", sort=group_order)
        enc["order"] = alt.Order("group_rank:Q")
        data = data.with_columns(pl.col(group).replace_strict(
            {g: i for i, g in enumerate(group_order)}, default=len(group_order)).alias("group_rank"))
    band = (16 if stack or not group else 15 * groups) + 6
    size = {"height": max(len(order), 1) * band, "width": width} if horizontal else \
        {"width": max(width, len(order) * band), "height": 260}
    base = alt.Chart(data)
    chart: AnyChart = base.mark_bar().encode(**enc)
    if labels and not stack:
        text_enc = {k: v for k, v in enc.items() if k != "color"}
        fmt = ".1%" if percent else (",d" if integer else ",.1f")
        text = base.mark_text(align="left" if horizontal else "center", baseline="middle" if horizontal else "bottom",
                              dx=3 if horizontal else 0, dy=0 if horizontal else -2, fontSize=10, color="#333") \
            .encode(text=alt.Text(f"{value}:Q", format=fmt), **text_enc)
        chart = alt.layer(chart, text)
    return chart.properties(title=title, **size)


def lines(frame: pl.DataFrame, date: str, value: str, series: str, *, dash: str | None = None,
          percent: bool = True, title: str = "", date_title: str = "", value_title: str = "",
          series_title: str = "", series_order: Sequence[str] | None = None, dash_order: Sequence[str] | None = None,
          deadlines: Sequence[tuple[str, dt.date]] = (), width: int = 560, height: int = 260) -> AnyChart:
    """One line per `series` (colour) and `dash` value (solid for the first, dashed for the next:
    e.g. a class beside the school) over `date`, points marked, with `deadlines` as labelled rules."""
    data = _check(frame.select([c for c in (date, value, series, dash) if c]))
    series_order = list(series_order) if series_order is not None else list(dict.fromkeys(data[series].to_list()))
    x = alt.X(f"{date}:T", axis=alt.Axis(title=date_title or None, format="%m/%d", labelAngle=0))
    y = alt.Y(f"{value}:Q", axis=alt.Axis(title=value_title or None,
                                         **_axis_format(percent, data[value].dtype.is_integer())),
              scale=alt.Scale(domain=[0, 1]) if percent else alt.Scale(zero=True))
    color = alt.Color(f"{series}:N", sort=series_order, scale=alt.Scale(domain=series_order),
                      legend=alt.Legend(title=series_title or None))
    enc: dict[str, Any] = {"x": x, "y": y, "color": color}
    if dash:
        dash_order = list(dash_order) if dash_order is not None else list(dict.fromkeys(data[dash].to_list()))
        patterns = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]]
        enc["strokeDash"] = alt.StrokeDash(f"{dash}:N", sort=dash_order, legend=alt.Legend(title=None),
                                           scale=alt.Scale(domain=dash_order, range=patterns))
        enc["detail"] = alt.Detail(f"{dash}:N")
    base = alt.Chart(data)
    layers: list[alt.Chart] = [
        base.mark_line().encode(**enc),
        base.mark_point(filled=True, size=24).encode(x=x, y=y, color=color),
    ]
    for i, (label, day) in enumerate(deadlines):
        mark = alt.Chart(pl.DataFrame({"label": [label], "day": [day]}, schema={"label": pl.String, "day": pl.Date}))
        layers.append(mark.mark_rule(color="#b22222", strokeDash=[2, 2]).encode(x="day:T"))
        layers.append(mark.mark_text(align="right", baseline="top", dx=-3, fontSize=10, color="#b22222")
                      .encode(x="day:T", y=alt.value(2 + 13 * (i % 4)), text="label:N"))
    return alt.layer(*layers) \
        .properties(title=title, width=width, height=height)


def _unique_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and its references) so several SVGs inline in one page never share one."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for name in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{name}"
        svg = svg.replace(f'id="{name}"', f'id="{new}"').replace(f"url(#{name})", f"url(#{new})") \
            .replace(f'href="#{name}"', f'href="#{new}"')
    return svg


_counter = itertools.count(1)
_fonts_ready = False


def _fonts() -> None:
    global _fonts_ready
    if not _fonts_ready:
        for folder in FONT_DIRS:
            if folder.is_dir():
                vlc.register_font_directory(str(folder))
        _fonts_ready = True


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.to_dict()
    config = dict(CONFIG)
    config.update(spec.get("config", {}))
    spec["config"] = config
    return spec


def svg(chart: alt.TopLevelMixin, spec: dict[str, Any] | None = None) -> str:
    """The chart as SVG text: no script, no external reference (data is inline, no URL allowed).
    `spec`: the chart's `_spec` if already made (making it validates the chart: 0.1–0.3 s)."""
    _fonts()
    out = vlc.vegalite_to_svg(spec if spec is not None else _spec(chart), vl_version=VL_VERSION,
                              allowed_base_urls=[])
    return _unique_ids(out, f"lpc{next(_counter)}")


class Figure:
    """A rendered chart: Jupyter shows it as image/svg+xml (so the executed notebook and its HTML
    hold the drawing itself), with `alt` as its text."""

    def __init__(self, svg_text: str, alt_text: str = "") -> None:
        self.svg = svg_text
        self.alt = alt_text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"image/svg+xml": self.svg, "text/plain": self.alt or "[chart]"}


def show(chart: alt.TopLevelMixin, alt_text: str | None = None) -> Figure:
    """Render for a notebook (the figure's title serves as its text unless `alt_text` is given)."""
    spec = _spec(chart)
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    return Figure(svg(chart, spec), alt_text if alt_text is not None else str(title or ""))


def save(chart: alt.TopLevelMixin, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write `.svg`, `.png` or `.pdf` (PNG and PDF drawn with the registered CJK font)."""
    path = Path(path)
    _fonts()
    spec = _spec(chart)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(svg(chart), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale, allowed_base_urls=[]))
    elif suffix == ".pdf":
        path.write_bytes(vlc.vegalite_to_pdf(spec, vl_version=VL_VERSION, allowed_base_urls=[]))
    else:
        raise ValueError(f"cannot save a chart as {suffix or 'a file with no suffix'}: use .svg, .png or .pdf")
    return path
