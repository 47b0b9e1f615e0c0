"""Grading library of the Matrix Calculus for Deep Learning course.

The modules, from the bottom up (each uses only those above it in this list):

- ``kinds``: the kinds of failure, declared once (kind -> the report's label);
- ``errors``: ``GradingFailure`` (with its kind), ``StudentError``, ``SandboxError``;
  ``transport``: the plain numbers and arrays that cross between a worker and
  the grader (and a student's own run);
- ``secret``: the course secret, from which hidden inputs derive;
- ``finite_differences``: central differences, directional derivatives,
  relative error and the Taylor remainder test;
- ``diagnostics``: names what is wrong with an array that should have matched;
- ``checks``: the assertions test cells make (they raise ``GradingFailure``);
- ``budgets``: time and memory budgets of the core kernels;
- ``assignments``: one module per assignment with its graded checks;
- ``notebooks``, ``notebook_check``: reading notebooks, and a student's
  ``mcdl check``;
- ``sandbox``: isolated workers that run answer cells (``policy`` states the
  whole isolation, ``protocol`` the messages) and the proxies the grader calls
  them through (``remote``);
- ``answer_rules``: what an answer cell may use;
- ``trusted``: grading a notebook's answers; ``nbgrader_plugin``: the same
  inside ``nbgrader autograde``;
- ``results``: the verdicts and results a grading stores; ``batch``: grading a
  class in parallel (a package, one module per job); ``report``: the class report;
- ``course``, ``cli``: the course's folders and the ``mcdl`` command.

Everything a notebook imports (``assignments`` down to ``errors``, and
``mcdl check``) stays on the portable side: it never imports the sandbox, the
grading process, nbgrader or Dask (tests/test_student_path.py).
"""

__version__ = "0.1.0"
