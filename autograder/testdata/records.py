"""The wrong-submission table as data: one TOML file per problem set, read into ``WrongSubmission`` records.

``load(PS03)`` reads ``ps03.toml`` beside this module (a problem set's first four letters). A file
has up to four parts:

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

``answers`` maps an answer cell (its function's name) to its code, written one of two ways:

- literal code, a multi-line literal string ``'''...'''``. TOML drops the newline right after the
  opening ``'''``, so the code starts on the next line; a blank line there is a code that starts
  with an empty line (``"\\ndef f(...)"``, as most answers do).
- an edit, a table ``[wrong.answers.<function>]`` with ``replace = [["old", "new"], ...]``: the
  solution's reference answer of ``<function>`` with every occurrence of each ``old`` replaced by
  ``new``, in order. ``from = "<name of [code]>"`` starts from that code instead, ``variant =
  "<name>"`` from that right variant of ``correct_variants.py``; ``replace`` may then be left out.
  Each ``old`` must occur, so that a changed solution breaks the table loudly instead of leaving
  an entry that silently equals the reference.

A malformed file raises ``RecordError`` naming the file and the record.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder import kinds
from autograder.testdata.correct_variants import CORRECT_VARIANTS
from autograder.testdata.table import WrongSubmission, graded_test_ids, solution_answers

HERE = Path(__file__).resolve().parent
PARTS = {"code", "cells", "wrong", "right"}
# Each part's fields: those it must have and those it may have.
REQUIRED = {"wrong": {"name", "fails", "says", "kind", "answers"}, "right": {"name", "answers"}}
OPTIONAL = {"wrong": {"output", "past_the_call_limit", "notes"}, "right": {"notes"}}
EDIT_FIELDS = {"replace", "from", "variant"}


class RecordError(ValueError):
    """A record of a problem set's TOML file that cannot be read into a ``WrongSubmission``."""


@dataclass(frozen=True)
class Records:
    """A problem set's table: its wrong submissions and right variants in file order, and its ``[cells]``
    ({name: frozenset of grade ids})."""

    wrong: list
    right: list
    cells: dict


def load(assignment, folder=HERE):
    """The records of ``assignment`` (e.g. ``ps03_softmax_cross_entropy``), read from ``<folder>/ps03.toml``."""
    path = Path(folder) / f"{assignment[:4]}.toml"
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise RecordError(f"{path.name}: not valid TOML: {error}") from None
    _expect(not set(data) - PARTS, f"{path.name}: unknown parts {sorted(set(data) - PARTS)} (known: {sorted(PARTS)})")
    file = _File(path.name, assignment, data)
    wrong = [file.record("wrong", i, entry) for i, entry in enumerate(_list_of_tables(file, "wrong"))]
    right = [file.record("right", i, entry) for i, entry in enumerate(_list_of_tables(file, "right"))]
    names = [record.name for record in wrong + right]
    repeated = sorted({name for name in names if names.count(name) > 1})
    _expect(not repeated, f"{path.name}: records named {repeated} more than once")
    return Records(wrong, right, file.cells)


def _expect(condition, message):
    if not condition:
        raise RecordError(message)


def _list_of_tables(file, part):
    entries = file.data.get(part, [])
    _expect(isinstance(entries, list) and all(isinstance(entry, dict) for entry in entries),
            f"{file.name}: {part} must be a list of tables, [[{part}]]")
    return entries


