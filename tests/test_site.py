"""The built site as a reader follows it, and the book's words and letters.

- every link of every page resolves (local files and anchors), the PDF link
  included, after exactly the README's build;
- no private marker or internal word reaches the text, and every correction of
  a source names the source and cites it from the bibliography;
- the Notation page states one convention for the letters, and the chapters
  use it or declare their own at their start.
"""

import importlib.util
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest
from conftest import ROOT
from test_book import CHAPTERS

BOOK = ROOT / "book"
README_PDF_SECTION = "## The book: HTML, browser test and PDF"


class _Page(HTMLParser):
    """The links, ids and visible text of an HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids, self.text, self._hidden = [], set(), [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag in {"script", "style"}:
            self._hidden += 1
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in {"preload", "dns-prefetch"}):
                self.links.append((tag, attrs[key]))

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def html_pages(site):
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def broken_links(site):
    """{page: [links that lead nowhere]}: local files that are missing and anchors no page defines."""
    parsed = {path: parse(path) for path in html_pages(site)}
    broken, checked = {}, 0
    for path, page in parsed.items():
        for _, link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "data:", "javascript:")):
                continue
            checked += 1
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if parts.path.endswith("/"):
                target = target / "index.html"
            ok = target.exists()
            if ok and parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                ok = unquote(parts.fragment) in ids
            if not ok:
                broken.setdefault(str(path.relative_to(site)), []).append(link)
    return broken, checked


def test_every_link_in_the_site_resolves(book_site):
    broken, checked = broken_links(book_site)
    assert broken == {}
    assert checked > 2000


def test_the_link_checker_finds_a_dead_link_and_a_dead_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<p id="here"><a href="b.html#nowhere">b</a> <a href="#here">me</a>'
                                     '<a href="book.pdf">pdf</a> <img src="x.png"></p>', encoding="utf-8")
    (tmp_path / "b.html").write_text('<p id="there">b</p>', encoding="utf-8")
    broken, checked = broken_links(tmp_path)
    assert broken == {"a.html": ["b.html#nowhere", "book.pdf", "x.png"]} and checked == 4


def test_the_pdf_link_after_the_readmes_build(book_site):
    """The README's build makes no PDF: the introduction then links the README's PDF instructions."""
    intro = parse(book_site / "book" / "intro.html")
    pdf_links = [link for _, link in intro.links if link.endswith(".pdf")]
    readme = [link for _, link in intro.links if "README.md#the-book-html-browser-test-and-pdf" in link]
    if (book_site / "matrix-calculus-for-deep-learning.pdf").exists():
        assert pdf_links == ["../matrix-calculus-for-deep-learning.pdf"]
    else:
        assert pdf_links == [] and len(readme) == 1
        assert readme[0].startswith("https://github.com/mcdl-course/matrix-calculus-for-deep-learning/blob/main/")
    assert README_PDF_SECTION in (ROOT / "README.md").read_text(encoding="utf-8")


def _pdf_extension():
    spec = importlib.util.spec_from_file_location("pdf_download", BOOK / "_ext" / "pdf_download.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("built", [True, False])
def test_the_introduction_links_the_pdf_only_once_it_is_built(tmp_path, built):
    pdf_download = _pdf_extension()
    (tmp_path / "html").mkdir()
    if built:
        (tmp_path / "latex").mkdir()
        (tmp_path / "latex" / "book.pdf").write_bytes(b"%PDF-1.5")
    config = SimpleNamespace(myst_substitutions={}, html_theme_options={
        "repository_url": "https://github.com/o/r", "repository_branch": "main"})
    app = SimpleNamespace(outdir=str(tmp_path / "html"))
    pdf_download._link(app, config)
    pdf_download._copy_pdf(SimpleNamespace(outdir=str(tmp_path / "html"), builder=SimpleNamespace(format="html")),
                           None)
    text = config.myst_substitutions["pdf_link"]
    assert ('href="../matrix-calculus-for-deep-learning.pdf"' in text) == built
    assert ("https://github.com/o/r/blob/main/README.md#the-book-html-browser-test-and-pdf" in text) == (not built)
    assert (tmp_path / "html" / pdf_download.NAME).exists() == built


# --- Words a reader should not see ------------------------------------------------------------

# Private markers and the project's internal words (the "seeds" are the sources' files).
PRIVATE = [r"FIXFROMHERE", r"\bTODO\b", r"\bFIXME\b", r"\bXXX\b", r"\bthe seeds?\b", r"seed's", r"\bseed \d{3}\b",
           r"the source's", r"source material", r"one of the (course's )?sources", r"\bone source\b",
           r"course's sources", r"\bhelpers?\b", r"\bthe lead\b", r"\bissue \d+", r"\bwip\b", r"00[0-4]_[0-9a-f]{6}"]


def private_words(text):
    return sorted({m.group(0) for pattern in PRIVATE for m in re.finditer(pattern, text, re.I)})


def test_private_words_are_recognised():
    assert private_words("See the seed's formula (FIXFROMHERE); one of the sources writes it.") == [
        "FIXFROMHERE", "one of the sources", "seed's", "the seed"]
    assert private_words("Seeds. Use np.random.default_rng(seed) with seed = 3.") == []


def test_no_private_marker_or_internal_word_in_the_book(book_site):
    found = {}
    for path in html_pages(book_site):
        words = private_words(" ".join(parse(path).text))
        if words:
            found[str(path.relative_to(book_site))] = words
    assert found == {}


# How the book names each source it corrects, and the bibliography key it cites.
SOURCES = {"Delong": "delong-guide", "lecture notes": "notes-embeddings-factorization",
           "handwritten notes": "notes-tanh-least-squares", "worked solutions": "notes-index-notation"}
CORRECTION = re.compile(r"\b(wrong|error|mistake|slip|drops?|loses?|lose|correct(ion|s)?|negative of|"
                        r"stop before|keeps? one|different function)\b", re.I)


def passages(markdown):
    """Paragraphs and list items of a page's Markdown (code cells left out)."""
    markdown = re.sub(r"```\{code-cell\}.*?```", "", markdown, flags=re.S)
    # an admonition's fence and title belong with the paragraph that follows them
    markdown = re.sub(r"^```\{admonition\}[^\n]*\n(:class:[^\n]*\n)?\n?", "", markdown, flags=re.M)
    for block in re.split(r"\n\s*\n", markdown):
        yield from (item for item in re.split(r"\n(?=\s*- |\d+\. )", block) if item.strip())


