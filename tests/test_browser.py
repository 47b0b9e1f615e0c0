"""Every page of the built book, as a reader's browser renders it.

Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) loads
each page of the site that the ``book_site`` fixture builds once per session,
waits for MathJax to typeset, then fails on what a reader would see broken:
a MathJax error, TeX left raw (``$$`` in the text), a missing or broken image,
or, at 1280 px, a display equation wider than its column.

The width of an equation is the ``scrollWidth`` of its rendered MathJax
container (``mjx-container[display="true"]``): that counts what overflows it
even where the book's CSS lets a wide equation scroll inside its own box.  The
column is the block the equation sits in (the chapter's text, or an exercise
or admonition box inside it).
"""

import contextlib
import functools
import http.server
import os
import re
import threading
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = os.environ.get("MCDL_CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"desktop": 1280, "phone": 400}

# Runs in the page once MathJax has finished: what the test checks.
INSPECT = """() => {
  const text = (document.querySelector('main') || document.body || document.documentElement).innerText;
  const overflowing = [];
  const source = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) source.set(item.typesetRoot, item.math);
  }
  for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
    if (box.closest('.sidebar, .margin, .cell_output')) continue;
    let column = box.parentElement;
    while (column && column.clientWidth === 0) column = column.parentElement;
    const style = getComputedStyle(column);
    const inner = column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const drawn = box.firstElementChild ? box.firstElementChild.getBoundingClientRect().width : 0;
    const width = Math.max(box.scrollWidth, drawn);
    if (width > inner + 1) {
      const id = (box.closest('[id]') || {}).id || '';
      const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX) && box.clientWidth <= inner + 1;
      overflowing.push({id: id, width: Math.round(width), column: Math.round(inner), scrolls: scrolls,
                        tex: (source.get(box) || '').slice(0, 160)});
    }
  }
  const wideInline = [];
  for (const box of document.querySelectorAll('mjx-container:not([display="true"])')) {
    if (box.closest('.sidebar, .margin, .cell_output')) continue;
    let column = box.parentElement;
    while (column && (column.clientWidth === 0 || getComputedStyle(column).display.startsWith('inline'))) {
      column = column.parentElement;
    }
    if (!column) continue;
    const style = getComputedStyle(column);
    const inner = column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const drawn = box.firstElementChild ? box.firstElementChild.getBoundingClientRect().width : 0;
    if (Math.max(box.scrollWidth, drawn) > inner + 1) {
      const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX)
          && box.getBoundingClientRect().width <= inner + 1;
      wideInline.push({id: (box.closest('[id]') || {}).id || '', width: Math.round(drawn),
                       column: Math.round(inner), scrolls: scrolls, tex: (source.get(box) || '').slice(0, 160)});
    }
  }
  const errors = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')].map(
      e => e.getAttribute('data-mjx-error') || e.textContent);
  const images = [...document.querySelectorAll('main img')].filter(
      img => !img.complete || img.naturalWidth === 0).map(img => img.getAttribute('src'));
  // Display equations that scroll inside their box, and whether the reader can see that they do:
  // a scrollbar drawn in the box (it takes height) and a shadow on the edge where more lies.
  const scrolling = [];
  for (const box of document.querySelectorAll('main mjx-container[display="true"]')) {
    if (box.scrollWidth > box.clientWidth + 1) {
      const shadow = getComputedStyle(box).boxShadow;
      scrolling.push({id: (box.closest('[id]') || {}).id || '', tex: (source.get(box) || '').slice(0, 120),
                      scrollbar: box.offsetHeight - box.clientHeight >= 3,
                      shadow: shadow !== 'none' && box.classList.contains('mcdl-more-right')});
    }
  }
  // An equation number drawn over its equation.
  const overlaps = [];
  for (const eqno of document.querySelectorAll('main div.math > span.eqno')) {
    const box = eqno.parentElement.querySelector('mjx-container');
    if (!box) continue;
    const a = eqno.getBoundingClientRect(), b = box.getBoundingClientRect();
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) overlaps.push({number: eqno.textContent.trim(), tex: (source.get(box) || '').slice(0, 80)});
  }
  // Tables wider than the column they sit in (the theme wraps each in a scrolling container).
  const wideTables = [];
  for (const table of document.querySelectorAll('main table')) {
    const wrapper = table.closest('.pst-scrollable-table-container') || table;
    const column = wrapper.parentElement;
    if (table.offsetWidth > column.clientWidth + 1) {
      wideTables.push({width: table.offsetWidth, column: column.clientWidth,
                       head: table.innerText.slice(0, 60)});
    }
  }
  // Formulas in tables: their TeX and how many double and single bars MathJax drew.
  const tableMath = [...document.querySelectorAll('main table mjx-container')].map(box => ({
      tex: source.get(box) || '', double: box.querySelectorAll('[data-c="2016"], [data-c="2225"]').length,
      single: box.querySelectorAll('[data-c="7C"], [data-c="2223"]').length}));
  const figures = [...document.querySelectorAll('main figure img, main img.mcdl-figure')].map(img => ({
      src: img.getAttribute('src'), alt: img.getAttribute('alt') || '',
      fullSize: img.closest('a.mcdl-full-size') ? img.closest('a').href : null}));
  const tabStops = [...document.querySelectorAll('mjx-container')].filter(box => box.tabIndex >= 0).length;
  return {overflowing: overflowing, wideInline: wideInline, errors: errors, images: images, raw: text.includes('$$'),
          equations: document.querySelectorAll('mjx-container[display="true"]').length,
          pageWidth: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
          scrolling: scrolling,
          overlaps: overlaps, wideTables: wideTables, tableMath: tableMath, figures: figures, tabStops: tabStops};
}"""


def launch(playwright):
    """Headless Chromium that draws scrollbars as a desktop browser does (headless hides them by default)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"],
                                      ignore_default_args=["--hide-scrollbars"])


def pages(site):
    """Every HTML page a reader can reach, relative to the site's root."""
    skip = {"search.html", "index.html"}  # index.html only redirects to book/intro.html
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts)


