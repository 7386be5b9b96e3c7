"""The task-force briefing printed as staff print it: headless Chromium (Debian's) prints the page `lp
run` wrote to PDF (`--print-to-pdf --no-pdf-header-footer`, the page's own @page rules in force).

Checked on the PDF itself (pypdf): every page is A4, there are at most four, each page's footer
carries the data date and "page / pages" (the @page margin boxes), and every heading of the page is
in the printed text (nothing hidden or dropped by the print stylesheet).

"No text clipped" is checked in the layout, not the PDF: text cut off by a page edge or an
`overflow` box is still in a PDF's content stream (only drawn outside the clip), so reading the PDF's
text back cannot see it. Instead the page is opened over the DevTools protocol with print media
emulated and the viewport as wide as the A4 page's printable width (from the @page rule of STYLE),
and a probe measures every text node: each line box must lie within the printable width and inside
every ancestor that clips its overflow. (DevTools evaluation is not bound by the page's CSP, which
forbids the page's own scripts.) Without Debian's chromium the tests skip.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .test_browser import CHROMIUM, ROOT, RUN_TIMEOUT, SKIP_REASON, Chromium

pypdf = pytest.importorskip("pypdf", reason="pypdf (the dev extra) reads the printed PDF")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)

MAX_PAGES = 4
A4_PT = (595.28, 841.89)
MM_PX = 96 / 25.4  # CSS px per mm


def printable_width_px() -> float:
    """A4's width less the left and right margins of STYLE's @page rule, in CSS px."""
    from lpdata.report.blocks import STYLE

    rule = re.search(r"@page\s*\{[^{}]*?size:\s*A4;\s*margin:\s*([^;{}]+)[;}]", STYLE)
    assert rule, "STYLE has no `@page{size:A4;margin:…}` rule"
    sides = [float(v.removesuffix("mm")) for v in rule.group(1).split()]
    assert all(v >= 0 for v in sides) and len(sides) in (1, 2, 3, 4), rule.group(1)
    right = sides[1] if len(sides) > 1 else sides[0]
    left = sides[3] if len(sides) == 4 else right
    return (210 - left - right) * MM_PX


#: Every text node's line boxes against the printable width and against each ancestor that clips.
CLIPPED = r"""(() => {
  const width = document.documentElement.clientWidth, out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim()) continue;
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;  // not rendered (display: none in print)
    const bad = rects.some(r => r.left < -0.5 || r.right > width + 0.5);
    let clip = null;
    for (let el = node.parentElement; el && el !== document.documentElement; el = el.parentElement) {
      const s = getComputedStyle(el);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const box = el.getBoundingClientRect();
      if (rects.some(r => r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
                          r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)) { clip = el.className || el.tagName; break; }
    }
    if (bad || clip) out.push({text: node.data.trim().slice(0, 60), clip,
                               right: Math.max(...rects.map(r => r.right))});
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, clipped: out};
})()"""


class _Headings(HTMLParser):
    """The text of every h1, h2 and h3 of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3"):
            self.inside = True
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3"):
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.texts[-1] += data


def _squeeze(text: str) -> str:
    """Text without white space, NFKC: a PDF's text may map 工 to the Kangxi radical ⼯ (U+2F2F)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def briefings(demo_school, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`lp run` of the briefing in both languages over the demo school: lang -> HTML page."""
    from lpdata.report.manifest import read_manifest
    from lpdata.report.runner import default_as_of

    _, db, _ = demo_school
    root = tmp_path_factory.mktemp("print")
    plan = root / "plan.yaml"
    plan.write_text(f"title: print test\nnotebooks_dir: {json.dumps(str(ROOT / 'notebooks'))}\nreports:\n"
                    "  - notebook: taskforce_briefing\n"
                    "  - notebook: taskforce_briefing\n    parameters: {lang: en}\n", encoding="utf-8")
    out = root / "reports"
    result = subprocess.run([sys.executable, "-m", "lpdata.cli", "run", str(plan), "--db", str(db), "--out", str(out),
                             "--jobs", "2", "--quiet"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "200"}, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    run_dir = out / default_as_of(db).isoformat()
    entries = read_manifest(run_dir)
    assert [e["status"] for e in entries] == ["ok", "ok"]
    return {e["parameters"].get("lang", "zh-TW"): run_dir / e["outputs"]["html"] for e in entries}


def print_pdf(html: Path, pdf: Path, profile: Path) -> Path:
    """The page printed as a person would print it from the command line."""
    result = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                             "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                             f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.resolve().as_uri()],
                            capture_output=True, text=True, timeout=180)
    assert pdf.is_file() and pdf.stat().st_size > 1000, result.stderr[-2000:]
    return pdf


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_briefing_prints_on_at_most_four_a4_pages_with_a_footer(briefings, demo_school, lang: str,
                                                                  tmp_path: Path) -> None:
    from lpdata.report.runner import default_as_of

    html = briefings[lang]
    pdf = print_pdf(html, tmp_path / "briefing.pdf", tmp_path / "profile")
    reader = pypdf.PdfReader(pdf)
    pages = len(reader.pages)
    assert 1 <= pages <= MAX_PAGES, f"{lang}: {pages} printed pages"
    texts = [page.extract_text() or "" for page in reader.pages]
    as_of = default_as_of(demo_school[1]).isoformat()
    for number, (page, text) in enumerate(zip(reader.pages, texts), start=1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert abs(size[0] - A4_PT[0]) < 2 and abs(size[1] - A4_PT[1]) < 2, (lang, number, size)
        # the footer of every page: the data date and "n / N"
        assert as_of in text, (lang, number, text[-300:])
        assert re.search(rf"(?<!\d){number}\s*/\s*{pages}(?!\d)", text), (lang, number, text[-300:])
    headings = _Headings()
    headings.feed(html.read_text(encoding="utf-8"))
    printed = _squeeze("".join(texts))
    assert len(headings.texts) >= 4  # title, two sections, the notes
    for heading in headings.texts:
        assert _squeeze(heading) in printed, (lang, heading)


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_briefing_in_print_layout_clips_no_text(briefings, lang: str, tmp_path: Path) -> None:
    width = printable_width_px()
    browser = Chromium(tmp_path / "profile", tmp_path / "chromium.log")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)
        browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": round(width), "height": 1100,
                                                            "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": briefings[lang].resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        result = browser.send("Runtime.evaluate", {"expression": CLIPPED, "returnByValue": True}, session=session)
    finally:
        browser.close()
    probe = result["result"]["value"]
    assert abs(probe["width"] - round(width)) <= 1, probe["width"]  # laid out at the printable width
    assert probe["clipped"] == [], (lang, probe["clipped"][:10])
    assert probe["scrollWidth"] <= probe["width"] + 1, (lang, "wider than the page", probe["scrollWidth"])
