"""Problem set 5 (auto-encoders): edits of the reference answers (``ps05.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS05

_RECORDS = load(PS05)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right

# The test cells of each output: a mistake in one output loses only that output's cells.
OUTPUT_CELLS = {output: set(_RECORDS.cells[output]) for output in ("J", "dW", "db", "dalphas")}
TIED_CELLS, SCALED_CELLS = set(_RECORDS.cells["tied"]), set(_RECORDS.cells["scaled"])
