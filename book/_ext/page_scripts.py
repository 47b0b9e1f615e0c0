"""Pages that load without a JavaScript error.

- sphinx-thebe adds its inline ``const THEBE_JS_URL = ...`` script once per read
  of the sources, and Jupyter Book reads them twice: the second copy throws
  "Identifier 'THEBE_JS_URL' has already been declared" on every page. Each
  script is kept once.
- pydata-sphinx-theme logs "Got invalid theme mode" on a first visit unless a
  default colour mode is set: it is "auto" (the reader's system setting).
"""


def _page_context(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # the same script added twice may differ in its priority, and its filename be None or ""
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept
    # pydata-sphinx-theme's layout reads the default colour mode from the page context
    context["default_mode"] = context.get("default_mode") or "auto"


def setup(app):
    app.connect("html-page-context", _page_context, priority=999)  # after the handlers that add scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
