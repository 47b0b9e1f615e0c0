"""The course's test data as TOML: the wrong-submission table, one file per problem set, read into
``WrongSubmission`` records, and the attacks on the grader (``attacks.toml``), read into ``Attack`` records.

``load(PS03)`` reads ``ps03.toml`` beside this module (a problem set's first four letters), whose
records are all of that problem set; ``load("attacks", ...)`` reads ``attacks.toml``, whose records
each name their problem set. A problem set's file has up to four parts:

``[code]``
    named code that answers start from, where several entries are edits of one wrong or
    alternative answer (``dense_tanh_in_place = '''...'''``).
``[cells]``
    named sets of test cells (``gradients = ["test_..._dX", ...]``): in ``fails`` a name stands for
    its cells, and an entry's ``output`` is one of them (the cells of that output).
``[[wrong]]``
    a submission that must lose points; the fields of ``table.WrongSubmission``: ``name``, ``fails``
    (the test cells that lose their points: grade ids ``test_...`` and names of ``[cells]``),
    ``says`` (a phrase of the feedback), ``kind`` (a kind of ``autograder/kinds.py``), and where
    they apply ``output``, ``past_the_call_limit = true``, ``notes``; then its ``answers``.
``[[right]]``
    a right answer in another form, which must score full marks: ``name`` and ``answers`` only.

``attacks.toml`` has ``[code]`` too, and:

``[[attack]]``
    a submission that attacks the grader (``table.Attack``): ``name``, ``problem_set`` (``"ps02"``),
    ``fails`` (grade ids; may be empty: the attack must then cost nothing), ``says``, ``answers``, and
    where they apply ``notes``, ``through_nbgrader = false`` (an attack on one graded call, which
    ``trusted.grade_answers`` shows whole; true when left out) and ``mutate``, an edit of the
    notebook's JSON: a list, the name of a notebook edit (a function ``load`` is given, those of
    ``attacks.NOTEBOOK_EDITS``) then its arguments, ``mutate = ["edit_test_cell",
    "test_linear_backward_dW", "pass", 100]``. An attack with ``mutate`` goes through nbgrader.
``[groups]``
    named lists of the file's records (``hidden_inputs = ["raises_repr_of_hidden_inputs", ...]``).

``answers`` maps an answer cell (its function's name) to its code, written one of three ways:

- literal code, a multi-line literal string ``'''...'''``. TOML drops the newline right after the
  opening ``'''``, so the code starts on the next line; a blank line there is a code that starts
  with an empty line (``"\\ndef f(...)"``, as most answers do).
- an edit, a table ``[wrong.answers.<function>]`` with ``replace = [["old", "new"], ...]``: the
  solution's reference answer of ``<function>`` with every occurrence of each ``old`` replaced by
  ``new``, in order. It may start from other code instead, one of: ``from = "<name of [code]>"``;
  ``variant = "<name>"``, that right variant of ``correct_variants.py``; ``wrong = "ps01:<name>"``,
  that ``[[wrong]]`` record's answer of ``<function>`` (in ``attacks.toml`` only: a problem set's
  file names its shared code in ``[code]``). ``replace`` may then be left out. Each ``old`` must
  occur, so that a changed solution breaks the table loudly instead of leaving an entry that
  silently equals the reference.
- a list of pieces, joined in order, each literal code or an edit as an inline table:
  ``[{from = "libc"}, '''...''', {wrong = "ps02:dW_transposed"}]`` puts ``libc`` before the
  literal code and that record's answer after it.

In literal code, of ``answers`` and of ``[code]``, ``$SOLUTIONS`` and ``$COURSE`` stand for the
checkout's ``solutions/`` folder and the checkout itself (absolute paths, filled in by ``load``);
any other ``$NAME`` is refused. ``load(..., code={name: code})`` adds named code made in Python
(e.g. generated from a table) to the file's ``[code]``, as it is.

A malformed file raises ``RecordError`` naming the file and the record.
"""

import copy
import inspect
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder import kinds
from autograder.testdata.correct_variants import CORRECT_VARIANTS
from autograder.testdata.table import (
    BY_SHORT_NAME,
    COURSE,
    SOLUTIONS,
    Attack,
    WrongSubmission,
    graded_test_ids,
    solution_notebook,
)

HERE = Path(__file__).resolve().parent
# The parts of a problem set's file and of another file (attacks.toml).
PARTS = {True: {"code", "cells", "wrong", "right"}, False: {"code", "groups", "attack"}}
# Each record's fields: those it must have and those it may have.
REQUIRED = {"wrong": {"name", "fails", "says", "kind", "answers"}, "right": {"name", "answers"},
            "attack": {"name", "problem_set", "fails", "says", "answers"}}
