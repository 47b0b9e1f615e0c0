"""Problem set 4 (feed-forward networks): wrong and slow versions of the network's gradient (``ps04.toml``)."""

from autograder.testdata.records import load
from autograder.testdata.table import PS04

_RECORDS = load(PS04)
WRONG, RIGHT = _RECORDS.wrong, _RECORDS.right

# The test cells of each output of mlp_loss_and_grad: a mistake in one output loses only that output's cells.
OUTPUT_CELLS = {output: set(_RECORDS.cells[output]) for output in ("J", "dW", "db")}
GRADIENTS = set(_RECORDS.cells["gradients"])
