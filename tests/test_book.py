"""The book builds with warnings as errors and shows only what students may see."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, ROOT, release_path, source_path
from test_release import significant_lines

from autograder import notebooks

CHAPTERS = ["notation_and_differentials", "checking_gradients", "linear_layers_and_activations",
            "softmax_and_cross_entropy", "feedforward_networks", "autoencoders", "nonlinear_least_squares",
            "word_embeddings", "matrix_factorization", "weighted_factorization", "fast_kernels"]
FIGURES = {"checking_gradients": 2, "linear_layers_and_activations": 1, "softmax_and_cross_entropy": 1,
           "feedforward_networks": 1, "autoencoders": 1, "nonlinear_least_squares": 1, "word_embeddings": 1,
           "matrix_factorization": 2, "weighted_factorization": 1, "fast_kernels": 1}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return out / "_build" / "html"


def test_every_chapter_is_built(site):
    for page in ["book/intro", *(f"book/{c}" for c in CHAPTERS)]:
        assert (site / f"{page}.html").is_file(), page


@pytest.mark.parametrize("chapter", FIGURES)
def test_chapters_show_figures_computed_at_build_time(site, chapter):
    page = (site / "book" / f"{chapter}.html").read_text(encoding="utf-8")
    assert page.count('<img alt="_images/') + page.count('src="../_images/') >= FIGURES[chapter]
    assert "Traceback" not in page


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapters_have_exercises_mistakes_and_an_assignment_download(site, chapter):
    page = (site / "book" / f"{chapter}.html").read_text(encoding="utf-8")
    assert "Common mistakes" in page
    assert "exercise" in page and "solution" in page
    assert ".ipynb" in page and "_downloads" in page


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_download_is_the_release_notebook(site, assignment):
    downloads = list((site / "_downloads").rglob(f"{assignment}.ipynb"))
    assert downloads, f"{assignment}.ipynb is not offered for download"
    for copy in downloads:
        assert copy.read_bytes() == release_path(assignment).read_bytes()


def test_no_solution_or_hidden_test_reaches_the_site(site):
    secret = set()
    for assignment in ASSIGNMENTS:
        secret |= significant_lines(notebooks.hidden_text(notebooks.load(source_path(assignment))))
    leaks = {}
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".txt", ".ipynb", ".md", ".js", ".py"}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            found = {line for line in secret if line in text}
            if found:
                leaks[str(path.relative_to(site))] = found
    assert leaks == {}
    assert not any(part in {"solutions", "autograder", "tests"} for p in site.rglob("*") for part in p.parts)


def test_equations_render_from_a_local_mathjax(site):
    page = (site / "book" / "notation_and_differentials.html").read_text(encoding="utf-8")
    assert 'src="../_static/mathjax/tex-svg.js"' in page
    assert (site / "_static" / "mathjax" / "tex-svg.js").stat().st_size > 1_000_000
    assert r"\tr(A^\top B)" in page or "tr(A^" in page  # the TeX is in the page for MathJax
