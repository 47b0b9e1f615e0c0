"""One module per assignment, holding its graded checks.

Each public function of a module is one graded behaviour: the notebook's test
cell ``test_<function>`` calls it with the student's function.  The argument
``case`` selects the inputs: ``"visible"`` is the small example students run
themselves, ``"hidden"`` (the default) the cases that decide the grade.
"""

import numpy as np

CASE_SEEDS = {"visible": (0,), "hidden": (101, 102, 103)}


def rngs(case):
    """Seeded random generators for a case: the same inputs on every run."""
    if case not in CASE_SEEDS:
        raise ValueError(f"case must be one of {sorted(CASE_SEEDS)}, not {case!r}")
    return [np.random.default_rng(seed) for seed in CASE_SEEDS[case]]
