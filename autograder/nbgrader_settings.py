"""The course's nbgrader settings, applied by the top-level ``nbgrader_config.py``.

solutions/<id>/<id>.ipynb are nbgrader's source notebooks and
exercises/<id>/<id>.ipynb its release notebooks.
"""

SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "exercises"
CELL_TIMEOUT_SECONDS = 120

CODE_STUB = (
    "# YOUR CODE HERE\n"
    'raise NotImplementedError("Replace this line with your implementation.")'
)


def configure(c):
    """Fill the traitlets config object ``c`` that nbgrader reads."""
    c.CourseDirectory.source_directory = SOURCE_DIRECTORY
    c.CourseDirectory.release_directory = RELEASE_DIRECTORY
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store"]
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    # A test cell that runs longer than this is stopped and scores zero
    # (when students run notebooks through nbgrader's own Execute).
    c.Execute.timeout = CELL_TIMEOUT_SECONDS
    c.Execute.interrupt_on_timeout = True
    # Grading: verdicts come from autograder.trusted, not from running the
    # student's notebook (see autograder/nbgrader_plugin.py). Deleted test
    # cells are put back, so deleting one changes nothing.
    c.OverwriteCells.add_missing_cells = True
    # Submissions are untrusted: collect copies no link (autograder/collect.py).
    c.ExchangeFactory.collect = "autograder.collect.SafeExchangeCollect"
    c.Autograde.sanitize_preprocessors = [
        "autograder.nbgrader_plugin.RestoreCellsFromSource",
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "nbgrader.preprocessors.OverwriteCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.autograde_preprocessors = [
        "autograder.nbgrader_plugin.TrustedGrading",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
