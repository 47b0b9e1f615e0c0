"""The worker's seccomp filter: the system calls of ``policy.ALLOWED_SYSCALLS``
(and of ``policy.RESTRICTED_SYSCALLS`` with the arguments it allows), nothing else.

Every other system call fails with EPERM. It uses libseccomp
(``libseccomp.so.2``, part of every Debian and Ubuntu system) through ctypes.
A filter cannot be removed once loaded, not even by the process itself, and
it holds for code that reaches the kernel without Python (through ctypes).
"""

import ctypes
import errno

from . import policy

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_MASKED_EQ = 7


def scmp_act_errno(code):
    return 0x00050000 | (code & 0x0000FFFF)


class _ArgumentComparison(ctypes.Structure):
    """libseccomp's ``struct scmp_arg_cmp``."""

    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def _library():
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgumentComparison)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def _allow(lib, context, name, *comparisons):
    number = lib.seccomp_syscall_resolve_name(name.encode())
    if number < 0:  # not a system call on this architecture
        return
    array = (_ArgumentComparison * max(len(comparisons), 1))(*comparisons)
    result = lib.seccomp_rule_add_array(context, SCMP_ACT_ALLOW, number, len(comparisons), array)
    if result < 0:
        raise OSError(-result, f"seccomp_rule_add({name}) failed")


def load_filter():
    """Load the allow-list into this process; raise OSError if that is impossible."""
    lib = _library()
    context = lib.seccomp_init(scmp_act_errno(errno.EPERM))
    if not context:
        raise OSError("seccomp_init failed")
    try:
        for name in policy.ALLOWED_SYSCALLS:
            _allow(lib, context, name)
        for name, (argument, mask, values) in policy.RESTRICTED_SYSCALLS.items():
            for value in values:
                _allow(lib, context, name, _ArgumentComparison(argument, SCMP_CMP_MASKED_EQ, mask, value))
        result = lib.seccomp_load(context)
        if result < 0:
            raise OSError(-result, "seccomp_load failed")
    finally:
        lib.seccomp_release(context)
