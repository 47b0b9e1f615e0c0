"""Problem set 6 (nonlinear least squares): wrong and memory-hungry answers (``ps06.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS06

_RECORDS = load(PS06)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right