class _File:
    """One TOML file being read: its named code and cells, and the solution notebook's answers and test cells."""

    def __init__(self, name, assignment, data):
        self.name, self.assignment, self.data = name, assignment, data
        self.answers = solution_answers(assignment)
        self.test_cells = set(graded_test_ids(assignment))
        self.code = self._table_of("code", str, "code")
        self.cells = {group: frozenset(self._cells_of(cells, f"{self.name}: [cells] {group}"))
                      for group, cells in self._table_of("cells", list, "a list of test cells").items()}

    def _table_of(self, part, kind, what):
        table = self.data.get(part, {})
        _expect(isinstance(table, dict), f"{self.name}: [{part}] must be a table")
        for key, value in table.items():
            _expect(isinstance(value, kind), f"{self.name}: [{part}] {key} must be {what}")
        return table

    def _cells_of(self, cells, where):
        _expect(all(isinstance(cell, str) for cell in cells), f"{where}: test cells are strings")
        unknown = sorted(set(cells) - self.test_cells)
        _expect(not unknown, f"{where}: {unknown} are not graded test cells of {self.assignment}")
        return cells

    def record(self, part, index, entry):
        """The ``WrongSubmission`` of the ``index``-th ``[[part]]`` table, ``entry``."""
        name = entry.get("name")
        where = f"{self.name}: [[{part}]] " + (repr(name) if isinstance(name, str) else f"number {index + 1}")
        fields = set(entry)
        _expect(not fields - REQUIRED[part] - OPTIONAL[part],
                f"{where}: unknown fields {sorted(fields - REQUIRED[part] - OPTIONAL[part])}")
        _expect(not REQUIRED[part] - fields, f"{where}: missing {sorted(REQUIRED[part] - fields)}")
        for field, kind in (("name", str), ("says", str), ("kind", str), ("output", str), ("notes", str),
                            ("past_the_call_limit", bool), ("fails", list), ("answers", dict)):
            _expect(field not in entry or isinstance(entry[field], kind),
                    f"{where}: {field} must be a {kind.__name__}, not {entry.get(field)!r}")
        _expect(bool(name), f"{where}: an empty name")
        answers = self._answers(entry["answers"], where)
        if part == "right":
            return WrongSubmission(name, self.assignment, answers, frozenset(), "", notes=entry.get("notes", ""))
        _expect(kinds.known(entry["kind"]), f"{where}: unknown kind {entry['kind']!r} (autograder/kinds.py)")
        _expect(entry.get("output") in {None, *self.cells}, f"{where}: output {entry.get('output')!r} is not "
                f"a name of [cells] (its cells are the output's)")
        _expect(entry["says"] != "" and entry["fails"] != [], f"{where}: a wrong submission fails cells and says why")
        return WrongSubmission(name, self.assignment, answers, self._fails(entry["fails"], where), entry["says"],
                               notes=entry.get("notes", ""), kind=entry["kind"], output=entry.get("output"),
                               past_the_call_limit=entry.get("past_the_call_limit", False))

    def _fails(self, fails, where):
        cells = set()
        for item in fails:
            _expect(isinstance(item, str) and (item.startswith("test_") or item in self.cells),
                    f"{where}: fails: {item!r} is neither a test cell (test_...) nor a name of [cells]")
            cells |= self.cells.get(item, {item})
        return frozenset(self._cells_of(cells, f"{where}: fails"))

    def _answers(self, answers, where):
        _expect(answers != {}, f"{where}: no answers")
        unknown = sorted(set(answers) - set(self.answers))
        _expect(not unknown, f"{where}: {unknown} are not answer cells of {self.assignment}")
        return {function: self._code(function, code, f"{where}: answers.{function}")
                for function, code in answers.items()}

    def _code(self, function, code, where):
        if isinstance(code, str):
            return code
        _expect(isinstance(code, dict), f"{where}: must be literal code ('''...''') or the table of an edit")
        _expect(not set(code) - EDIT_FIELDS, f"{where}: unknown fields {sorted(set(code) - EDIT_FIELDS)}")
        _expect(not {"from", "variant"} <= set(code), f"{where}: from and variant both given")
        edits = code.get("replace", [])
        _expect(isinstance(edits, list) and all(isinstance(edit, list) and len(edit) == 2
                                                and all(isinstance(text, str) for text in edit) for edit in edits),
                f"{where}: replace must be a list of [old, new] pairs of strings")
        _expect(edits != [] or set(code) & {"from", "variant"}, f"{where}: an edit that changes nothing")
        return replaced(self._start(function, code, where), edits, where)

    def _start(self, function, code, where):
        if "from" in code:
            _expect(code["from"] in self.code, f"{where}: from {code['from']!r} is not a name of [code]")
            return self.code[code["from"]]
        if "variant" in code:
            variant = CORRECT_VARIANTS.get(self.assignment, {}).get(code["variant"], {})
            _expect(function in variant, f"{where}: correct_variants.py has no variant {code['variant']!r} "
                    f"of {function} for {self.assignment}")
            return variant[function]
        return self.answers[function]


def replaced(code, edits, where):
    """``code`` with every occurrence of each ``old`` of ``edits`` ([old, new] pairs) replaced, in order."""
    for old, new in edits:
        _expect(old in code, f"{where}: the code has no {old!r}")
        code = code.replace(old, new)
    return code
