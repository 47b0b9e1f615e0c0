"""The wrong-submission table's TOML files (``autograder/testdata/records.py``): a malformed record is refused
with the file and the record named, an edit is made on the reference answer, and every record is well typed."""

import re

import pytest

from autograder import kinds
from autograder.testdata import PS03, PS04, PS05, RIGHT_VARIANTS, WRONG_SUBMISSIONS, WrongSubmission, ps04, ps05
from autograder.testdata.records import RecordError, load
from autograder.testdata.table import graded_test_ids, solution_answers

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
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_record_is_refused_naming_the_file_and_the_record(tmp_path, case):
    text, problem = MALFORMED[case]
    with pytest.raises(RecordError, match=re.escape(problem)) as error:
        load_text(tmp_path, text)
    assert str(error.value).startswith("ps03.toml: [[wrong]] 'bad_one': ")


def test_a_name_twice_a_record_without_a_name_and_a_bad_file_are_refused_naming_the_file(tmp_path):
    with pytest.raises(RecordError, match=re.escape("ps03.toml: records named ['bad_one'] more than once")):
        load_text(tmp_path, GOOD + GOOD[GOOD.index("[[wrong]]"):])
    with pytest.raises(RecordError, match=re.escape("ps03.toml: [[wrong]] number 1: missing ['name']")):
        load_text(tmp_path, GOOD.replace('name = "bad_one"\n', ""))
    with pytest.raises(RecordError, match=re.escape("ps03.toml: not valid TOML")):
        load_text(tmp_path, GOOD.replace("[[wrong]]", "[[wrong]"))
    with pytest.raises(RecordError, match=re.escape("ps03.toml: [cells] fused: ['test_softmax_stabel'] are not")):
        load_text(tmp_path, GOOD.replace('"test_softmax_cross_entropy_stable"]', '"test_softmax_stabel"]'))
    with pytest.raises(RecordError, match=re.escape("ps03.toml: unknown parts ['wrongs']")):
        load_text(tmp_path, GOOD.replace("[[wrong]]", "[[wrongs]]"))


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
