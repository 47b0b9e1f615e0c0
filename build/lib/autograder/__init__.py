"""Grading library of the Matrix Calculus for Deep Learning course.

The modules, from the bottom up (each uses only those above it in this list):

- ``secret``: the course secret, from which hidden inputs derive;
- ``sandbox``: isolated workers that run answer cells (``policy`` states the
  whole isolation), the value transport (``protocol``) and the proxies the
  grader calls them through (``remote``);
- ``finite_differences``: central differences, directional derivatives,
  relative error and the Taylor remainder test;
- ``diagnostics``: names what is wrong with an array that should have matched;
- ``checks``: the assertions test cells make (they raise ``GradingFailure``);
- ``budgets``: time and memory budgets of the core kernels;
- ``assignments``: one module per assignment with its graded checks;
- ``answer_rules``: what an answer cell may use;
- ``trusted``: grading a notebook's answers; ``nbgrader_plugin``: the same
  inside ``nbgrader autograde``;
- ``notebooks``, ``course``, ``cli``: notebooks, the course's folders and the
  ``mcdl`` command.
"""

__version__ = "0.1.0"
