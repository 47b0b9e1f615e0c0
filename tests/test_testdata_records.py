"""The test data's TOML files (``autograder/testdata/records.py``): the wrong-submission table and the attacks
(``attacks.toml``). A malformed record is refused with the file and the record named, an edit is made on the
reference answer, an attack's pieces, references, placeholders and notebook edit are what they say, and every
record is well typed."""

import copy
import json
import re
import shutil

import pytest

from autograder import kinds, testdata
from autograder.testdata import (
    ATTACKS,
    HIDDEN_INPUT_ATTACKS,
    PS02,
    PS03,
    PS04,
    PS05,
    RIGHT_VARIANTS,
    SOLUTIONS,
    WRONG_SUBMISSIONS,
    Attack,
    WrongSubmission,
    ps04,
    ps05,
)
from autograder.testdata.attacks import NOTEBOOK_EDITS
from autograder.testdata.records import HERE, RecordError, load
from autograder.testdata.table import BY_SHORT_NAME, COURSE, graded_test_ids, solution_answers, solution_notebook

# A well-formed record of ps03; each malformed case below changes one thing of it.
GOOD = """
[cells]
fused = ["test_softmax_cross_entropy_gradient", "test_softmax_cross_entropy_stable"]

[[wrong]]
name = "bad_one"
fails = ["fused", "test_softmax_values"]
says = "the gradient without the 1/S"
kind = "known_mistake"
[wrong.answers.softmax_cross_entropy]
replace = [["    dA /= S\\n", ""]]
"""


def load_text(tmp_path, text):
    (tmp_path / "ps03.toml").write_text(text, encoding="utf-8")
    return load(PS03, folder=tmp_path)


def test_a_well_formed_record_is_the_reference_answer_with_its_edit(tmp_path):
    (record,) = load_text(tmp_path, GOOD).wrong
    reference = solution_answers(PS03)["softmax_cross_entropy"]
    assert reference.count("    dA /= S\n") == 1
    start = reference.index("    dA /= S\n")
    assert record.answers == {"softmax_cross_entropy": reference[:start] + reference[start + len("    dA /= S\n"):]}
    assert record == WrongSubmission(
        "bad_one", PS03, record.answers, frozenset({"test_softmax_cross_entropy_gradient",
                                                    "test_softmax_cross_entropy_stable", "test_softmax_values"}),
        "the gradient without the 1/S", kind="known_mistake")


def test_literal_code_and_named_code_keep_their_leading_newline(tmp_path):
    text = GOOD.replace("[cells]", "[code]\nplain = '''\n\ndef softmax(A):\n    return A\n'''\n\n[cells]") + """
[[right]]
name = "literal"
[right.answers]
softmax = '''

def softmax(A):
    return A
'''

[[right]]
name = "from_named_code"
[right.answers.softmax]
from = "plain"
replace = [["return A", "return A + 0"]]
"""
    literal, named = load_text(tmp_path, text).right
    assert literal.answers == {"softmax": "\ndef softmax(A):\n    return A\n"}
    assert named.answers == {"softmax": "\ndef softmax(A):\n    return A + 0\n"}
    assert (literal.fails, literal.says, literal.kind) == (frozenset(), "", None)


MALFORMED = {
    "an unknown field": (GOOD.replace('kind = "known_mistake"', 'kind = "known_mistake"\nkinde = "sign"'),
                         "unknown fields ['kinde']"),
    "no fails": (GOOD.replace('fails = ["fused", "test_softmax_values"]\n', ""), "missing ['fails']"),
    "an edit of text the reference lacks": (GOOD.replace("    dA /= S", "    dA /= T"),
                                            "answers.softmax_cross_entropy: the code has no '    dA /= T\\n'"),
    "an unknown kind": (GOOD.replace('"known_mistake"', '"knwon_mistake"'), "unknown kind 'knwon_mistake'"),
    "a cell the notebook lacks": (GOOD.replace("test_softmax_values", "test_softmax_valeus"),
                                  "['test_softmax_valeus'] are not graded test cells"),
    "a group that is not declared": (GOOD.replace('["fused",', '["fussed",'), "'fussed' is neither a test cell"),
    "a function the notebook lacks": (GOOD.replace("answers.softmax_cross_entropy]", "answers.softmax_crossentropy]"),
                                      "['softmax_crossentropy'] are not answer cells"),
    "a field of the wrong type": (GOOD.replace('says = "the gradient without the 1/S"', "says = 3"),
                                  "says must be a str, not 3"),
    "an output that names no cells": (GOOD.replace('kind = "known_mistake"', 'kind = "known_mistake"\noutput = "dW"'),
                                      "output 'dW' is not a name of [cells]"),
    "code from an unknown name": (GOOD.replace("replace = [", 'from = "plain"\nreplace = ['),
                                  "from 'plain' is not a name of [code]"),
    "another record's answer": (GOOD.replace("replace = [", 'wrong = "ps02:dW_transposed"\nreplace = ['),
                                "a problem set's file names shared code in [code]"),
}


