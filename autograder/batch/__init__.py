"""Grading a class in parallel: ``mcdl grade``, one module per job.

- ``run``: a run of ``mcdl grade`` (``grade``): reads the submissions, has them
  graded, writes the course; one run per course at a time (``course_lock``);
- ``task``: grading one submission with nbgrader's ``autograde`` in a private
  course, inside a grading helper (``grade_task``), and what every task shares;
- ``helper``: the grading helper process and its messages (those of
  ``sandbox.protocol``), one task at a time, stopped when it hangs;
- ``dispatch``: helpers on this machine (``LocalPool``) or on a Dask cluster;
- ``gradebook_rows``: copying a helper's gradebook rows into the course's gradebook;
- ``feedback_pages``: feedback pages that load MathJax from beside them;
- ``progress``: the progress line and the summary of a run.

A submission that crashes or hangs its helper costs only its own grade; a new
helper takes the next task. Each helper finds the course secret where it runs
(``MCDL_COURSE_SECRET`` or ``.mcdl_secret`` in its working folder) and refuses
to grade with a secret other than the instructor's.
"""

from autograder.batch.dispatch import HELPER_TARGET, LocalPool, grade_on_worker
from autograder.batch.feedback_pages import localize_mathjax
from autograder.batch.helper import GradingError, IsolatedGrader, serve
from autograder.batch.progress import Progress, Summary
from autograder.batch.run import LOCK_FILE, course_lock, grade
from autograder.batch.task import PLACEHOLDER_STUDENT, grade_task, secret_fingerprint, shared_files

__all__ = ["HELPER_TARGET", "LOCK_FILE", "PLACEHOLDER_STUDENT", "GradingError", "IsolatedGrader", "LocalPool",
           "Progress", "Summary", "course_lock", "grade", "grade_on_worker", "grade_task", "localize_mathjax",
           "secret_fingerprint", "serve", "shared_files"]
