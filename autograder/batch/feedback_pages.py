"""Feedback pages that render their equations offline: ``localize_mathjax``.

nbgrader's feedback pages load MathJax 2 from a CDN. The pages ``mcdl grade``
writes load MathJax 3 from a copy beside them instead (a hard link to the
installed one where the file system allows), and from a CDN only if that copy
is missing (a page handed out alone, as ``nbgrader release_feedback`` does).
"""

import os
import re
import shutil
from importlib.util import find_spec
from pathlib import Path

MATHJAX_COMPONENT = "tex-svg.js"  # MathJax 3, one file with its fonts (as the book uses)
MATHJAX_FROM_CDN = re.compile(r'<script src="https?://[^"]*mathjax[^"]*">\s*</script>', re.IGNORECASE)
MATHJAX_2_CONFIG = re.compile(r'<script type="text/x-mathjax-config">.*?</script>', re.DOTALL)
MATHJAX_CDN_FALLBACK = f"https://cdnjs.cloudflare.com/ajax/libs/mathjax/3.2.2/es5/{MATHJAX_COMPONENT}"
LOCAL_MATHJAX = (
    "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
    "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, processEnvironments: true}};"
    "</script>\n"
    f'<script src="mathjax/{MATHJAX_COMPONENT}" onerror="var s = document.createElement(\'script\'); '
    f's.src = \'{MATHJAX_CDN_FALLBACK}\'; document.head.appendChild(s);"></script>'
)


def _mathjax_file():
    spec = find_spec("mathjax")  # the django-static-mathjax wheel of requirements.txt
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax is missing: pip install -r requirements.txt")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5" / MATHJAX_COMPONENT


def localize_mathjax(folder):
    """Make the feedback pages in ``folder`` load MathJax from ``folder/mathjax/`` instead of a CDN.

    The copy is a hard link to the installed MathJax where possible (one copy on disk for the class).
    """
    folder = Path(folder)
    changed = False
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        local = MATHJAX_2_CONFIG.sub("", MATHJAX_FROM_CDN.sub(lambda _: LOCAL_MATHJAX, text))
        if local != text:
            page.write_text(local, encoding="utf-8")
            changed = True
    if changed:
        target = folder / "mathjax" / MATHJAX_COMPONENT
        target.parent.mkdir(exist_ok=True)
        if not target.exists():
            try:
                os.link(_mathjax_file(), target)
            except OSError:
                shutil.copyfile(_mathjax_file(), target)