def inspect_page(page, url, width):
    """Load url at the given width, wait for MathJax, and return what INSPECT finds."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url, wait_until="load")
    page.wait_for_function("() => window.MathJax === undefined || (MathJax.startup && MathJax.startup.promise)",
                           timeout=30_000)
    page.evaluate("() => window.MathJax === undefined ? null : MathJax.startup.promise")
    return page.evaluate(INSPECT)


DRAWERS = {"primary": "#pst-primary-sidebar-modal", "secondary": "#pst-secondary-sidebar-modal"}


def open_drawers(page):
    """Click the visible menu and contents buttons as a reader does; {drawer: what opened, or why not}.

    A drawer opened if its dialog is open and shows links a reader can tap (the site's
    navigation, or the page's sections); Escape closes it again.
    """
    opened = {}
    for drawer, dialog in DRAWERS.items():
        buttons = [b for b in page.query_selector_all(f".{drawer}-toggle") if b.is_visible()]
        if not buttons:
            opened[drawer] = "no visible button"
            continue
        buttons[0].click()
        try:
            page.wait_for_selector(f"{dialog}[open] a", state="visible", timeout=2_000)
            links = page.evaluate(f"""() => [...document.querySelectorAll('{dialog} a')].filter(
                a => a.getBoundingClientRect().width > 0).length""")
            opened[drawer] = links
        except Exception:  # noqa: BLE001 (Playwright's TimeoutError: the drawer stayed shut)
            opened[drawer] = "did not open"
        page.keyboard.press("Escape")
        page.wait_for_function(f"() => !document.querySelector('{dialog}').open", timeout=2_000)
    return opened


def survey(site, widths=None, screenshots=None, shoot=()):
    """{(page, width): findings} for every page; screenshots of the pages in shoot go to that folder.

    Beside what INSPECT finds: the page's JavaScript errors and failed requests, and at
    phone width what the menu and contents buttons open.
    """
    from playwright.sync_api import sync_playwright

    widths = widths or tuple(WIDTHS.values())
    found = {}
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        mathjax_messages, console_errors, failed = [], [], []
        page.on("console", lambda m: mathjax_messages.append(m.text) if "MathJax" in m.text else None)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        page.on("requestfailed", lambda request: failed.append(request.url))
        for name in pages(site):
            for width in widths:
                for messages in (mathjax_messages, console_errors, failed):
                    messages.clear()
                result = inspect_page(page, (Path(site) / name).as_uri(), width)
                result["errors"] += list(mathjax_messages)
                result["drawers"] = open_drawers(page) if width == WIDTHS["phone"] else {}
                result["consoleErrors"], result["failedRequests"] = list(console_errors), list(failed)
                found[name, width] = result
                if screenshots and name in shoot:
                    stem = name.replace("/", "_").removesuffix(".html")
                    page.screenshot(path=str(Path(screenshots) / f"{stem}_{width}.png"), full_page=False)
        browser.close()
    return found


@pytest.fixture(scope="module")
def findings(book_site):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)")
    return survey(book_site)


def test_every_page_is_inspected(book_site, findings):
    names = {name for name, _ in findings}
    assert "book/intro.html" in names and "book/notation_and_differentials.html" in names
    assert sum(r["equations"] for (name, w), r in findings.items() if w == WIDTHS["desktop"]) > 300


@pytest.mark.parametrize("width", WIDTHS.values())
def test_mathjax_reports_no_error(findings, width):
    errors = {name: r["errors"] for (name, w), r in findings.items() if w == width and r["errors"]}
    assert errors == {}


def test_no_raw_tex_remains(findings):
    raw = sorted(name for (name, w), r in findings.items() if w == WIDTHS["desktop"] and r["raw"])
    assert raw == []


def test_every_image_loads(findings):
    broken = {name: r["images"] for (name, w), r in findings.items() if w == WIDTHS["desktop"] and r["images"]}
    assert broken == {}


FORMULAS = {"display": "overflowing", "inline": "wideInline"}  # kind of formula: its findings


@pytest.mark.parametrize("kind", FORMULAS)
def test_no_formula_is_wider_than_its_column_at_1280_px(findings, kind):
    wide = {name: r[FORMULAS[kind]] for (name, w), r in findings.items()
            if w == WIDTHS["desktop"] and r[FORMULAS[kind]]}
    assert wide == {}


@pytest.mark.parametrize("kind", FORMULAS)
def test_wide_formulas_scroll_inside_their_own_box_at_400_px(findings, kind):
    """On a phone a formula may be wider than the text, but never runs past it: its own box scrolls."""
    cut = {name: [o for o in r[FORMULAS[kind]] if not o["scrolls"]]
           for (name, w), r in findings.items() if w == WIDTHS["phone"]}
    assert {name: found for name, found in cut.items() if found} == {}


def _page_with_wide_formulas(path, mathjax, styled):
    """A page with one display and one inline formula far too wide for a 600 px column;
    ``styled`` adds the book's equation stylesheet and script."""
    static = ROOT / "book" / "_static"
    head = (f'<link rel="stylesheet" href="{(static / "equations.css").as_uri()}">'
            f'<script src="{(static / "wide-inline-math.js").as_uri()}"></script>') if styled else ""
    terms = " + ".join(f"x_{{{i}}}^{{2}}" for i in range(60))
    path.write_text(f'<html><head>{head}<script src="{mathjax}"></script></head><body><main>'
                    f'<div style="width:600px"><div class="math">\\[{terms}\\]</div>'
                    f'<p>Inline, \\({terms}\\), in a sentence.</p>'
                    f'<img src="missing.png"></div></main></body></html>', encoding="utf-8")
    return path.as_uri()


def test_the_inspection_sees_formulas_wider_than_their_column(book_site, tmp_path):
    """The overflow checks can fail, and the book's stylesheet and script make wide formulas scroll."""
    from playwright.sync_api import sync_playwright

    mathjax = (book_site / "_static" / "mathjax" / "tex-svg.js").as_uri()
    with sync_playwright() as p:
        browser = launch(p)
        plain, styled = (inspect_page(browser.new_page(), _page_with_wide_formulas(tmp_path / f"{name}.html", mathjax,
                                                                                    name == "styled"), 1280)
                         for name in ("plain", "styled"))
        browser.close()
    for result in (plain, styled):
        assert result["equations"] == 1 and result["images"] == ["missing.png"]
        assert len(result["overflowing"]) == 1 and result["overflowing"][0]["column"] == 600
        assert len(result["wideInline"]) == 1 and result["wideInline"][0]["column"] == 600
    assert not plain["overflowing"][0]["scrolls"] and not plain["wideInline"][0]["scrolls"]
    assert styled["overflowing"][0]["scrolls"] and styled["wideInline"][0]["scrolls"]


# --- What a reader on a phone or a desktop meets (issue 19) -----------------------------------

def at(findings, width):
    return {name: r for (name, w), r in findings.items() if w == width}


def test_menu_and_contents_buttons_open_their_drawers_at_400_px(findings):
    """On every page the menu button opens the navigation and the contents button the page's sections."""
    phone = at(findings, WIDTHS["phone"])
    assert len(phone) > 15
    dead = {name: r["drawers"] for name, r in phone.items()
            if not isinstance(r["drawers"].get("primary"), int) or r["drawers"]["primary"] < 10}
    assert dead == {}
    # a page with sections offers them; the drawer lists at least one link
    dead = {name: r["drawers"] for name, r in phone.items()
            if r["drawers"].get("secondary") != "no visible button" and not isinstance(r["drawers"]["secondary"], int)}
    assert dead == {}
    assert sum(isinstance(r["drawers"]["secondary"], int) for r in phone.values()) >= 12


def test_the_drawers_stay_shut_without_the_books_toggle_script(book_site):
    """The drawer check can fail: with book/_static/sidebar-toggles.js blocked the theme's own
    handler sits on a hidden button, and the visible menu button opens nothing."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": WIDTHS["phone"], "height": 900})
        page.route("**/sidebar-toggles.js*", lambda route: route.abort())
        page.goto((book_site / "book" / "notation.html").as_uri(), wait_until="load")
        assert open_drawers(page) == {"primary": "did not open", "secondary": "did not open"}
        browser.close()


def _norm_bars_in_tables(markdown):
    """(double bars, single bars) that the formulas in the Markdown tables of a page write."""
    rows = "\n".join(line for line in markdown.splitlines() if line.startswith("|"))
    double = len(re.findall(r"\\(?:Vert|lVert|rVert|\|)", rows))
    single = len(re.findall(r"\\(?:vert|lvert|rvert|mid)(?![a-zA-Z])", rows))
    return double, single


def test_no_formula_in_a_table_lost_a_double_bar(findings):
    """Every norm bar the table formulas of a page write is drawn as one (a \\| eaten by the table parser is not)."""
    drawn, written = {}, {}
    for name, r in at(findings, WIDTHS["desktop"]).items():
        source = ROOT / Path(name).with_suffix(".md")
        if r["tableMath"] and source.is_file():
            drawn[name] = (sum(m["double"] for m in r["tableMath"]), sum(m["single"] for m in r["tableMath"]))
            written[name] = _norm_bars_in_tables(source.read_text(encoding="utf-8"))
    assert drawn == written
    assert sum(d for d, _ in drawn.values()) >= 18  # the norms of the Notation, Results, ch. 9 and 10 tables
    assert {"book/notation.html", "book/results.html"} <= set(drawn)


def test_no_display_equation_or_table_is_wider_than_its_column_at_1280_px(findings):
    desktop = at(findings, WIDTHS["desktop"])
    assert {name: r["scrolling"] for name, r in desktop.items() if r["scrolling"]} == {}
    assert {name: r["wideTables"] for name, r in desktop.items() if r["wideTables"]} == {}


def test_no_page_is_wider_than_a_phone(findings):
    wide = {name: r["pageWidth"] for name, r in at(findings, WIDTHS["phone"]).items() if r["pageWidth"] > r["viewport"]}
    assert wide == {}


def test_every_wide_equation_shows_that_it_scrolls_at_400_px(findings):
    """A display equation cut at the column's edge draws its scrollbar and a shadow on the cut edge."""
    phone = at(findings, WIDTHS["phone"])
    hidden = {name: [s for s in r["scrolling"] if not (s["scrollbar"] and s["shadow"])] for name, r in phone.items()}
    assert {name: found for name, found in hidden.items() if found} == {}
    assert sum(len(r["scrolling"]) for r in phone.values()) > 20  # the check looked at real wide equations


@pytest.mark.parametrize("width", WIDTHS.values())
def test_no_equation_number_is_drawn_over_its_equation(findings, width):
    overlaps = {name: r["overlaps"] for name, r in at(findings, width).items() if r["overlaps"]}
    assert overlaps == {}


NOT_A_DESCRIPTION = re.compile(r"\.(png|svg|jpe?g|gif)\b|_images|/|[0-9a-f]{12,}", re.I)


def undescribed(figures):
    """The figures whose alt text is missing, a file name or hash, or too short to describe anything."""
    return [f["src"] for f in figures if NOT_A_DESCRIPTION.search(f["alt"]) or len(f["alt"].split()) < 8]


def test_undescribed_rejects_file_names_and_hashes():
    assert undescribed([{"src": "a.png", "alt": "../_images/3f2a9c0b1d4e5f60718293a4b5c6d7e8.png"},
                        {"src": "b.png", "alt": "3f2a9c0b1d4e5f60718293a4b5c6d7e8"},
                        {"src": "c.png", "alt": "figure"}, {"src": "d.png", "alt": ""}]) == ["a.png", "b.png", "c.png",
                                                                                          "d.png"]
    assert undescribed([{"src": "e.png", "alt": "Log-log plot of the error against the step size h"}]) == []


def test_every_figure_is_described_and_opens_full_size(findings):
    phone = at(findings, WIDTHS["phone"])
    figures = [f for r in phone.values() for f in r["figures"]]
    assert len(figures) >= sum(book_figures().values())
    assert {name: undescribed(r["figures"]) for name, r in phone.items() if undescribed(r["figures"])} == {}
    assert [f["src"] for f in figures if not (f["fullSize"] or "").endswith(".png")] == []


def book_figures():
    """The number of figures of each chapter (tests/test_book.py's list)."""
    from test_book import FIGURES

    return FIGURES


def test_a_figure_opens_full_size_when_tapped(book_site):
    """At 400 px a two-panel figure scrolls sideways in its box, and a tap opens the image at its own size."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": WIDTHS["phone"], "height": 900})
        page.goto((book_site / "book" / "nonlinear_least_squares.html").as_uri(), wait_until="load")
        page.evaluate("() => MathJax.startup.promise")
        figure = page.locator("#nls-fig-descent img")
        shown = figure.bounding_box()["width"]
        box = page.evaluate("""() => { const a = document.querySelector('#nls-fig-descent a');
                                       return [a.scrollWidth, a.clientWidth, document.documentElement.scrollWidth,
                                               document.documentElement.clientWidth]; }""")
        figure.scroll_into_view_if_needed()
        figure.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(".png")
        natural = page.evaluate("() => document.querySelector('img').naturalWidth")
        browser.close()
    # in the page its two panels are drawn each about as wide as the column, in a box that scrolls sideways
    scroll_width, box_width, page_width, screen = box
    assert shown > 1.7 * box_width and scroll_width > 1.7 * box_width and page_width <= screen
    assert WIDTHS["phone"] < natural


@pytest.mark.parametrize("width", WIDTHS.values())
def test_no_javascript_error_and_no_failed_request(findings, width):
    errors = {name: r["consoleErrors"] for name, r in at(findings, width).items() if r["consoleErrors"]}
    assert errors == {}
    failed = {name: r["failedRequests"] for name, r in at(findings, width).items() if r["failedRequests"]}
    assert failed == {}


def test_formulas_are_not_keyboard_tab_stops(findings):
    stops = {name: r["tabStops"] for name, r in at(findings, WIDTHS["desktop"]).items() if r["tabStops"]}
    assert stops == {}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(site):
    """The site over HTTP on a free local port (MathJax's speech maps load by XHR, which file:// forbids)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def test_mathjax_assistive_extensions_load_offline(book_site):
    """The explorer of MathJax's menu (speech, braille) loads from the site with the network cut off, and speaks."""
    from playwright.sync_api import sync_playwright

    with serving(book_site) as base, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        page.goto(f"{base}/book/notation.html", wait_until="load")
        page.evaluate("() => MathJax.startup.promise")
        loaded = page.evaluate(
            "async () => { await MathJax.loader.load('a11y/explorer'); return Object.keys(MathJax._.a11y); }")
        speech = page.evaluate("""async () => {
          const sre = MathJax._.a11y.sre.Sre;
          await sre.sreReady();
          return sre.toSpeech(MathJax.tex2mml('\\\\|A\\\\|_F'));
        }""")
        browser.close()
    assert failed == []
    assert {"explorer", "semantic-enrich", "sre"} <= set(loaded)
    assert "Metric upper A" in speech, speech  # the speech rule engine's English maps were found
