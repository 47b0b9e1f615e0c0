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
  const errors = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')].map(
      e => e.getAttribute('data-mjx-error') || e.textContent);
  const images = [...document.querySelectorAll('main img')].filter(
      img => !img.complete || img.naturalWidth === 0).map(img => img.getAttribute('src'));
  return {overflowing: overflowing, errors: errors, images: images, raw: text.includes('$$'),
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


def test_no_display_equation_overflows_its_column_at_1280_px(findings):
    wide = {name: r["overflowing"] for (name, w), r in findings.items()
            if w == WIDTHS["desktop"] and r["overflowing"]}
    assert wide == {}


def test_wide_equations_scroll_inside_their_own_box_at_400_px(findings):
    """On a phone an equation may be wider than the text, but never cut off: its box scrolls."""
    cut = {name: [o for o in r["overflowing"] if not o["scrolls"]]
           for (name, w), r in findings.items() if w == WIDTHS["phone"]}
    assert {name: found for name, found in cut.items() if found} == {}


def test_the_inspection_sees_an_overflowing_equation(book_site, tmp_path):
    """The overflow check can fail: a page with one equation far too wide for its column."""
    page = tmp_path / "wide.html"
    mathjax = (book_site / "_static" / "mathjax" / "tex-svg.js").as_uri()
    terms = " + ".join(f"x_{{{i}}}^{{2}}" for i in range(60))
    page.write_text(f'<html><head><script src="{mathjax}"></script></head><body><main>'
                    f'<div style="width:600px"><div class="math">\\[{terms}\\]</div>'
                    f'<img src="missing.png"></div></main></body></html>', encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        result = inspect_page(browser.new_page(), page.as_uri(), 1280)
        browser.close()
    assert result["equations"] == 1
    assert len(result["overflowing"]) == 1 and result["overflowing"][0]["column"] == 600
    assert not result["overflowing"][0]["scrolls"]  # no book CSS on this page
    assert result["images"] == ["missing.png"]
