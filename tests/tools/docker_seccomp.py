"""Run a command under a seccomp filter that refuses user namespaces as Docker's default profile does.

    python tests/tools/docker_seccomp.py COMMAND [ARG...]

Docker's default profile (moby/moby#42441) lets a container without
CAP_SYS_ADMIN make no namespace: ``unshare`` and ``setns`` fail, ``clone``
fails when asked for a new namespace, and ``clone3`` is not there (ENOSYS),
so bubblewrap cannot start. Everything else is allowed. The filter is inherited
by every process the command starts.
"""

import errno
import os
import sys

from autograder.sandbox.seccomp import SCMP_ACT_ALLOW, SCMP_CMP_MASKED_EQ, _ArgumentComparison, _library, scmp_act_errno

NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}


def load():
    """Allow everything but namespaces, in this process and all it starts."""
    lib = _library()
    context = lib.seccomp_init(SCMP_ACT_ALLOW)

    def rule(action, name, *comparisons):
        number = lib.seccomp_syscall_resolve_name(name.encode())
        array = (_ArgumentComparison * max(len(comparisons), 1))(*comparisons)
        if lib.seccomp_rule_add_array(context, action, number, len(comparisons), array) < 0:
            raise OSError(f"seccomp rule for {name} failed")

    rule(scmp_act_errno(errno.EPERM), "unshare")
    rule(scmp_act_errno(errno.EPERM), "setns")
    rule(scmp_act_errno(errno.ENOSYS), "clone3")
    for flag in NAMESPACE_FLAGS.values():
        rule(scmp_act_errno(errno.EPERM), "clone", _ArgumentComparison(0, SCMP_CMP_MASKED_EQ, flag, flag))
    if lib.seccomp_load(context) < 0:
        raise OSError("seccomp_load failed")


if __name__ == "__main__":
    load()
    os.execvp(sys.argv[1], sys.argv[1:])
