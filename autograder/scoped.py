"""A value set for the length of a ``with`` block: what a caller asks the checks inside it to use or
fill (a context variable, so that threads and asyncio tasks each keep their own)."""

import contextlib
import contextvars


class ScopedValue:
    """``within(value)`` makes ``value`` (by default a fresh ``new()``) ``current()`` inside the
    block and yields it; outside any block ``current()`` is None."""

    def __init__(self, name, new=None):
        self._current = contextvars.ContextVar(name, default=None)
        self._new = new

    @contextlib.contextmanager
    def within(self, value=None):
        value = self._new() if value is None else value
        token = self._current.set(value)
        try:
            yield value
        finally:
            self._current.reset(token)

    def current(self):
        return self._current.get()
