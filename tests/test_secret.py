"""The course secret: hidden cases and budget inputs derive from it, visible ones do not."""

import stat

import numpy as np
import pytest
from conftest import ROOT

from autograder import assignments, cli, secret
from autograder.assignments import (
    ps02_linear_layers,
    ps03_softmax_cross_entropy,
    ps04_feedforward_networks,
    ps06_nonlinear_least_squares,
    ps07_word_embeddings,
    ps08_matrix_factorization,
    ps09_weighted_factorization,
    rngs,
    using_secret,
)

BUDGET_FUNCTIONS = [
    (ps02_linear_layers, lambda: ps02_linear_layers.dense_tanh_budget_arguments(0)),
    (ps03_softmax_cross_entropy, lambda: ps03_softmax_cross_entropy.fused_budget_arguments(0)),
    (ps03_softmax_cross_entropy, lambda: ps03_softmax_cross_entropy.labels_budget_arguments(0)),
    (ps04_feedforward_networks, lambda: ps04_feedforward_networks.mlp_budget_arguments(0)),
    (ps06_nonlinear_least_squares, lambda: ps06_nonlinear_least_squares.budget_arguments(0)),
    (ps07_word_embeddings, lambda: ps07_word_embeddings.sgns_budget_arguments(0)),
    (ps08_matrix_factorization, lambda: ps08_matrix_factorization.sparse_budget_arguments(0)),
    (ps09_weighted_factorization, lambda: ps09_weighted_factorization.row_budget_arguments()),
    (ps09_weighted_factorization, lambda: ps09_weighted_factorization.implicit_budget_arguments(0)),
]


def draws(generators):
    return [g.standard_normal(5) for g in generators]


def same_draws(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def dense_tanh_inputs(course_secret):
    with using_secret(course_secret):
        return ps02_linear_layers.dense_tanh_budget_arguments(0)


def test_derive_seed_is_deterministic_and_depends_on_secret_and_labels():
    seed = secret.derive_seed("s", "hidden", 0)
    assert seed == secret.derive_seed("s", "hidden", 0)
    assert isinstance(seed, int) and 0 <= seed < 2**128
    assert seed != secret.derive_seed("s", "hidden", 1)
    assert seed != secret.derive_seed("s", "budget", 0)
    assert seed != secret.derive_seed("t", "hidden", 0)


def test_derive_seed_refuses_an_empty_secret():
    with pytest.raises(secret.MissingSecret):
        secret.derive_seed("", "hidden", 0)


def test_hidden_cases_depend_on_the_secret_and_the_label():
    with using_secret("one"):
        first, again, labelled = draws(rngs("hidden")), draws(rngs("hidden")), draws(rngs("hidden", "check"))
    with using_secret("two"):
        second = draws(rngs("hidden"))
    assert len(first) == 3
    assert same_draws(first, again)
    assert not any(np.array_equal(x, y) for x, y in zip(first, second, strict=True))
    assert not any(np.array_equal(x, y) for x, y in zip(first, labelled, strict=True))
    assert not np.array_equal(first[0], first[1])


def test_budget_inputs_depend_on_the_secret():
    one, one_again, two = dense_tanh_inputs("one"), dense_tanh_inputs("one"), dense_tanh_inputs("two")
    assert all(np.array_equal(a, b) for a, b in zip(one, one_again, strict=True))
    assert all(a.shape == b.shape and not np.array_equal(a, b) for a, b in zip(one, two, strict=True))


def test_budget_rounds_differ():
    with using_secret("one"):
        first, second = (ps02_linear_layers.dense_tanh_budget_arguments(round_) for round_ in (0, 1))
    assert not np.array_equal(first[1], second[1])


def test_every_budget_input_comes_from_the_secret_with_a_label_of_its_own(monkeypatch):
    labels = []

    class Recorded(Exception):
        pass

    def recording_budget_rng(label, round_):
        labels.append(label)
        raise Recorded

    for module, make in BUDGET_FUNCTIONS:
        monkeypatch.setattr(module, "budget_rng", recording_budget_rng)
        with pytest.raises(Recorded):
            make()
    assert len(labels) == len(BUDGET_FUNCTIONS) == len(set(labels))


def test_visible_cases_need_no_secret_and_ignore_it():
    with using_secret(None):
        without = draws(rngs("visible"))
    with using_secret("one"):
        one = draws(rngs("visible"))
    with using_secret("two"):
        two = draws(rngs("visible"))
    assert same_draws(without, one) and same_draws(one, two)
    assert same_draws(without, draws([np.random.default_rng(0)]))


def test_without_a_secret_hidden_and_budget_inputs_refuse_with_instructions():
    with using_secret(None):
        for make in (lambda: rngs("hidden"), lambda: ps02_linear_layers.dense_tanh_budget_arguments(0)):
            with pytest.raises(secret.MissingSecret) as refusal:
                make()
            assert "mcdl secret" in str(refusal.value)
            assert secret.ENV_VAR in str(refusal.value)


def test_using_secret_restores_the_previous_secret():
    with using_secret("outer"):
        with using_secret("inner"):
            assert assignments.current_secret() == "inner"
        assert assignments.current_secret() == "outer"


def test_unknown_case_is_an_error():
    with pytest.raises(ValueError, match="case must be one of"):
        rngs("secret")


def test_find_secret_prefers_the_environment_then_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv(secret.ENV_VAR, raising=False)
    assert secret.find_secret(tmp_path) is None
    with pytest.raises(secret.MissingSecret, match="mcdl secret"):
        secret.load_secret(tmp_path)
    (tmp_path / secret.SECRET_FILE).write_text("from-file\n")
    assert secret.find_secret(tmp_path) == "from-file"
    monkeypatch.setenv(secret.ENV_VAR, "from-environment")
    assert secret.find_secret(tmp_path) == "from-environment"
    assert secret.load_secret(tmp_path) == "from-environment"
    monkeypatch.setenv(secret.ENV_VAR, "")
    assert secret.find_secret(tmp_path) == "from-file"


def test_create_secret_writes_a_private_file_once(tmp_path):
    path = secret.create_secret(tmp_path)
    assert path == tmp_path / secret.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    value = path.read_text().strip()
    assert len(value) == 64 and int(value, 16) >= 0
    assert secret.create_secret(tmp_path) == path
    assert path.read_text().strip() == value


def test_mcdl_secret_creates_the_file_in_the_course_folder_and_keeps_it(tmp_path, monkeypatch, capsys):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["secret"]) == 0
    path = tmp_path / secret.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert str(path) in out and "git" in out
    value = path.read_text()
    assert cli.main(["secret"]) == 0
    assert path.read_text() == value
    assert "already exists" in capsys.readouterr().out


