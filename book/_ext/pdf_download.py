"""Offer the PDF of the whole book on the site.

``jupyter-book build . --builder pdflatex`` writes the PDF to ``_build/latex/``;
the HTML build that follows copies it to ``_build/html/`` under the name the
introduction links to. Without a PDF build nothing is copied (and the link is
dead), so the HTML build never needs TeX.
"""

import shutil
from pathlib import Path

NAME = "matrix-calculus-for-deep-learning.pdf"


def _copy_pdf(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    latex = Path(app.outdir).parent / "latex"
    pdfs = sorted(latex.glob("*.pdf"), key=lambda p: p.stat().st_mtime) if latex.is_dir() else []
    if pdfs:
        shutil.copy2(pdfs[-1], Path(app.outdir) / NAME)


def setup(app):
    app.connect("build-finished", _copy_pdf)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