@pytest.mark.parametrize("record", WRONG_SUBMISSIONS + RIGHT_VARIANTS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_every_record_of_the_table_is_well_typed_and_changes_the_reference(record):
    right = record in RIGHT_VARIANTS
    assert isinstance(record.name, str) and re.fullmatch(r"[A-Za-z0-9_]+", record.name)
    assert isinstance(record.answers, dict) and record.answers
    reference = solution_answers(record.assignment)
    for function, code in record.answers.items():
        assert type(code) is str and function in reference and code != reference[function], function
    assert isinstance(record.fails, frozenset) and record.fails <= set(graded_test_ids(record.assignment))
    assert (record.fails == frozenset()) == right and isinstance(record.says, str) and (record.says == "") == right
    assert record.kind is None if right else kinds.known(record.kind)
    assert isinstance(record.notes, str) and isinstance(record.past_the_call_limit, bool)
    outputs = {PS04: ps04.OUTPUT_CELLS, PS05: ps05.OUTPUT_CELLS}
    assert record.output is None or record.output in outputs[record.assignment]


def test_names_are_unique_within_a_problem_set():
    names = [(w.assignment, w.name) for w in WRONG_SUBMISSIONS + RIGHT_VARIANTS]
    assert len(names) == len(set(names))


# A well-formed attack; each malformed case below changes one thing of it.
GOOD_ATTACK = """
[code]
libc = '''

libc = None
'''

[groups]
sneaky = ["bad_attack"]

[[attack]]
name = "bad_attack"
problem_set = "ps02"
fails = ["test_linear_backward_dW"]
says = "transposed"
mutate = ["edit_test_cell", "test_linear_backward_dW", "pass", 100]
[attack.answers]
linear_backward = [{from = "libc"}, '''
open("$SOLUTIONS/x", "$COURSE")
''', {wrong = "ps02:dW_transposed"}]
"""
TRANSPOSED_DW = "\ndef linear_backward(G, X, W):\n    return G @ W.T, G.T @ X, G.sum(axis=0)\n"


def load_attacks(tmp_path, text, code=None):
    """The records of ``text`` as ``attacks.toml``, beside copies of the real problem sets' files it may refer to."""
    for short_name in BY_SHORT_NAME:
        shutil.copy(HERE / f"{short_name}.toml", tmp_path)
    (tmp_path / "attacks.toml").write_text(text, encoding="utf-8")
    return load("attacks", folder=tmp_path, code=code, edits=NOTEBOOK_EDITS)


def test_an_attack_joins_its_pieces_fills_its_paths_and_edits_the_notebook(tmp_path):
    records = load_attacks(tmp_path, GOOD_ATTACK)
    (attack,) = records.attacks
    assert (records.wrong, records.right, records.groups) == ([], [], {"sneaky": [attack]})
    assert attack.answers == {"linear_backward": f'\nlibc = None\nopen("{SOLUTIONS}/x", "{COURSE}")\n' + TRANSPOSED_DW}
    assert (attack.name, attack.assignment, attack.fails, attack.says) == (
        "bad_attack", PS02, frozenset({"test_linear_backward_dW"}), "transposed")
    assert isinstance(attack, Attack) and attack.through_nbgrader
    assert (attack.kind, attack.output, attack.past_the_call_limit) == (None, None, False)
    solution = solution_notebook(PS02)
    edited = copy.deepcopy(solution)
    attack.mutate(edited)
    changed = [(a, b) for a, b in zip(solution["cells"], edited["cells"], strict=True) if a != b]
    assert len(changed) == 1
    cell = changed[0][1]
    assert cell["metadata"]["nbgrader"]["grade_id"] == "test_linear_backward_dW"
    assert (cell["source"], cell["metadata"]["nbgrader"]["points"]) == ("pass", 100)


def test_code_made_in_python_is_named_like_the_files_code(tmp_path):
    text = GOOD_ATTACK.replace("{from = \"libc\"}, ", '{from = "made"}, ')
    (attack,) = load_attacks(tmp_path, text, code={"made": "made = 1\n"}).attacks
    assert attack.answers["linear_backward"].startswith('made = 1\nopen("')
    with pytest.raises(RecordError, match=re.escape("attacks.toml: [code] ['libc'] is also given by Python")):
        load_attacks(tmp_path, GOOD_ATTACK, code={"libc": ""})


# Each malformed attack: [old, new] (GOOD_ATTACK with old replaced by new) and the problem its error names.
MALFORMED_ATTACKS = {
    "an unknown notebook edit": ('["edit_test_cell",', '["edit_test_cel",',
                                 "the first item names a notebook edit, one of ['delete_cells', 'edit_test_cell'"),
    "too few arguments": ('"pass", 100]', '"pass"]', "edit_test_cell(grade_id: str, source: str, points: int) "
                          "cannot take ['test_linear_backward_dW', 'pass']"),
    "an argument of the wrong type": ('"pass", 100]', '"pass", "100"]', "points must be of type int, not '100'"),
    "an edit of a cell the notebook lacks": ('"test_linear_backward_dW", "pass"', '"test_linear_backward_dw", "pass"',
                                             "leaves the solution notebook of ps02_linear_layers as it is"),
    "an edit of the notebook kept from nbgrader": ("mutate =", "through_nbgrader = false\nmutate =",
                                                   "an attack that edits the notebook (mutate) goes through nbgrader"),
    "an unknown snippet": ('{from = "libc"}', '{from = "libcc"}',
                           "answers.linear_backward[0]: from 'libcc' is not a name of [code]"),
    "an unknown placeholder": ("$SOLUTIONS/x", "$SOLUTION/x", "answers.linear_backward[1]: unknown placeholders "
                               "['$SOLUTION'] (known: ['$COURSE', '$SOLUTIONS'])"),
    "an unknown problem set": ('"ps02"', '"ps10"', "problem_set 'ps10' is not one of ['ps01'"),
    "no problem set": ('problem_set = "ps02"\n', "", "missing ['problem_set']"),
    "a reference to no record": ("ps02:dW_transposed", "ps02:dW_transposd",
                                 "answers.linear_backward[2]: ps02.toml has no [[wrong]] 'dW_transposd'"),
    "a reference without its problem set": ("ps02:dW_transposed", "dW_transposed",
                                            "wrong 'dW_transposed' is not <problem set>:<name>"),
    "a reference to another function's answer": ("ps02:dW_transposed", "ps02:dense_tanh_python_loop",
                                                 "ps02:dense_tanh_python_loop has no answer of linear_backward"),
    "two starts": ('{from = "libc"}', '{from = "libc", wrong = "ps02:dW_transposed"}',
                   "['from', 'wrong']: one start at most"),
    "a list in the list of pieces": ('{from = "libc"}', '["libc"]',
                                     "a list of pieces, each literal code or the inline table of an edit"),
    "a cell of another problem set": ('fails = ["test_linear_backward_dW"]', 'fails = ["test_relative_error_values"]',
                                      "['test_relative_error_values'] are not graded test cells of ps02"),
    "an answer of another problem set": ("linear_backward = [", "relative_error = [",
                                         "['relative_error'] are not answer cells of ps02_linear_layers"),
    "nothing to say": ('says = "transposed"', 'says = ""', "an attack says what grading"),
    "a field of a wrong submission": ('says = "transposed"', 'says = "transposed"\nkind = "sign"',
                                      "unknown fields ['kind']"),
}


# Each kind of record: its malformed cases, how its file is read and how its errors start.
KINDS = {"wrong": (MALFORMED, load_text, "ps03.toml: [[wrong]] 'bad_one': "),
         "attack": ({case: (GOOD_ATTACK.replace(old, new), problem)
                     for case, (old, new, problem) in MALFORMED_ATTACKS.items()},
                    load_attacks, "attacks.toml: [[attack]] 'bad_attack': ")}


@pytest.mark.parametrize(("kind", "case"), [(kind, case) for kind, (cases, _, _) in KINDS.items() for case in cases])
def test_a_malformed_record_is_refused_naming_the_file_and_the_record(tmp_path, kind, case):
    cases, read, start = KINDS[kind]
    text, problem = cases[case]
    with pytest.raises(RecordError, match=re.escape(problem)) as error:
        read(tmp_path, text)
    assert str(error.value).startswith(start)


# Mistakes of a whole file: how it is read, its text and the start of the error.
BAD_FILES = {
    "a name twice": (load_text, GOOD + GOOD[GOOD.index("[[wrong]]"):],
                     "ps03.toml: records named ['bad_one'] more than once"),
    "a record without a name": (load_text, GOOD.replace('name = "bad_one"\n', ""),
                                "ps03.toml: [[wrong]] number 1: missing ['name']"),
    "not TOML": (load_text, GOOD.replace("[[wrong]]", "[[wrong]"), "ps03.toml: not valid TOML"),
    "a group of cells the notebook lacks": (
        load_text, GOOD.replace('"test_softmax_cross_entropy_stable"]', '"test_softmax_stabel"]'),
        "ps03.toml: [cells] fused: ['test_softmax_stabel'] are not"),
    "an unknown part": (load_text, GOOD.replace("[[wrong]]", "[[wrongs]]"), "ps03.toml: unknown parts ['wrongs']"),
    "a group of no record": (load_attacks, GOOD_ATTACK.replace('["bad_attack"]', '["bad_attack", "nobody"]'),
                             "attacks.toml: [groups] sneaky: ['nobody'] are not names of"),
    "a problem set's part in attacks.toml": (load_attacks, GOOD_ATTACK.replace("[[attack]]", "[[wrong]]"),
                                             "attacks.toml: unknown parts ['wrong'] (known: ['attack', 'code'"),
    "an unknown placeholder in [code]": (load_attacks, GOOD_ATTACK.replace("libc = None", "libc = '$HOME'"),
                                         "attacks.toml: [code] libc: unknown placeholders ['$HOME']"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_malformed_file_is_refused_naming_the_file(tmp_path, case):
    read, text, problem = BAD_FILES[case]
    with pytest.raises(RecordError, match=re.escape(problem)):
        read(tmp_path, text)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: f"{a.assignment}-{a.name}")
def test_every_attack_is_well_typed_and_its_notebook_edit_changes_the_notebook(attack):
    assert isinstance(attack, Attack) and re.fullmatch(r"[a-z0-9_]+", attack.name)
    assert attack.assignment in BY_SHORT_NAME.values()
    assert isinstance(attack.answers, dict) and attack.answers
    reference = solution_answers(attack.assignment)
    for function, code in attack.answers.items():
        assert type(code) is str and function in reference and code != reference[function], function
        assert "$" not in code, function
        compile(code, f"{attack.name}:{function}", "exec")
    assert isinstance(attack.fails, frozenset) and attack.fails <= set(graded_test_ids(attack.assignment))
    assert isinstance(attack.says, str) and attack.says
    assert (attack.kind, attack.output, attack.past_the_call_limit) == (None, None, False)
    assert isinstance(attack.notes, str) and isinstance(attack.through_nbgrader, bool)
    if attack.mutate is not None:
        assert attack.through_nbgrader
        notebook = solution_notebook(attack.assignment)
        edited = copy.deepcopy(notebook)
        attack.mutate(edited)
        assert edited != notebook and json.loads(json.dumps(edited)) == edited


def test_attack_names_are_unique_and_the_hidden_input_attacks_are_among_them():
    names = [attack.name for attack in ATTACKS]
    assert len(names) == len(set(names))
    assert HIDDEN_INPUT_ATTACKS and all(any(a is b for b in ATTACKS) for a in HIDDEN_INPUT_ATTACKS)
    assert not any(a.through_nbgrader for a in HIDDEN_INPUT_ATTACKS)


def test_every_record_is_found_by_its_name_and_an_unknown_name_is_refused():
    records = testdata.WRONG_SUBMISSIONS + testdata.RIGHT_VARIANTS + testdata.ATTACKS
    assert all(testdata.named(record.name) is record for record in records)
    with pytest.raises(KeyError, match="no submission named 'dW_transposd'"):
        testdata.named("dW_transposd")