OPTIONAL = {"wrong": {"output", "past_the_call_limit", "notes"}, "right": {"notes"},
            "attack": {"notes", "through_nbgrader", "mutate"}}
TYPES = {"name": str, "problem_set": str, "says": str, "kind": str, "output": str, "notes": str,
         "past_the_call_limit": bool, "through_nbgrader": bool, "fails": list, "answers": dict, "mutate": list}
STARTS = {"from", "variant", "wrong"}
EDIT_FIELDS = {"replace"} | STARTS
PLACEHOLDERS = {"SOLUTIONS": str(SOLUTIONS), "COURSE": str(COURSE)}
PLACEHOLDER = re.compile(r"\$([A-Za-z_]\w*)")


class RecordError(ValueError):
    """A record of a test-data TOML file that cannot be read into a ``WrongSubmission`` or an ``Attack``."""


@dataclass(frozen=True)
class Records:
    """A file's records in file order: wrong submissions, right variants, attacks; its ``[cells]``
    ({name: frozenset of grade ids}) and ``[groups]`` ({name: [records, in the group's order]})."""

    wrong: list
    right: list
    cells: dict
    attacks: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)


def load(name, folder=HERE, code=None, edits=None):
    """The records of ``<folder>/<file>.toml``: ``name`` an assignment (e.g. ``ps03_softmax_cross_entropy``,
    file ``ps03.toml``) or another file's name (``"attacks"``). ``code``: {name: code} added to its
    ``[code]``; ``edits``: {name: function} the notebook edits ``mutate`` may name."""
    assignment = name if name in BY_SHORT_NAME.values() else None
    path = Path(folder) / f"{name[:4] if assignment else name}.toml"
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise RecordError(f"{path.name}: not valid TOML: {error}") from None
    parts = PARTS[assignment is not None]
    _expect(not set(data) - parts, f"{path.name}: unknown parts {sorted(set(data) - parts)} (known: {sorted(parts)})")
    file = _File(path, assignment, data, code or {}, edits or {})
    wrong, right, attacks = ([file.record(part, i, entry) for i, entry in enumerate(_list_of_tables(file, part))]
                             for part in ("wrong", "right", "attack"))
    names = [record.name for record in wrong + right + attacks]
    repeated = sorted({name for name in names if names.count(name) > 1})
    _expect(not repeated, f"{path.name}: records named {repeated} more than once")
    return Records(wrong, right, file.cells, attacks, file.groups(wrong + right + attacks))


def _expect(condition, message):
    if not condition:
        raise RecordError(message)


def _list_of_tables(file, part):
    entries = file.data.get(part, [])
    _expect(isinstance(entries, list) and all(isinstance(entry, dict) for entry in entries),
            f"{file.name}: {part} must be a list of tables, [[{part}]]")
    return entries


@dataclass(frozen=True)
class _Solution:
    """A solution notebook's JSON, its answers ({function: code}) and its graded test cells."""

    notebook: dict
    answers: dict
    test_cells: frozenset


def _solution(assignment):
    from autograder.notebooks import answer_cells

    notebook = solution_notebook(assignment)
    return _Solution(notebook, answer_cells(notebook), frozenset(graded_test_ids(assignment)))


