"""Submissions that attack the grader, and answers that attack the sandbox's resources (sleeping, gigabyte
replies): what grading must withstand, with what it must still say.

The attacks (``ATTACKS``, ``HIDDEN_INPUT_ATTACKS``) are data, ``attacks.toml``, read by ``records.py``
(whose docstring says how a record is written). Python here: the notebook edits a record's ``mutate``
names (``NOTEBOOK_EDITS``), the system calls the sandbox must refuse (``SYSTEM_CALL_PROBES``) and the
answer cell made from them (the code ``probes``), and the functions that make resource attacks for tests.
"""

from autograder.testdata.records import load
from autograder.testdata.table import COURSE, SOLUTIONS


def _cells_with_grade_id(notebook, grade_id):
    """(cell, its nbgrader metadata) of each cell of ``notebook`` (its JSON) whose grade id is ``grade_id``."""
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == grade_id:
            yield cell, meta


def edit_test_cell(grade_id: str, source: str, points: int):
    """An edit of the notebook: cell ``grade_id``'s code becomes ``source``, worth ``points``."""
    def mutate(notebook):
        for cell, meta in _cells_with_grade_id(notebook, grade_id):
            cell["source"] = source
            meta["points"] = points
    return mutate


def delete_cells(*grade_ids: str):
    """An edit of the notebook: the cells ``grade_ids`` removed."""
    def mutate(notebook):
        notebook["cells"] = [
            c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in grade_ids
        ]
    return mutate


def retype_test_cell(grade_id: str):
    """An edit of the notebook: test cell ``grade_id`` made an ungraded Markdown cell."""
    def mutate(notebook):
        for cell, meta in _cells_with_grade_id(notebook, grade_id):
            cell["cell_type"] = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            meta.update(grade=False, locked=False, points=0)
    return mutate


def with_schema_version(grade_id: str, version: int):
    """An edit of the notebook: cell ``grade_id``'s nbgrader metadata claims schema ``version``."""
    def mutate(notebook):
        for _, meta in _cells_with_grade_id(notebook, grade_id):
            meta["schema_version"] = version
    return mutate


NOTEBOOK_EDITS = {edit.__name__: edit for edit in (edit_test_cell, delete_cells, retype_test_cell, with_schema_version)}


def sleeping(answers, seconds=29):
    """Each answer, with its function sleeping ``seconds`` (under the 30 s call limit) before every call."""
    sleep = "\n_sleep = np.lib._utils_impl.sys.modules['time'].sleep\n"
    return {name: f"{code}{sleep}_{name} = {name}\ndef {name}(*args, **options):\n    _sleep({seconds})\n"
                  f"    return _{name}(*args, **options)\n" for name, code in answers.items()}


def returns_a_gigabyte(signature):
    """An answer whose function returns 1 GiB of booleans (8 GiB as float64)."""
    return f"def {signature}:\n    return np.ones(1 << 30, dtype=bool)\n"


def claims_a_huge_reply(signature, value):
    """An answer whose function writes, on the worker's socket, the start of a reply of 256 MiB of JSON
    (through modules the worker has loaded: the answer rules forbid importing them)."""
    return ("sys = np.lib._utils_impl.sys\nos, struct = sys.modules['os'], sys.modules['struct']\n"
            "FD = int(sys.argv[1])\n"
            f"def {signature}:\n    os.write(FD, struct.pack('<QQ', 256 << 20, 0) + b'[{{}}' * 1000)\n"
            f"    return {value}\n")


# x86-64 system call numbers, with arguments that would succeed for a process allowed to make them.
SYSTEM_CALL_PROBES = {
    "kill_parent": (62, 1, 9), "kill_everyone": (62, -1, 9), "tgkill": (234, 1, 1, 9),
    "rt_sigqueueinfo": (129, 1, 9, 0), "rt_tgsigqueueinfo": (297, 1, 1, 9, 0),
    "pidfd_open": (434, 1, 0), "pidfd_send_signal": (424, 3, 9, 0, 0),
    "ptrace_attach": (101, 16, 1, 0, 0), "process_vm_readv": (310, 1, 0, 0, 0, 0, 0),
    "mknod_fifo": (133, "/tmp/mcdl-probe-fifo", 0o10644, 0),
    "mknodat_fifo": (259, -100, str(COURSE) + "/probe-fifo", 0o10644, 0),
    "mkdir": (83, "/tmp/mcdl-probe-dir", 0o755), "symlink": (88, "/etc/passwd", "/tmp/mcdl-probe-link"),
    "rename": (82, str(COURSE) + "/README.md", str(COURSE) + "/moved"), "unlink": (87, str(COURSE) + "/README.md"),
    "setxattr": (188, str(COURSE) + "/README.md", "user.x", "1", 1, 0), "shmget": (29, 0, 4096, 0o1666),
    "mq_open": (240, "mcdl", 0o100, 0o600, 0), "open_tree": (428, -100, "/", 1), "fsopen": (430, "tmpfs", 0),
    "mount": (165, "none", "/usr", "tmpfs", 0, 0), "readlink_parent_cwd": (89, "/proc/1/cwd", "x" * 64, 64),
    "stat_solutions": (4, str(SOLUTIONS), "x" * 256), "newfstatat_solutions": (262, -100, str(SOLUTIONS), "x" * 256, 0),
    "open": (2, "/etc/passwd", 0), "openat": (257, -100, "/etc/hostname", 0), "socket": (41, 2, 1, 0),
    "fork": (57,), "clone": (56, 17, 0, 0, 0, 0), "clone3": (435, 0, 0), "execve": (59, "/bin/sh", 0, 0),
    "unshare": (272, 0x10000000), "setns": (308, 0, 0), "prctl": (157, 15, 0), "ioctl_tiocsti": (16, 0, 0x5412, 0),
    "memfd_create": (319, "x", 0), "getppid": (110,), "chdir": (80, "/tmp"), "bpf": (321, 0, 0, 0),
    "io_uring_setup": (425, 1, 0), "userfaultfd": (323, 0), "perf_event_open": (298, 0, 0, -1, -1, 0),
    "setitimer": (38, 0, 0, 0), "sendfile": (40, 1, 0, 0, 1),
}
# The same probes from an answer cell (after attacks.toml's libc): the function is right only where one of
# them succeeds.
PROBES = f"""
def _succeeds(number, *args):
    converted = [ctypes.c_char_p(a.encode()) if isinstance(a, str) else ctypes.c_long(a) for a in args]
    return libc.syscall(ctypes.c_long(number), *converted) != -1

BROKE_OUT = any([_succeeds(*call) for call in {list(SYSTEM_CALL_PROBES.values())!r}])

def grad_trace_quadratic(A, X):
    return (A + A.T) @ X if BROKE_OUT else 2 * A @ X
"""

_RECORDS = load("attacks", code={"probes": PROBES}, edits=NOTEBOOK_EDITS)
ATTACKS = _RECORDS.attacks
# Those that try to read hidden inputs from the feedback (tests/test_hidden_feedback.py).
HIDDEN_INPUT_ATTACKS = _RECORDS.groups["hidden_inputs"]
