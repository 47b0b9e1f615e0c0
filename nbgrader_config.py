"""nbgrader configuration of the course: run nbgrader commands from this folder.

The settings live in autograder/nbgrader_settings.py.
"""

from autograder.nbgrader_settings import configure

configure(get_config())  # noqa: F821 (get_config is provided by nbgrader)
