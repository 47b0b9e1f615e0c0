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

import os
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = os.environ.get("MCDL_CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"desktop": 1280, "phone": 400}

# Runs in the page once MathJax has finished: what the test checks.
INSPECT = """() => {
  const text = document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText;
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
  return {overflowing: overflowing, wideInline: wideInline, errors: errors, images: images, raw: text.includes('$$'),
          equations: document.querySelectorAll('mjx-container[display="true"]').length};
}"""


def pages(site):
    """Every HTML page a reader can reach, relative to the site's root."""
    skip = {"search.html"}
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


def survey(site, widths=None, screenshots=None, shoot=()):
    """{(page, width): findings} for every page; screenshots of the pages in shoot go to that folder."""
    from playwright.sync_api import sync_playwright

    widths = widths or tuple(WIDTHS.values())
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        mathjax_messages = []
        page.on("console", lambda m: mathjax_messages.append(m.text) if "MathJax" in m.text else None)
        for name in pages(site):
            for width in widths:
                mathjax_messages.clear()
                result = inspect_page(page, (Path(site) / name).as_uri(), width)
                result["errors"] += list(mathjax_messages)
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
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
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