class _File:
    """One TOML file being read: its named code and cells, the notebook edits it may name, and the
    solution notebooks of the problem sets its records are of."""

    def __init__(self, path, assignment, data, code, edits):
        self.name, self.folder, self.assignment, self.data, self.edits = path.name, path.parent, assignment, data, edits
        self._solutions, self._other_files = {}, {}
        self.code = {key: self._filled(value, f"{self.name}: [code] {key}")
                     for key, value in self._table_of("code", str, "code").items()}
        _expect(not set(code) & set(self.code), f"{self.name}: [code] {sorted(set(code) & set(self.code))} "
                f"is also given by Python")
        self.code.update(code)
        self.cells = {group: frozenset(self._cells_of(assignment, cells, f"{self.name}: [cells] {group}"))
                      for group, cells in self._table_of("cells", list, "a list of test cells").items()}

    def solution(self, assignment):
        if assignment not in self._solutions:
            self._solutions[assignment] = _solution(assignment)
        return self._solutions[assignment]

    def _table_of(self, part, kind, what):
        table = self.data.get(part, {})
        _expect(isinstance(table, dict), f"{self.name}: [{part}] must be a table")
        for key, value in table.items():
            _expect(isinstance(value, kind), f"{self.name}: [{part}] {key} must be {what}")
        return table

    def _cells_of(self, assignment, cells, where):
        _expect(all(isinstance(cell, str) for cell in cells), f"{where}: test cells are strings")
        unknown = sorted(set(cells) - self.solution(assignment).test_cells)
        _expect(not unknown, f"{where}: {unknown} are not graded test cells of {assignment}")
        return cells

    def _filled(self, code, where):
        unknown = sorted(set(PLACEHOLDER.findall(code)) - set(PLACEHOLDERS))
        _expect(not unknown, f"{where}: unknown placeholders {['$' + name for name in unknown]} "
                f"(known: {['$' + name for name in sorted(PLACEHOLDERS)]})")
        return PLACEHOLDER.sub(lambda match: PLACEHOLDERS[match[1]], code)

    def groups(self, records):
        """{name: [records]} of ``[groups]``, each record named in ``records``."""
        by_name = {record.name: record for record in records}
        groups = self._table_of("groups", list, "a list of names of records")
        for group, names in groups.items():
            unknown = [name for name in names if not isinstance(name, str) or name not in by_name]
            _expect(not unknown, f"{self.name}: [groups] {group}: {unknown} are not names of records of the file")
        return {group: [by_name[name] for name in names] for group, names in groups.items()}

    def record(self, part, index, entry):
        """The record (``WrongSubmission`` or ``Attack``) of the ``index``-th ``[[part]]`` table, ``entry``."""
        name = entry.get("name")
        where = f"{self.name}: [[{part}]] " + (repr(name) if isinstance(name, str) else f"number {index + 1}")
        fields = set(entry)
        _expect(not fields - REQUIRED[part] - OPTIONAL[part],
                f"{where}: unknown fields {sorted(fields - REQUIRED[part] - OPTIONAL[part])}")
        _expect(not REQUIRED[part] - fields, f"{where}: missing {sorted(REQUIRED[part] - fields)}")
        for key, value in entry.items():
            _expect(isinstance(value, TYPES[key]), f"{where}: {key} must be a {TYPES[key].__name__}, not {value!r}")
        _expect(bool(name), f"{where}: an empty name")
        assignment = self.assignment or BY_SHORT_NAME.get(entry["problem_set"])
        _expect(assignment is not None, f"{where}: problem_set {entry.get('problem_set')!r} is not one of "
                f"{sorted(BY_SHORT_NAME)}")
        answers = self._answers(assignment, entry["answers"], where)
        if part == "right":
            return WrongSubmission(name, assignment, answers, frozenset(), "", notes=entry.get("notes", ""))
        if part == "attack":
            _expect(entry["says"] != "", f"{where}: an attack says what grading must still say")
            through_nbgrader = entry.get("through_nbgrader", True)
            _expect(through_nbgrader or "mutate" not in entry,
                    f"{where}: an attack that edits the notebook (mutate) goes through nbgrader")
            return Attack(name, assignment, answers, self._fails(assignment, entry["fails"], where), entry["says"],
                          notes=entry.get("notes", ""), through_nbgrader=through_nbgrader,
                          mutate=self._mutate(assignment, entry["mutate"], where) if "mutate" in entry else None)
        _expect(kinds.known(entry["kind"]), f"{where}: unknown kind {entry['kind']!r} (autograder/kinds.py)")
        _expect(entry.get("output") in {None, *self.cells}, f"{where}: output {entry.get('output')!r} is not "
                f"a name of [cells] (its cells are the output's)")
        _expect(entry["says"] != "" and entry["fails"] != [], f"{where}: a wrong submission fails cells and says why")
        return WrongSubmission(name, assignment, answers, self._fails(assignment, entry["fails"], where),
                               entry["says"], notes=entry.get("notes", ""), kind=entry["kind"],
                               output=entry.get("output"), past_the_call_limit=entry.get("past_the_call_limit", False))

    def _fails(self, assignment, fails, where):
        cells = set()
        for item in fails:
            _expect(isinstance(item, str) and (item.startswith("test_") or item in self.cells),
                    f"{where}: fails: {item!r} is neither a test cell (test_...) nor a name of [cells]")
            cells |= self.cells.get(item, {item})
        return frozenset(self._cells_of(assignment, cells, f"{where}: fails"))

    def _mutate(self, assignment, mutate, where):
        """The notebook edit ``mutate`` names ([name, *arguments]), checked to change the solution notebook."""
        where = f"{where}: mutate {mutate!r}"
        _expect(mutate != [] and isinstance(mutate[0], str) and mutate[0] in self.edits,
                f"{where}: the first item names a notebook edit, one of {sorted(self.edits)}")
        edit, arguments = self.edits[mutate[0]], mutate[1:]
        signature = inspect.signature(edit)
        try:
            bound = signature.bind(*arguments)
        except TypeError as error:
            raise RecordError(f"{where}: {mutate[0]}{signature} cannot take {arguments!r}: {error}") from None
        for parameter, value in bound.arguments.items():
            kind = signature.parameters[parameter]
            values = value if kind.kind is inspect.Parameter.VAR_POSITIONAL else (value,)
            _expect(kind.annotation is inspect.Parameter.empty or all(isinstance(v, kind.annotation) for v in values),
                    f"{where}: {mutate[0]}{signature}: {parameter} must be of type {kind.annotation.__name__}, "
                    f"not {value!r}")
        change = edit(*arguments)
        notebook = copy.deepcopy(self.solution(assignment).notebook)
        change(notebook)
        _expect(notebook != self.solution(assignment).notebook,
                f"{where}: leaves the solution notebook of {assignment} as it is (a cell it names is not there?)")
        return change

    def _answers(self, assignment, answers, where):
        _expect(answers != {}, f"{where}: no answers")
        unknown = sorted(set(answers) - set(self.solution(assignment).answers))
        _expect(not unknown, f"{where}: {unknown} are not answer cells of {assignment}")
        return {function: self._code(assignment, function, code, f"{where}: answers.{function}")
                for function, code in answers.items()}

    def _code(self, assignment, function, code, where):
        if isinstance(code, str):
            return self._filled(code, where)
        if isinstance(code, list):
            _expect(code != [] and all(isinstance(piece, str | dict) for piece in code),
                    f"{where}: a list of pieces, each literal code or the inline table of an edit")
            return "".join(self._code(assignment, function, piece, f"{where}[{i}]") for i, piece in enumerate(code))
        _expect(isinstance(code, dict), f"{where}: must be literal code ('''...'''), the table of an edit "
                f"or a list of pieces")
        _expect(not set(code) - EDIT_FIELDS, f"{where}: unknown fields {sorted(set(code) - EDIT_FIELDS)}")
        starts = sorted(set(code) & STARTS)
        _expect(len(starts) <= 1, f"{where}: {starts}: one start at most")
        _expect(all(isinstance(code[start], str) for start in starts), f"{where}: {starts} must be a string")
        edits = code.get("replace", [])
        _expect(isinstance(edits, list) and all(isinstance(edit, list) and len(edit) == 2
                                                and all(isinstance(text, str) for text in edit) for edit in edits),
                f"{where}: replace must be a list of [old, new] pairs of strings")
        _expect(edits != [] or set(code) & STARTS, f"{where}: an edit that changes nothing")
        return replaced(self._start(assignment, function, code, where), edits, where)

    def _start(self, assignment, function, code, where):
        if "from" in code:
            _expect(code["from"] in self.code, f"{where}: from {code['from']!r} is not a name of [code]")
            return self.code[code["from"]]
        if "variant" in code:
            variant = CORRECT_VARIANTS.get(assignment, {}).get(code["variant"], {})
            _expect(function in variant, f"{where}: correct_variants.py has no variant {code['variant']!r} "
                    f"of {function} for {assignment}")
            return variant[function]
        if "wrong" in code:
            return self._answer_of(function, code["wrong"], where)
        return self.solution(assignment).answers[function]

    def _answer_of(self, function, reference, where):
        """``function``'s answer of the ``[[wrong]]`` record ``reference`` ("ps02:<name>") of another file."""
        _expect(self.assignment is None, f"{where}: wrong {reference!r}: a problem set's file names shared code "
                f"in [code]")
        problem_set, _, name = reference.partition(":")
        _expect(problem_set in BY_SHORT_NAME and name,
                f"{where}: wrong {reference!r} is not <problem set>:<name> (e.g. 'ps02:dW_transposed')")
        if problem_set not in self._other_files:
            self._other_files[problem_set] = load(BY_SHORT_NAME[problem_set], self.folder).wrong
        answers = [record.answers for record in self._other_files[problem_set] if record.name == name]
        _expect(answers != [], f"{where}: {problem_set}.toml has no [[wrong]] {name!r}")
        _expect(function in answers[0], f"{where}: {reference} has no answer of {function}")
        return answers[0][function]


def replaced(code, edits, where):
    """``code`` with every occurrence of each ``old`` of ``edits`` ([old, new] pairs) replaced, in order."""
    for old, new in edits:
        _expect(old in code, f"{where}: the code has no {old!r}")
        code = code.replace(old, new)
    return code
