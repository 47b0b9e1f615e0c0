"""Problem set 2 (linear layers): wrong, slow and memory-hungry answers, and right variants (``ps02.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS02

_RECORDS = load(PS02)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right
