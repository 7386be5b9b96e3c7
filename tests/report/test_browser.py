"""The report pages in a real browser: `lp run` over the real notebooks against the demo school, then
each page opened in headless Chromium (Debian's) with the network off. The charts must draw (each
chart decodes, its SVG holds data marks, and painted it has coloured pixels), no page may fetch
anything but itself and its data: images, and the task-force briefing must not contain any
student's name, student number or ID hash from the database, nor anything shaped like a raw ID.

Chromium is driven through its DevTools protocol over a pipe (`--remote-debugging-pipe`: JSON
messages ending in NUL on fds 3 and 4), so no extra package and no TCP port is needed. Without
Debian's chromium the tests skip; `.ci/run` installs it with fonts-noto-cjk. Screenshots are written
next to the pages, and copied to $LP_SCREENSHOT_DIR when set (to look at them).
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ..conftest import student_identities

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
SKIP_REASON = "Debian chromium not installed: apt-get install chromium fonts-noto-cjk"
RAW_ID = re.compile(r"[A-Z][12389ABCD]\d{8}")
RUN_TIMEOUT = 900

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)


# --- Chromium over the DevTools protocol -------------------------------------------------------


class Chromium:
    """Headless Chromium with its DevTools protocol on a pipe; network cut three ways: a proxy that
    does not exist, a resolver that resolves nothing, and each page emulated offline."""

    def __init__(self, profile: Path, log: Path) -> None:
        cmd_read, self._write = os.pipe()   # we write commands; chromium reads them on fd 3
        self._read_fd, ev_write = os.pipe()  # chromium answers on fd 4
        args = [CHROMIUM, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-pings", "--hide-scrollbars",
                "--force-device-scale-factor=1", f"--user-data-dir={profile}",
                "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"]
        with log.open("wb") as err:
            # /usr/bin/chromium is a shell wrapper that execs the browser: fds 3 and 4 are set up by a
            # shell too (subprocess cannot renumber descriptors without preexec_fn).
            self.proc = subprocess.Popen(
                ["sh", "-c", 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', *args],
                stdin=cmd_read, stdout=ev_write, stderr=err, start_new_session=True)
        os.close(cmd_read)
        os.close(ev_write)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def _next(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._read_fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed its DevTools pipe (did it start? see chromium.log)")
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None,
             timeout: float = 60) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._next(deadline)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            seen = len(self.events)
            self.events.append(self._next(deadline))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group of the browser this test started
            self.proc.wait(timeout=10)
        os.close(self._write)
        os.close(self._read_fd)


#: Run in the page once loaded (DevTools evaluation is not bound by the page's CSP). Every data:
#: SVG image is decoded, then painted on a canvas: "inked" counts non-white pixels, "coloured" the
#: saturated ones (the data marks: Okabe–Ito colours; axes, grid and text are grey or black).
PROBE = r"""(async () => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const charts = imgs.filter(i => i.src.startsWith('data:image/svg+xml')).map(i => {
    const c = document.createElement('canvas');
    c.width = i.naturalWidth; c.height = i.naturalHeight;
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
    let inked = 0, coloured = 0;
    if (c.width && c.height) {
      g.drawImage(i, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      for (let k = 0; k < d.length; k += 4) {
        const hi = Math.max(d[k], d[k + 1], d[k + 2]), lo = Math.min(d[k], d[k + 1], d[k + 2]);
        if (lo < 230) inked++;
        if (hi - lo > 60) coloured++;
      }
    }
    const box = i.getBoundingClientRect();
    return {alt: i.alt, src: i.src, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight,
            shown: [box.width, box.height], inked, coloured};
  });
  const inline = [...document.querySelectorAll('svg')].map(s => s.outerHTML);
  const h1 = document.querySelector('h1');
  return {charts, inline, title: document.title, h1: h1 ? h1.innerText : '', text: document.body.innerText,
          html: document.documentElement.outerHTML, width: document.documentElement.scrollWidth,
          height: document.documentElement.scrollHeight, lang: document.documentElement.lang};
})()"""


@dataclass
class Page:
    url: str
    probe: dict[str, Any]
    requests: list[str]
    failed: list[str]
    errors: list[str]
    fonts: list[dict[str, Any]]
    screenshot: Path
    svgs: list[str] = field(default_factory=list)

    def visible_text(self) -> str:
        """Everything the page carries that a reader could see or copy: its DOM (attributes
        included), the text of every chart, and its rendered text. data: URIs other than the
        charts (the template's icons) are dropped rather than scanned as base64."""
        html = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", " ", self.probe["html"])
        html = re.sub(r"data:[^\"')\s]+", " ", html)
        return "\n".join([html, *self.svgs, self.probe["text"]])


def open_page(browser: Chromium, html: Path, screenshot: Path) -> Page:
    url = html.resolve().as_uri()
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    first_event = len(browser.events)
    for domain in ("Network", "Page", "Log", "Runtime", "DOM", "CSS"):
        browser.send(f"{domain}.enable", session=session)
    browser.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                      "uploadThroughput": -1}, session=session)
    browser.send("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": 900, "deviceScaleFactor": 1,
                                                        "mobile": False}, session=session)
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired", session)
    result = browser.send("Runtime.evaluate", {"expression": PROBE, "awaitPromise": True, "returnByValue": True},
                          session=session)
    if "exceptionDetails" in result:
        raise AssertionError(f"the probe failed in {url}: {result['exceptionDetails']}")
    probe = result["result"]["value"]
    # the fonts Chromium actually drew the page's first heading with (tofu would be a fallback font)
    root = browser.send("DOM.getDocument", {"depth": 0}, session=session)["root"]["nodeId"]
    node = browser.send("DOM.querySelector", {"nodeId": root, "selector": "h1"}, session=session)["nodeId"]
    fonts = browser.send("CSS.getPlatformFontsForNode", {"nodeId": node}, session=session)["fonts"] if node else []
    shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                        session=session, timeout=120)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    events = [e for e in browser.events[first_event:] if e.get("sessionId") == session]
    browser.send("Target.closeTarget", {"targetId": target})
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    failed = [f"{e['params'].get('errorText')} ({e['params'].get('type')})" for e in events
              if e.get("method") == "Network.loadingFailed"]
    errors = [f"{e['params']['entry'].get('source')}: {e['params']['entry'].get('text')}" for e in events
              if e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error"]
    errors += [str(e["params"].get("exceptionDetails", {}).get("text")) for e in events
               if e.get("method") == "Runtime.exceptionThrown"]
    svgs = [base64.b64decode(c["src"].split(",", 1)[1]).decode("utf-8") for c in probe["charts"]]
    return Page(url, probe, requests, failed, errors, fonts, screenshot, svgs + list(probe["inline"]))


# --- SVG marks -----------------------------------------------------------------------------------

SHAPES = {"path", "rect", "circle", "line", "ellipse", "polygon", "polyline"}


class _Marks(HTMLParser):
    """Counts Vega's data marks in an SVG: shapes (role="graphics-symbol") inside a group whose
    class names it a data mark (`mark-rect role-mark …`; axes, legends and titles have other roles)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        inside = bool(self.stack and self.stack[-1])
        if tag in SHAPES and inside and a.get("role") == "graphics-symbol":
            self.count += 1
        self.stack.append(inside or (tag == "g" and "role-mark" in (a.get("class") or "").split()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()


def data_marks(svg: str) -> int:
    parser = _Marks()
    parser.feed(svg)
    parser.close()
    return parser.count


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(demo_school, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`lp run` of a small plan over the real notebooks: the school report, the dashboard of the
    class with the most students yet to upload (so it lists names: the control), the briefing."""
    import lpdata
    from lpdata.report.manifest import read_manifest
    from lpdata.report.plan import term_of
    from lpdata.report.runner import default_as_of

    _, db, _ = demo_school
    as_of = default_as_of(db)
    term = term_of(as_of)
    con = lpdata.connect(db, as_of=as_of)
    try:
        class_name = con.execute(
            "SELECT class_name FROM class_completion WHERE academic_year = ? AND semester = ? "
            "ORDER BY students - least(clo_uploaders, mp_uploaders) DESC, class_name LIMIT 1",
            [term.academic_year, term.semester]).fetchone()[0]
    finally:
        con.close()
    root = tmp_path_factory.mktemp("browser")
    plan = root / "plan.yaml"
    plan.write_text(f"title: browser test\nnotebooks_dir: {json.dumps(str(ROOT / 'notebooks'))}\nreports:\n"
                    "  - notebook: school_completion\n"
                    f"  - notebook: class_dashboard\n    parameters: {{class_name: {json.dumps(class_name)}}}\n"
                    "  - notebook: taskforce_briefing\n", encoding="utf-8")
    out = root / "reports"
    env = {**os.environ, "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "lpdata.cli", "run", str(plan), "--db", str(db), "--out", str(out),
                             "--jobs", "2", "--quiet"], capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    run_dir = out / as_of.isoformat()
    entries = read_manifest(run_dir)
    assert [(e["notebook"], e["status"]) for e in entries] == [
        ("school_completion", "ok"), ("class_dashboard", "ok"), ("taskforce_briefing", "ok")]
    pages = {e["notebook"]: run_dir / e["outputs"]["html"] for e in entries}
    pages["index"] = out / "index.html"
    return pages


@pytest.fixture(scope="module")
def pages(reports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Page]:
    root = tmp_path_factory.mktemp("chromium")
    browser = Chromium(root / "profile", root / "chromium.log")
    try:
        opened = {name: open_page(browser, html, html.with_suffix(".png")) for name, html in reports.items()}
    finally:
        browser.close()
    keep = os.environ.get("LP_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name, page in opened.items():
            shutil.copy(page.screenshot, Path(keep) / f"{name}.png")
    return opened


@pytest.fixture(scope="module")
def people(demo_school) -> dict[str, set[str]]:
    """Every student's name, student number and ID hash in the database (names shared with a staff
    member are left out: the briefing may name staff)."""
    _, db, _ = demo_school
    rows, staff = student_identities(db)
    return {"student_no": {r[0] for r in rows if r[0]}, "name": {r[1] for r in rows if r[1]} - staff,
            "national_id_hash": {r[2] for r in rows if r[2]}}


# --- tests ---------------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_charts_draw_offline(pages: dict[str, Page]) -> None:
    for name, page in pages.items():
        # nothing fetched but the page itself and its inline images; nothing failed or was blocked
        assert page.requests and page.requests[0] == page.url, (name, page.requests[:3])
        assert all(u.startswith(("file:", "data:")) for u in page.requests), (name, page.requests)
        assert page.failed == [] and page.errors == [], (name, page.failed, page.errors)
        assert page.probe["lang"] == "zh-Hant-TW", name
        width, height = _png_size(page.screenshot)
        assert width == 1200 and height >= 600, (name, width, height)
        assert page.probe["width"] <= 1200, (name, "the page scrolls sideways", page.probe["width"])
        if name == "index":
            continue
        charts = page.probe["charts"]
        assert charts and not page.probe["inline"], name  # charts are <img> of inline SVG
        for chart, svg in zip(charts, page.svgs):
            where = (name, chart["alt"])
            assert chart["alt"] and not chart["alt"].startswith("No description"), where
            assert chart["complete"] and chart["width"] > 100 and chart["height"] > 50, where
            assert chart["shown"][0] > 100 and chart["shown"][1] > 50, where     # laid out, not hidden
            assert data_marks(svg) >= 1, where                                   # Vega drew data marks…
            area = chart["width"] * chart["height"]
            assert chart["inked"] > 0.02 * area, (where, chart["inked"], area)   # …and Chromium painted them
            assert chart["coloured"] > max(200, 0.003 * area), (where, chart["coloured"], area)
            assert "<script" not in svg and "href=\"http" not in svg, where


def test_briefing_shows_no_student(pages: dict[str, Page], people: dict[str, set[str]]) -> None:
    assert len(people["name"]) > 100 and len(people["student_no"]) > 100 and len(people["national_id_hash"]) > 100
    # the control: the class dashboard lists its students yet to upload, and the scan sees them
    dashboard = pages["class_dashboard"].visible_text()
    assert any(n in dashboard for n in people["name"]), "the control found no student name in the dashboard"
    briefing = pages["taskforce_briefing"].visible_text()
    assert "學習歷程" in briefing and len(pages["taskforce_briefing"].probe["text"]) > 500
    for kind, values in people.items():
        found = sorted(v for v in values if v in briefing)
        assert not found, f"the task-force briefing shows {kind}: {found[:5]}"
    for name, page in pages.items():  # no page, the dashboard included, carries a raw national ID
        assert not RAW_ID.findall(page.visible_text()), (name, RAW_ID.findall(page.visible_text())[:5])


def test_chinese_is_drawn_with_a_cjk_font(pages: dict[str, Page]) -> None:
    """Every Chinese character of each page's heading is drawn with a CJK font (no tofu boxes)."""
    listed = subprocess.run(["fc-list", ":lang=zh-tw", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not listed.strip():
        pytest.skip("no Traditional Chinese font installed: apt-get install fonts-noto-cjk")
    for name, page in pages.items():
        han = len(re.findall(r"[\u3400-\u9fff]", page.probe["h1"]))
        assert han >= 2, (name, page.probe["h1"])
        cjk = sum(f["glyphCount"] for f in page.fonts if re.search(r"CJK|JhengHei|PingFang|Hei|Ming|Kai|Song",
                                                                    f["familyName"]))
        assert cjk >= han, (name, page.probe["h1"], page.fonts)


def test_the_index_leads_staff_to_their_reports(reports: dict[str, Path], pages: dict[str, Page]) -> None:
    """The index names the class dashboard with its homeroom teacher, every link of it opens a file,
    and every report links back to it."""
    from urllib.parse import unquote

    from lpdata.report.manifest import read_manifest

    index = reports["index"]
    run_dir = reports["class_dashboard"].parents[1]
    dashboard = next(e for e in read_manifest(run_dir) if e.notebook == "class_dashboard")
    assert dashboard.homeroom_teacher, "the runner found no homeroom teacher for the dashboard's class"
    text = pages["index"].visible_text()
    assert f"{dashboard.parameters['class_name']} 班" in text and dashboard.homeroom_teacher in text
    assert "導師" in text and "教務處" in text and "工作小組" in text
    html = index.read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert len(hrefs) >= 6
    for href in hrefs:
        assert (index.parent / unquote(href)).is_file(), href
    for name, page in reports.items():
        if name == "index":
            continue
        back = re.search(r'<nav class="lp-screen-only lp-back"><a href="([^"]+)">', page.read_text(encoding="utf-8"))
        assert back and (page.parent / unquote(back.group(1))).resolve() == index.resolve(), name
