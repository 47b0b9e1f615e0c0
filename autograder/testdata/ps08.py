"""Problem set 8 (matrix factorization): wrong, slow and memory-hungry answers (``ps08.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS08

_RECORDS = load(PS08)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right
