"""nbgrader configuration of the course: run nbgrader commands from this folder.

The settings live in autograder/nbgrader_settings.py.
"""

from autograder.course import silence_gradebook_warnings
from autograder.nbgrader_settings import configure

c = get_config()  # noqa: F821 (get_config is provided by nbgrader)
configure(c)
silence_gradebook_warnings()  # nbgrader's gradebook warns three times per student; harmless

# The course id and the exchange folder of `nbgrader release_assignment`, `collect`,
# `release_feedback` and `fetch_feedback` (students' `fetch_assignment`/`submit` need the same
# two settings in their own nbgrader config). Change both for your course; the exchange
# must be a folder every student can write to (on a JupyterHub: a shared volume).
c.CourseDirectory.course_id = "mcdl"
c.Exchange.root = "/srv/nbgrader/exchange"

# `nbgrader zip_collect ID` reads the files in downloaded/ID/archive/ (zip archives, or loose
# notebooks) named "<student id>_<notebook>", e.g. "alice_ps01_gradient_checking.ipynb"; the regular
# expression is matched against each file's whole path, and its named groups say which part is
# which (student ids without "_"). Rename the files, or change the expression, to fit what your
# learning-management system downloads.
# The course's collector (autograder/collect.py) also refuses ids and file names holding "..", a
# path separator or a control character, links, and a file inside the archive
# "<student>_<assignment>.zip" that is named for another student.
c.ZipCollectApp.collector_plugin = "autograder.collect.CourseFileNameCollector"
c.CourseFileNameCollector.named_regexp = r".*/(?P<student_id>[^_/\\.][^_/\\]*)_(?P<file_id>[^/\\]+\.ipynb)$"
