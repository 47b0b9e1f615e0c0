"""Problem set 3 (softmax and cross-entropy): wrong, slow and memory-hungry answers (``ps03.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS03

_RECORDS = load(PS03)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right

