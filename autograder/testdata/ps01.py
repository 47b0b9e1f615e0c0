"""Problem set 1 (gradient checking): wrong answers students give, and right variants (``ps01.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS01

_RECORDS = load(PS01)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right
