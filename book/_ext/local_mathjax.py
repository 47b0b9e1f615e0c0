"""Serve MathJax from the built site instead of a CDN.

The book then renders its equations offline too (a reader behind a firewall,
a laptop without a network, a headless browser in CI). MathJax comes from the
``django-static-mathjax`` wheel in requirements.txt; only its single-file SVG
component (fonts included) is copied into ``_static/mathjax/``, with the
assistive extensions its menu loads on demand (the speech and braille explorer:
``a11y/``, the MathML input it enriches through, and the speech rule engine's
maps in ``sre/``), so that they too work offline.
"""

import shutil
from importlib.util import find_spec
from pathlib import Path

COMPONENT = "tex-svg.js"
ASSISTIVE = ("a11y", "input/mml.js", "input/mml", "sre")  # relative to the component's folder


def _component_file():
    spec = find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax is missing: pip install -r requirements.txt")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5" / COMPONENT


def _copy_component(app, exception):
    if exception is None and app.builder.format == "html":
        source = _component_file().parent
        target = Path(app.outdir) / "_static" / "mathjax"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / COMPONENT, target / COMPONENT)
        for part in ASSISTIVE:
            if (source / part).is_dir():
                shutil.copytree(source / part, target / part, dirs_exist_ok=True)
            else:
                (target / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / part, target / part)


def setup(app):
    _component_file()  # fail early, with a clear message, if it is not installed
    app.config.mathjax_path = f"mathjax/{COMPONENT}"
    app.connect("build-finished", _copy_component)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