def test_mcdl_secret_refuses_outside_a_course_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["secret"]) == 1
    assert not (tmp_path / secret.SECRET_FILE).exists()
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_the_secret_file_is_ignored_by_git():
    assert secret.SECRET_FILE in (ROOT / ".gitignore").read_text().split()


def _answers_tuned_to(course_secret):
    """A linear_forward that is right only on the hidden inputs of ``course_secret``:
    a table of their answers, as a student could embed if the inputs were public."""
    table = {}
    with using_secret(course_secret):
        for rng in rngs("hidden"):
            for sizes in (ps02_linear_layers.SMALL, (1, 3, 2), (6, 1, 1)):
                layer = ps02_linear_layers._layer(rng, sizes)
                table[float(layer.X[0, 0])] = (layer.X @ layer.W + layer.b).tolist()
    return {"linear_forward": f"TABLE = {table!r}\ndef linear_forward(X, W, b):\n"
                              "    return np.array(TABLE.get(float(X[0, 0]), X @ W))\n"}


def test_grading_uses_the_secret_of_the_course():
    from autograder import notebooks
    from autograder.trusted import grade_answers

    source = ROOT / "solutions" / "ps02_linear_layers" / "ps02_linear_layers.ipynb"
    reference = notebooks.answer_cells(notebooks.load(source))
    answers = {**reference, **_answers_tuned_to("secret A")}
    tests = ["test_linear_forward_values"]

    def grade(course_secret):
        verdicts, _ = grade_answers("ps02_linear_layers", answers, tests, reference, secret=course_secret)
        return verdicts["test_linear_forward_values"]

    first, again, other = grade("secret A"), grade("secret A"), grade("secret B")
    assert first.passed and again == first  # the inputs the table was made for, the same twice
    assert not other.passed and "without the bias" in other.message  # another course, other inputs


def test_budget_inputs_are_fresh_on_every_grading_run_and_hidden_cases_are_not(monkeypatch):
    from autograder import notebooks
    from autograder.sandbox import policy
    from autograder.sandbox.remote import Sandbox
    from autograder.trusted import grade_answers

    source = ROOT / "solutions" / "ps02_linear_layers" / "ps02_linear_layers.ipynb"
    reference = notebooks.answer_cells(notebooks.load(source))
    tests = ["test_dense_tanh_backward_dX", "test_dense_tanh_backward_memory_budget"]
    sent = []
    call, measure = Sandbox.call, Sandbox.measure_memory
    monkeypatch.setattr(Sandbox, "call", lambda self, name, args, **o: sent.append(args) or call(self, name, args, **o))
    monkeypatch.setattr(Sandbox, "measure_memory",
                        lambda self, name, args: sent.append(args) or measure(self, name, args))

    def arguments_of_one_run():
        sent.clear()
        verdicts, _ = grade_answers("ps02_linear_layers", reference, tests, reference, secret="one",
                                    limits=policy.NO_NOTEBOOK_BUDGETS)
        assert all(v.passed for v in verdicts.values()), verdicts
        big = [args for args in sent if args[0].size >= 1000 * 500]  # G of the budget inputs
        return big, [args for args in sent if args[0].size < 1000 * 500]

    budget_first, hidden_first = arguments_of_one_run()
    budget_again, hidden_again = arguments_of_one_run()
    assert len(budget_first) == len(budget_again) == 1 and len(hidden_first) == len(hidden_again) > 3
    for first, again in zip(budget_first[0], budget_again[0], strict=True):
        assert first.shape == again.shape and not np.array_equal(first, again)
    for first, again in zip(hidden_first, hidden_again, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
