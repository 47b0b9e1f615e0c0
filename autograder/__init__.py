"""Grading library of the Matrix Calculus for Deep Learning course.

The modules, from the bottom up:

- ``finite_differences``: central differences, directional derivatives,
  relative error and the Taylor remainder test;
- ``diagnostics``: names what is wrong with an array that should have matched;
- ``checks``: the assertions test cells make (they raise ``GradingFailure``);
- ``assignments``: one module per assignment with its graded checks;
- ``course``: where the course's folders are and how ``exercises/`` is made.
"""

__version__ = "0.1.0"
