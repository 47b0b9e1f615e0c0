"""The sandbox: what crosses the process boundary, and what student code may do."""

import numpy as np
import pytest

from autograder import policy
from autograder.sandbox import protocol
from autograder.sandbox.remote import Sandbox


def roundtrip(value):
    blobs = []
    form = protocol.encode(value, blobs)
    return protocol.decode(form, blobs)


def test_values_survive_the_protocol():
    value = (np.arange(6.0).reshape(2, 3), 2.5, 3, None, [np.int64(4)], {"a": True})
    back = roundtrip(value)
    assert np.array_equal(back[0], value[0]) and back[1:4] == (2.5, 3, None)
    assert back[4][0] == 4 and back[5] == {"a": True}


def test_protocol_refuses_objects_and_malformed_arrays():
    with pytest.raises(TypeError):
        protocol.encode(np.array([object()]), [])
    with pytest.raises(TypeError):
        protocol.encode(object(), [])
    with pytest.raises(protocol.ProtocolError):
        protocol.decode({"array": 0, "dtype": "|O", "shape": [1]}, [b"12345678"])
    with pytest.raises(protocol.ProtocolError):
        protocol.decode({"array": 0, "dtype": "<f8", "shape": [3]}, [b"12345678"])


@pytest.mark.parametrize("code, reason", [
    ("import os", "imports os"),
    ("from autograder import checks", "imports autograder"),
    ("x = open('f')", "uses open"),
    ("y = (1).__class__", "attribute __class__"),
    ("setattr(np, 'sum', None)", "uses setattr"),
])
def test_policy_names_each_violation(code, reason):
    assert any(reason in v for v in policy.violations(code))


def test_policy_allows_numpy_and_math():
    assert policy.violations("import numpy as np\nimport math\nfrom numpy.linalg import solve\n"
                             "def f(A):\n    return np.exp(A) * math.pi\n") == []


@pytest.fixture(scope="module")
def sandbox():
    cells = {
        "reads": "def reads(x):\n    return np.loadtxt('/etc/hostname')\n",
        "forks": "def forks(x):\n    return np.lib._utils_impl.os.fork()\n",
        "scribbles": "def scribbles(G):\n    G[...] = 0.0\n    return 1.0\n",
        "warns": "def warns(x):\n    return np.exp(np.array([1000.0]))\n",
        "broken": "def broken(x:\n",
    }
    box = Sandbox("ps02_linear_layers", cells, timeout=5)
    yield box
    box.close()


def test_worker_cannot_open_files_or_start_processes(sandbox):
    with pytest.raises(Exception, match="PermissionError|Operation not permitted"):
        sandbox.call("reads", (1.0,))
    with pytest.raises(Exception, match="Operation not permitted"):
        sandbox.call("forks", (1.0,))


def test_in_place_changes_reach_the_caller(sandbox):
    G = np.ones(4)
    sandbox.call("scribbles", (G,))
    assert np.array_equal(G, np.zeros(4))


def test_warnings_are_re_raised_on_the_trusted_side(sandbox):
    with pytest.warns(RuntimeWarning, match="overflow"):
        sandbox.call("warns", (1.0,))


def test_cells_that_do_not_run_are_reported(sandbox):
    sandbox.call("scribbles", (np.ones(1),))  # starts the worker
    assert "SyntaxError" in sandbox.cell_errors["broken"][0]


def test_in_place_changes_inside_lists_reach_the_caller():
    box = Sandbox("ps02_linear_layers", {"decay": "def decay(params):\n    params[0][0][...] *= 0.5\n    return 0.0\n"})
    try:
        params = [(np.ones(3), np.ones(2))]
        box.call("decay", (params,))
        assert np.array_equal(params[0][0], np.full(3, 0.5)) and np.array_equal(params[0][1], np.ones(2))
    finally:
        box.close()
