"""Serve MathJax from the built site instead of a CDN.

The book then renders its equations offline too (a reader behind a firewall,
a laptop without a network, a headless browser in CI). MathJax comes from the
``django-static-mathjax`` wheel in requirements.txt; only its single-file SVG
component (fonts included) is copied into ``_static/mathjax/``.
"""

import shutil
from importlib.util import find_spec
from pathlib import Path

COMPONENT = "tex-svg.js"


def _component_file():
    spec = find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax is missing: pip install -r requirements.txt")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5" / COMPONENT


def _copy_component(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "mathjax"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_component_file(), target / COMPONENT)


def setup(app):
    _component_file()  # fail early, with a clear message, if it is not installed
    app.config.mathjax_path = f"mathjax/{COMPONENT}"
    app.connect("build-finished", _copy_component)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
