"""Offer the PDF of the whole book on the site, and link it only when it is there.

``jupyter-book build . --builder pdflatex`` writes the PDF to ``_build/latex/``;
the HTML build that follows copies it to ``_build/html/`` under the name
``NAME``. The introduction writes ``{{ pdf_link }}``: a link to that copy when a
PDF was built, otherwise a link to the README's instructions for building it,
so the HTML build never needs TeX and never has a dead link.
"""

import shutil
from pathlib import Path

NAME = "matrix-calculus-for-deep-learning.pdf"
INSTRUCTIONS = "README.md#the-book-html-browser-test-and-pdf"


def _latest_pdf(outdir):
    """The newest PDF of a LaTeX build beside the HTML output folder, or None."""
    latex = Path(outdir).parent / "latex"
    pdfs = sorted(latex.glob("*.pdf"), key=lambda p: p.stat().st_mtime) if latex.is_dir() else []
    return pdfs[-1] if pdfs else None


def _link(app, config):
    if _latest_pdf(app.outdir) is not None:
        text = f'the whole book as one PDF, <a href="../{NAME}">{NAME}</a>'
    else:
        options = config.html_theme_options or {}  # Jupyter Book fills them from _config.yml's repository
        repository, branch = options["repository_url"].rstrip("/"), options.get("repository_branch", "main")
        text = (f"the whole book as one PDF, once built with the commands in the repository's "
                f"[README]({repository}/blob/{branch}/{INSTRUCTIONS}) (this copy of the site has none)")
    config.myst_substitutions = {**(config.myst_substitutions or {}), "pdf_link": text}


def _copy_pdf(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    pdf = _latest_pdf(app.outdir)
    if pdf is not None:
        shutil.copy2(pdf, Path(app.outdir) / NAME)


def setup(app):
    app.connect("config-inited", _link)
    app.connect("build-finished", _copy_pdf)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
