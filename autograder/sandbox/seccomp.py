"""A seccomp filter for the worker: once loaded, the process cannot open files,
start processes or threads, use the network or signal other processes.

It uses libseccomp (``libseccomp.so.2``, part of every Debian and Ubuntu
system) through ctypes. Filters cannot be removed once loaded, not even by
the process itself.
"""

import ctypes
import ctypes.util
import errno

SCMP_ACT_ALLOW = 0x7FFF0000


def SCMP_ACT_ERRNO(code):  # noqa: N802 (the name of libseccomp's macro)
    return 0x00050000 | (code & 0x0000FFFF)


DENIED_SYSCALLS = [
    # files and directories
    "open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at",
    "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
    "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "chown", "fchown",
    "lchown", "fchownat", "truncate", "chdir", "fchdir", "chroot", "mount", "umount2",
    "pivot_root", "inotify_init", "inotify_init1", "fanotify_init",
    # processes and threads
    "execve", "execveat", "fork", "vfork", "clone", "clone3", "ptrace", "process_vm_readv",
    "process_vm_writev", "kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal",
    "pidfd_getfd", "setsid", "setpgid", "unshare", "setns", "prctl", "seccomp", "bpf",
    "perf_event_open", "io_uring_setup", "userfaultfd", "kexec_load", "reboot",
    # network
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
]


def load_filter():
    """Load the filter into this process; raise OSError if that is impossible."""
    path = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    lib = ctypes.CDLL(path, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    context = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise OSError("seccomp_init failed")
    try:
        for name in DENIED_SYSCALLS:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # not a system call on this architecture
                continue
            result = lib.seccomp_rule_add(context, SCMP_ACT_ERRNO(errno.EPERM), number, 0)
            if result < 0:
                raise OSError(-result, f"seccomp_rule_add({name}) failed")
        result = lib.seccomp_load(context)
        if result < 0:
            raise OSError(-result, "seccomp_load failed")
    finally:
        lib.seccomp_release(context)
