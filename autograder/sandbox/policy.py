"""The whole isolation policy of a grading worker, in one place.

A worker runs a student's answer cells. It is built to reach nothing:

1. **Namespaces** (set up by bubblewrap before Python starts): its own user,
   PID, mount, IPC, network, UTS and cgroup namespaces; user ``nobody``
   (65534), no capabilities, a new session, killed with its parent.
2. **File system**: an empty, read-only root holding only the system
   libraries (``/usr``), the Python installation, NumPy and the worker's own
   package (this folder, the value codec ``autograder/transport.py`` and the
   loop rule's counter ``autograder/loop_counts.py``), all read-only. No
   ``/proc``, ``/dev``, ``/tmp``, course folder or home directory exists inside.
3. **Resource limits** (``LIMITS``), set by the worker before any student code.
4. **System calls**: after its imports, the worker loads a seccomp filter that
   allows exactly ``ALLOWED_SYSCALLS`` (and ``RESTRICTED_SYSCALLS`` with the
   arguments given there: ``fstat`` and ``fcntl`` on open descriptors);
   every other system call fails with EPERM. No ``open``, no ``kill``, no
   ``clone``, no ``socket``, no ``mknod``, no ``ioctl``.

Nothing the worker sends back is trusted: the grader decodes plain numbers and
arrays and checks them itself, and measures time and memory from outside
(``/proc/<pid>``), where the worker cannot reach.
"""

import os

# --- 4. system calls allowed once student code may run ----------------------------------------
ALLOWED_SYSCALLS = (
    # memory
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
    # reading and writing descriptors the worker already holds (its socket,
    # its output pipes, the shared memory of arguments)
    "read", "write", "readv", "writev", "pread64", "lseek", "close",
    "recvmsg", "sendmsg", "recvfrom", "sendto",
    # signals within the process, time, randomness, leaving
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    "futex", "sched_yield", "getpid", "gettid",
    "clock_gettime", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep",
    "getrusage", "getrandom",
    "exit", "exit_group",
)
# System calls allowed with one argument restricted: {name: (argument index, mask, allowed values)}.
# fstat(fd) is newfstatat(fd, "", buf, AT_EMPTY_PATH): no path can be looked up.
# fcntl only duplicates and inspects descriptors (Python's mmap keeps a duplicate).
AT_EMPTY_PATH = 0x1000
F_GETFD, F_SETFD, F_GETFL, F_DUPFD_CLOEXEC = 1, 2, 3, 1030
RESTRICTED_SYSCALLS = {
    "newfstatat": (3, AT_EMPTY_PATH, (AT_EMPTY_PATH,)),
    "fcntl": (1, 0xFFFFFFFF, (F_GETFD, F_SETFD, F_GETFL, F_DUPFD_CLOEXEC)),
}

# --- 1. namespaces, 2. file system --------------------------------------------------------------
NOBODY = 65534
BUBBLEWRAP_OPTIONS = (
    "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts",
    "--unshare-cgroup-try", "--uid", str(NOBODY), "--gid", str(NOBODY),
    "--cap-drop", "ALL", "--new-session", "--die-with-parent", "--as-pid-1",
    "--clearenv", "--chdir", "/",
)
SYSTEM_PATHS = ("/usr",)  # read-only; /lib, /lib64 and /bin are links into it
SYSTEM_LINKS = {"/lib": "usr/lib", "/lib64": "usr/lib64", "/bin": "usr/bin"}
LIBRARY_ROOT = "/mcdl/lib"  # where NumPy and the worker's package appear inside

# --- how a worker is isolated -------------------------------------------------------------------
# "bubblewrap": all of 1-4 above. "container": for a grader that runs inside a container that is
# itself the boundary and refuses user namespaces (Docker's default seccomp profile, so Gradescope):
# no bubblewrap, so no namespaces of its own and the container's file system instead of an empty
# one; 3 and 4 hold as in "bubblewrap" (no open, kill, socket, clone or ptrace once student code
# runs), the environment is the same (no secret), and the worker dies with its parent.
ISOLATION_MODES = ("bubblewrap", "container")

# --- 3. limits ------------------------------------------------------------------------------------
LIMITS = {
    "memory_bytes": 4 << 30,  # address space of a worker
    "cpu_seconds": 600,  # CPU time of a worker over its whole life
    "open_files": 64,  # descriptors (arguments arrive as shared-memory descriptors)
    "call_seconds": 30.0,  # wall-clock time of one definition or call
    "start_seconds": 60.0,  # starting a worker
    "submission_seconds": 900.0,  # wall-clock time of grading one notebook
    # The wall-clock time a notebook's workers may take in all (starting, defining its cells,
    # its calls): this multiple of what the reference solution's take when graded by the same
    # grading process, and at least the floor. None: no such budget.
    "notebook_time_multiple": 10.0,
    "notebook_time_floor_seconds": 20.0,
    # The time a notebook's code may spend idle in all (sleeping or blocked, neither running
    # nor waiting for a CPU): the floor plus the reference solution's wall-clock time at the
    # machine's load (where the kernel does not tell waiting for a CPU from sleeping). A
    # sleeping notebook is stopped after that, not after its time limit. None: no such budget.
    "notebook_idle_floor_seconds": 3.0,
    "frame_bytes": 1 << 30,  # one message to a worker
    # A worker's reply: its JSON part, and its arrays counted as float64 (what the checks
    # convert them to), at most this multiple of the arguments of the call or the floor.
    "reply_header_bytes": 1 << 20,
    "result_multiple": 4,
    "result_floor_bytes": 32 << 20,
    "arena_bytes": 32 << 20,  # shared memory for the arguments of a call (larger ones get their own)
    "printed_bytes": 100_000,  # printed output beyond this is reported
    # one of ISOLATION_MODES; MCDL_ISOLATION sets it for every grading process of a machine
    "isolation": os.environ.get("MCDL_ISOLATION", "bubblewrap"),
}
# Overrides of LIMITS that grade without a notebook's time and idle budgets (so without first
# timing the reference answers): for tests and tools that grade one check at a time.
NO_NOTEBOOK_BUDGETS = {"notebook_time_multiple": None, "notebook_idle_floor_seconds": None}

# --- the worker's environment -------------------------------------------------------------------
WORKER_ENVIRONMENT = {
    # One thread everywhere: fair timings, and the filter forbids new threads.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
# Passed through from the grader's environment when set: they choose the BLAS
# kernel, which the grader and its workers must share.
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# A worker that measures memory returns every large array to the system as
# soon as it is freed, so that its peak resident size is its peak of live arrays.
MEMORY_WORKER_ENVIRONMENT = {"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"}
