"""Problem set 7 (word embeddings): wrong and slow answers (``ps07.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS07

_RECORDS = load(PS07)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right

SGNS_CELLS = set(_RECORDS.cells["sgns"])
