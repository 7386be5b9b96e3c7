"""An executed notebook → one self-contained HTML page: no code cells, no prompts, no network.

nbconvert's `lab` template, minus everything it would fetch: require.js, MathJax, mermaid and the
widget manager come from a CDN, so those blocks are emptied. A Content-Security-Policy meta tag
then forbids every script and every network fetch (images must be inline `data:` URIs, charts
inline SVG), and any `<script src=…>`/`<link href=http…>` an output carries is removed as well:
the page opens the same on a school PC with no internet, and an output cannot phone home.

The page's <title> (the browser tab, and the header Chromium prints on every page) is the report's
own heading as the notebook drew it (`blocks.title`: its <h1> and the term · as-of line), in the
report's language, not the notebook's file name. A page the runner writes starts with a link back
to reports/index.html, on screen only (`lp-screen-only`: print hides it).
"""

from __future__ import annotations

import html as html_lib
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")

_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.lp_csp }}">
<meta name="generator" content="lp-workbench">
{%- endblock extra_css -%}
{%- block html_head_css -%}
<style type="text/css">
body.jp-Notebook { max-width: 1100px; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
body { font-family: "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", "Heiti TC", system-ui, sans-serif; }
.jp-RenderedHTMLCommon table { font-variant-numeric: tabular-nums; }
.jp-Cell.jp-mod-noInput.jp-mod-noOutputs { display: none; }  /* code hidden, nothing shown: no blank gap */
.lp-back { margin: 0 5px .8rem; font-size: .9rem; }
.lp-back a { color: #0b5cad; text-decoration: none; } .lp-back a:hover { text-decoration: underline; }
@media print { .lp-screen-only { display: none !important; } }
</style>
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
{%- if resources.lp_index %}
<nav class="lp-screen-only lp-back"><a href="{{ resources.lp_index | escape_html }}">{{ resources.lp_back | escape_html }}</a></nav>
{%- endif -%}
{%- endblock body_header -%}
{#- A chart stays an <img> of its SVG (no script, no fetch can run inside one), with the figure's
    text (charts.Figure: its title) as alt rather than nbconvert's "No description…". -#}
{% block data_svg scoped -%}
{%- set alt = output.data.get('text/plain', '') | string -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
<img alt="{{ '' if alt.startswith('<') else alt | escape_html }}" src="data:image/svg+xml;base64,{{ output.data['image/svg+xml'] | text_base64 | escape_html }}">
</div>
{%- endblock data_svg %}
"""

_lock = threading.RLock()
_state: dict[str, HTMLExporter] = {}

_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>.*?</script\s*>",
                              re.IGNORECASE | re.DOTALL)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>", re.IGNORECASE)
_EXTERNAL_REF = re.compile(r"<(?:script|link|img|iframe|source|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*"
                           r"[\"']?\s*((?:https?:)?//[^\s\"'>]+)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*[\"']?(?:https?:)?//[^;]*;", re.IGNORECASE)


def _exporter() -> HTMLExporter:
    """The exporter, built once (about 0.5–1.5 s: templates, CSS); render with it under `_lock`."""
    with _lock:
        if "exporter" not in _state:
            from jinja2 import DictLoader
            from nbconvert import HTMLExporter

            _state["exporter"] = HTMLExporter(
                template_name="lab", extra_loaders=[DictLoader({"lp_report.html.j2": _TEMPLATE})],
                template_file="lp_report.html.j2", exclude_input=True, exclude_input_prompt=True,
                exclude_output_prompt=True, embed_images=True,
                # never fetched (the blocks using them are emptied); pointed nowhere all the same
                require_js_url="", mathjax_url="", jupyter_widgets_base_url="", widget_renderer_url="",
            )
        return _state["exporter"]


def strip_external(html: str) -> str:
    """Remove external scripts, stylesheets and CSS imports (defence in depth behind the CSP)."""
    html = _EXTERNAL_SCRIPT.sub("", html)
    html = _EXTERNAL_LINK.sub("", html)
    return _CSS_IMPORT.sub("", html)


def external_references(html: str) -> list[str]:
    """Every URL the page would fetch by itself (script/link/img/iframe… src or href): should be []."""
    return _EXTERNAL_REF.findall(html)


#: Cells tagged so are notes for whoever opens the notebook in JupyterLab, not part of the report.
NOTES_TAG = "lp-notes"

_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_SUB = re.compile(r"<p\b[^>]*\bclass=\"lp-sub\"[^>]*>(.*?)</p\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(_TAG.sub("", fragment)).split())


def page_title(nb: NotebookNode) -> str | None:
    """The report's heading as its page shows it: the first <h1> of the outputs, then the line under
    it (term · as-of date) when there is one; None when no output has a heading."""
    for cell in nb.cells:
        for output in cell.get("outputs") or []:
            markup = (output.get("data") or {}).get("text/html")
            if not markup:
                continue
            markup = "".join(markup) if isinstance(markup, list) else str(markup)
            heading = _H1.search(markup)
            if heading and _text(heading.group(1)):
                sub = _SUB.search(markup, heading.end())
                return " · ".join(t for t in (_text(heading.group(1)), _text(sub.group(1)) if sub else "") if t)
    return None


def notebook_html(nb: NotebookNode, *, title: str, lang: str = "zh-TW", index_href: str | None = None) -> str:
    """The page of an executed notebook. `title` is used only when no output draws a heading;
    `index_href` (relative to the page) adds the link back to the reports index."""
    from .i18n import strings

    exporter = _exporter()
    nb = nb.copy()
    nb.cells = [c for c in nb.cells if NOTES_TAG not in c.get("metadata", {}).get("tags", [])]
    title = page_title(nb) or title
    if "title" in nb.metadata:  # the template prefers the notebook's own metadata title: not the report's
        nb.metadata = nb.metadata.copy()
        del nb.metadata["title"]
    resources = {"metadata": {"name": title}, "lp_csp": CSP, "lp_index": index_href,
                 "lp_back": strings("en" if lang == "en" else "zh-TW")("index.back")}
    with _lock:  # one page at a time: rendering takes ~10–50 ms, the exporter is not thread-safe
        exporter.language_code = "en" if lang == "en" else "zh"
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    if lang != "en":
        body = body.replace('<html lang="zh">', '<html lang="zh-Hant-TW">', 1)
    return strip_external(body)


def write_html(ipynb: Path, html: Path, *, title: str, lang: str = "zh-TW", index: Path | None = None) -> Path:
    """Read an executed notebook and write its report page next to it (atomically); `index`: the
    reports index the page links back to (relatively, so the folder can be copied to a share)."""
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    href = quote(Path(os.path.relpath(index, html.parent)).as_posix()) if index is not None else None
    text = notebook_html(nb, title=title, lang=lang, index_href=href)
    tmp = html.with_name(f".{html.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(html)
    return html


__all__ = ["CSP", "external_references", "notebook_html", "page_title", "strip_external", "write_html"]
