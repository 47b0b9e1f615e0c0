"""Pages that load without a JavaScript error.

- sphinx-thebe adds its inline ``const THEBE_JS_URL = ...`` script once per read
  of the sources, and Jupyter Book reads them twice: the second copy throws
  "Identifier 'THEBE_JS_URL' has already been declared" on every page. Each
  script is kept once.
- pydata-sphinx-theme logs "Got invalid theme mode" on a first visit unless a
  default colour mode is set: it is "auto" (the reader's system setting).
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = (str(script), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def _default_mode(app, config):
    config.html_theme_options = {**(config.html_theme_options or {})}
    config.html_theme_options.setdefault("default_mode", "auto")


def setup(app):
    app.connect("config-inited", _default_mode)
    app.connect("html-page-context", _dedupe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
