"""Run a command under a seccomp filter that refuses user namespaces as Docker's default profile does.

    python tests/tools/docker_seccomp.py COMMAND [ARG...]

Docker's default profile (moby/moby#42441) lets a container without
CAP_SYS_ADMIN make no namespace: ``unshare`` and ``setns`` fail, ``clone``
fails when asked for a new namespace, and ``clone3`` is not there (ENOSYS),
so bubblewrap cannot start. Everything else is allowed. The filter is inherited
by every process the command starts.
"""

import ctypes
import errno
import os
import sys

ALLOW = 0x7FFF0000
MASKED_EQ = 7
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}


class Comparison(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def refuse(code):
    return 0x00050000 | code


def load():
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(Comparison)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    context = lib.seccomp_init(ALLOW)

    def rule(action, name, *comparisons):
        number = lib.seccomp_syscall_resolve_name(name.encode())
        array = (Comparison * max(len(comparisons), 1))(*comparisons)
        if lib.seccomp_rule_add_array(context, action, number, len(comparisons), array) < 0:
            raise OSError(f"seccomp rule for {name} failed")

    rule(refuse(errno.EPERM), "unshare")
    rule(refuse(errno.EPERM), "setns")
    rule(refuse(errno.ENOSYS), "clone3")
    for flag in NAMESPACE_FLAGS.values():
        rule(refuse(errno.EPERM), "clone", Comparison(0, MASKED_EQ, flag, flag))
    if lib.seccomp_load(context) < 0:
        raise OSError("seccomp_load failed")


if __name__ == "__main__":
    load()
    os.execvp(sys.argv[1], sys.argv[1:])
