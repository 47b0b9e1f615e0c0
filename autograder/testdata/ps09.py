"""Problem set 9 (weighted factorization): wrong and slow answers, and right variants (``ps09.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS09

_RECORDS = load(PS09)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right

IMPLICIT_CELLS = set(_RECORDS.cells["implicit"])