def uncited_corrections(markdown):
    """The passages that correct a named source without citing it."""
    missing = []
    for passage in passages(markdown):
        for name, key in SOURCES.items():
            if passage.lstrip().startswith("#"):
                continue  # a heading: the section's first paragraph cites
            if name.lower() in passage.lower() and CORRECTION.search(passage) and f"`{key}`" not in passage:
                missing.append((name, passage.strip()[:100]))
    return missing


def test_uncited_corrections_are_recognised():
    assert uncited_corrections("The lecture notes write $+2RV$; it is wrong.\n\n"
                               "The worked solutions {cite:p}`notes-index-notation` are wrong.") == [
        ("lecture notes", "The lecture notes write $+2RV$; it is wrong.")]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_correction_names_and_cites_its_source(chapter):
    assert uncited_corrections((BOOK / f"{chapter}.md").read_text(encoding="utf-8")) == []


def test_every_source_the_book_corrects_is_in_the_bibliography(book_site):
    bibliography = " ".join(parse(book_site / "book" / "bibliography.html").text)
    for title in ["Practical guide to matrix calculus", "skip-gram with negative sampling",
                  "by traces and by indices", "Kronecker deltas", "each entry and each row vector"]:
        assert title.lower() in bibliography.lower(), title


# --- One convention for the letters -----------------------------------------------------------

# What the Notation page states (its table "One convention for the letters").
CONVENTION = {"batch size": "$t$", "targets": "$Y$", "bias gradient": r"$\one^\top G$",
              r"$\sigma$": "the logistic sigmoid only", r"$\ln$": "the natural logarithm"}
# The letters each chapter keeps instead, which its box "Letters in this chapter" must give.
BATCH = {"softmax_and_cross_entropy": "S", "word_embeddings": "N", "fast_kernels": "S"}
TARGETS = {"softmax_and_cross_entropy": "T", "autoencoders": "X", "nonlinear_least_squares": "C",
           "matrix_factorization": "P"}


def letters_box(markdown):
    """The text of the chapter's box "Letters in this chapter", if it has one before its second section."""
    start = markdown.split("\n## ")[:2]
    found = re.search(r"```\{admonition\} Letters in this chapter\n(.*?)```", "\n## ".join(start), re.S)
    return found.group(1) if found else ""


def averaging_letters(markdown):
    """The letters n of the factors 1/n that average over a batch (\\frac1n, \\tfrac{1}{n})."""
    return set(re.findall(r"\\t?frac *(?:1|\{1\}) *\{?([A-Za-z])\b", markdown))


def test_the_notation_page_states_the_convention():
    page = (BOOK / "notation.md").read_text(encoding="utf-8")
    rows = {cells[0]: cells[1:] for cells in (
        [c.strip() for c in line.strip("|").split("|")] for line in page.splitlines() if line.startswith("| "))}
    for what, letter in CONVENTION.items():
        assert what in rows and any(letter in cell for cell in rows[what]), (what, rows.get(what))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_uses_the_convention_or_declares_its_letters(chapter):
    markdown = (BOOK / f"{chapter}.md").read_text(encoding="utf-8")
    box = letters_box(markdown)
    batch = BATCH.get(chapter, "t")
    assert averaging_letters(markdown) <= {batch, "n"} if chapter == "checking_gradients" else \
        averaging_letters(markdown) <= {batch}
    if batch != "t":
        assert f"${batch}$" in box and "elsewhere $t$" in box, box
    target = TARGETS.get(chapter, "Y")
    if target != "Y":
        assert f"targets are ${target}$ (elsewhere $Y$)" in box, box
    if chapter in TARGETS or chapter in BATCH:
        assert "{doc}`notation`" in box


def test_the_bias_gradient_is_written_one_transposed_times_g_everywhere():
    statement = re.compile(r"(?:\\partial_b|\\partial_\{b_j\}|\\frac\{\\partial J\}\{\\partial b(?:_j)?\}"
                           r"|\\partial J */ *\\partial b(?:_j)?)\s*&?=\s*([^,$]{0,20})")
    found = {}
    for page in [*CHAPTERS, "results", "notation"]:
        for rhs in statement.findall((BOOK / f"{page}.md").read_text(encoding="utf-8")):
            found.setdefault(rhs.strip().startswith(r"\one^\top"), []).append((page, rhs.strip()))
    assert found.get(False) is None, found.get(False)
    assert len(found[True]) >= 15


def test_sigma_is_the_sigmoid_and_ln_the_logarithm():
    for page in [*CHAPTERS, "results"]:  # (the Notation page states the rule, with its exception)
        markdown = (BOOK / f"{page}.md").read_text(encoding="utf-8")
        assert not re.search(r"\\sigma_[a-z0-9{]", markdown), page  # singular values are s_i
        logs = re.findall(r".{12}\\log(?![a-zA-Z]).{3}", markdown)
        assert all(r"\log N)" in log for log in logs), (page, logs)  # only in O(N log N)
