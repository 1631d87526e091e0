# Runs one ruHumanEval / ruCodeEval generation the way MERA's harness filter "ruhumanevalscoring" does
# (benchmark_tasks/ruhumaneval/utils.py, identical in rucodeeval/utils.py: check_correctness, unsafe_execute,
# time_limit, swallow_io, reliability_guard). The launcher (evalgate-sandbox) starts it as PID 1 of the sandbox,
# already isolated, unprivileged, rlimited and under a seccomp filter (docs/sandbox.md).
#
# Usage: python3 -I run_completion.py [--forbid-new-processes] < TASK_JSON
#   TASK_JSON: {"program": function + completion, "entry_point": ..., "tests": inputs.tests}
#   --forbid-new-processes: the launcher passed a seccomp filter on fd 3 (no cgroup bounds the sandbox's processes);
#   the child installs it before executing the program.
#
# Two processes, as in the harness's check_correctness(), where the parent starts a child that executes the program
# and reads back the one result it appends:
#   - this process (the reporter) reads the task, forks the child, and alone writes the gateway's protocol on its
#     stdout, one line each: "ready" right before the fork (the gateway's 4 s clock starts there), then
#     {"results": [str | null, ...]} with exactly one entry per test, or nothing if the child delivered no such reply.
#     The child cannot reach that descriptor: it is not inherited, this process is not dumpable (no /proc/1/fd,
#     /proc/1/mem), the filter refuses ptrace and its relatives, and as PID 1 it ignores the child's signals.
#   - the child executes the program and the tests, and sends one line back on a pipe: a JSON list of str | null.
#     Whatever the program does to that line, it can only pick values an honest program could have returned.
#
# No "from __future__" imports in this file: exec() inherits the caller's compiler flags, and the program must
# compile exactly as it does in the harness.
import ast
import builtins
import contextlib
import io
import json
import os
import signal
import sys

# The harness: execute_function(timeout=3.0) -> time_limit(timeout) around exec().
EXEC_TIMEOUT_SECONDS = 3.0
# Keeps the protocol line bounded (the gateway caps what it reads). A truncated result is longer than any gold
# answer, so it scores exactly as the full string would: wrong.
RESULT_CHARS_BUDGET = 1_000_000
MIN_RESULT_CHARS = 1_000
TRUNCATION_MARK = "...[truncated by evalgate]"
EX_DATAERR = 65
# The sandbox itself failed (the child could not prepare itself, before any of the program ran): the gateway reports
# it, it is not a result.
EX_SOFTWARE = 70
# Where the launcher puts the filter that forbids new processes, when no cgroup bounds them (--child-filter).
CHILD_FILTER_FD = 3
# The child's reply is bounded like the protocol line (the budget, JSON-escaped); more is the program misbehaving.
REPLY_CAP = 16 << 20
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# Taken before the program runs: it may rebind or disable anything reachable from here.
_dumps = json.dumps
_write = os.write
_exit = os._exit
_getpid = os.getpid


class TimeoutException(Exception):
    pass


class WriteOnlyStringIO(io.StringIO):
    """The harness's sink for the program's prints during exec(); this one discards instead of keeping them."""

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("string argument expected, got '%s'" % type(s).__name__)
        return len(s)

    def read(self, *args, **kwargs):
        raise OSError

    def readline(self, *args, **kwargs):
        raise OSError

    def readlines(self, *args, **kwargs):
        raise OSError

    def readable(self, *args, **kwargs):
        return False


class redirect_stdin(contextlib._RedirectStream):
    _stream = "stdin"


@contextlib.contextmanager
def swallow_io():
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream):
        with contextlib.redirect_stderr(stream):
            with redirect_stdin(stream):
                yield


@contextlib.contextmanager
def time_limit(seconds):
    def signal_handler(signum, frame):
        raise TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, signal_handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def harness_module_globals():
    """What functions defined by the program see as globals.

    The harness exec()s the program inside unsafe_execute(), so the program's top-level names (its imports, its
    helpers) land in that frame's locals and are invisible inside its functions; their globals are the harness
    module's globals. These mirror that module's imports (utils.py lines 1-13); lm_eval's Filter/registry names and
    the module's own helper functions are left out.
    """
    import ast
    import contextlib
    import faulthandler
    import io
    import os
    import platform
    import signal
    import tempfile
    from concurrent.futures import ThreadPoolExecutor
    from typing import Dict, List

    g = {
        # lm_eval loads a task's utils.py by file location under the module name "utils"; a non-__main__ module's
        # __builtins__ is the builtins dict, not the module.
        "__name__": "utils",
        "__builtins__": builtins.__dict__,
        "ast": ast,
        "contextlib": contextlib,
        "faulthandler": faulthandler,
        "io": io,
        "os": os,
        "platform": platform,
        "signal": signal,
        "tempfile": tempfile,
        "ThreadPoolExecutor": ThreadPoolExecutor,
        "Dict": Dict,
        "List": List,
    }
    # The harness has both; here they exist only if the sandbox's interpreter can import them.
    try:
        import numpy as np

        g["np"] = np
    except ImportError:
        pass
    try:
        import multiprocess as mp

        g["mp"] = mp
    except ImportError:
        pass
    return g


def reliability_guard():
    """The harness's reliability_guard(maximum_memory_bytes=None), as is: programs that call what it disables
    must fail here as they fail there. The sandbox's real limits are set outside this process."""
    import faulthandler

    faulthandler.disable()

    builtins.exit = None
    builtins.quit = None

    os.environ["OMP_NUM_THREADS"] = "1"

    os.kill = None
    os.system = None
    os.putenv = None
    os.remove = None
    os.removedirs = None
    os.rmdir = None
    os.fchdir = None
    os.setuid = None
    os.fork = None
    os.forkpty = None
    os.killpg = None
    os.rename = None
    os.renames = None
    os.truncate = None
    os.replace = None
    os.unlink = None
    os.fchmod = None
    os.fchown = None
    os.chmod = None
    os.chown = None
    os.chroot = None
    os.fchdir = None
    os.lchflags = None
    os.lchmod = None
    os.lchown = None
    os.getcwd = None
    os.chdir = None

    import shutil

    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None

    import subprocess

    subprocess.Popen = None

    builtins.help = None

    sys.modules["ipdb"] = None
    sys.modules["joblib"] = None
    sys.modules["resource"] = None
    sys.modules["psutil"] = None
    sys.modules["tkinter"] = None


def unsafe_execute(program, test_cases, entry_point, harness_globals):
    import shutil

    # Plays the harness frame's locals(), which exec() writes the program's top-level names into. It starts with
    # that frame's own locals so top-level code sees the same names (all but `result`, the harness's channel).
    frame_locals = {
        "check_program": program,
        "test_cases": test_cases,
        "entry_point": entry_point,
        "timeout": EXEC_TIMEOUT_SECONDS,
        "os": os,
        "shutil": shutil,
        "rmtree": shutil.rmtree,
        "rmdir": os.rmdir,
        "chdir": os.chdir,
    }
    reliability_guard()
    try:
        with swallow_io():
            with time_limit(EXEC_TIMEOUT_SECONDS):
                exec(program, harness_globals, frame_locals)
        res = []
        for test in test_cases:
            try:
                test_res = frame_locals[entry_point](**test)
                if test_res is not None:
                    test_res = str(test_res)
            except Exception:
                test_res = None
            res.append(test_res)
        return res
    except Exception:
        return [None] * len(test_cases)
    # Anything else (SystemExit, KeyboardInterrupt) escapes as in the harness, whose child then dies without a
    # result and is recorded as "timed out".


def bounded(results):
    limit = max(MIN_RESULT_CHARS, RESULT_CHARS_BUDGET // max(1, len(results)))
    return [r[:limit] + TRUNCATION_MARK if isinstance(r, str) and len(r) > limit else r for r in results]


def write_line(fd, text):
    data = (text + "\n").encode("ascii")
    while data:
        data = data[_write(fd, data):]


def read_line(fd, cap):
    """The first line on fd (without its newline), or None if it ends or exceeds cap first."""
    chunks = []
    size = 0
    while size <= cap:
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        end = chunk.find(b"\n")
        if end >= 0:
            chunks.append(chunk[:end])
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return None


def libc():
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def not_dumpable():
    """Keeps the child (same uid) out of this process: /proc/1/fd, /proc/1/mem and /proc/1/environ need it dumpable."""
    ctypes, c = libc()
    if c.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0)")


def install_filter(program):
    """Adds a seccomp filter (a sock_filter array, as the launcher built it) to the calling process."""
    ctypes, c = libc()

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.addressof(buffer))
    if c.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def read_child_filter():
    """The filter the launcher passed on fd 3 (evalgate-sandbox --child-filter); its absence is an error."""
    data = b""
    while True:
        chunk = os.read(CHILD_FILTER_FD, 65536)
        if not chunk:
            break
        data += chunk
    os.close(CHILD_FILTER_FD)
    if not data or len(data) % 8:
        raise ValueError("the launcher's child filter is %d bytes" % len(data))
    return data


def valid_reply(line, n_tests):
    """The child's reply if it has the shape an honest run gives: n_tests entries, each a str or None."""
    try:
        results = json.loads(line.decode("ascii"))
    except Exception:
        return None
    if not isinstance(results, list) or len(results) != n_tests:
        return None
    if not all(r is None or isinstance(r, str) for r in results):
        return None
    return bounded(results)


def close_all_but(keep):
    previous = 2
    for fd in sorted(keep) + [1 << 16]:
        os.closerange(previous + 1, fd)
        previous = fd


def run_child(task, test_cases, harness_globals, reply_fd, prepared_fd, child_filter):
    """The harness's child process: executes the program and the tests and replies with their results."""
    try:
        # The protocol and the gateway's stderr are not this process's: fds 0-2 become /dev/null, so nothing the
        # program (or a process it starts) writes can reach the gateway; only the reply pipe stays open.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        close_all_but({reply_fd, prepared_fd})
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if child_filter is not None:
            install_filter(child_filter)
        # As the harness's create_tempdir(): a fresh temporary directory as working directory, which also leaves
        # tempfile's default directory resolved before reliability_guard() takes os.getcwd away.
        import tempfile

        os.chdir(tempfile.mkdtemp())
        # Only now, before any of the program runs, may this process tell the runner that it is ready: a child that
        # dies before this is the sandbox failing, one that dies after it is the program failing ("timed out").
        _write(prepared_fd, b"k")
        os.close(prepared_fd)
    except BaseException:
        _exit(EX_SOFTWARE)
    child_pid = _getpid()
    results = unsafe_execute(task["program"], test_cases, task["entry_point"], harness_globals)
    if _getpid() != child_pid:
        # A process the program forked returned through here; only the child replies.
        _exit(0)
    write_line(reply_fd, _dumps(bounded(results), ensure_ascii=True))
    # Skips interpreter shutdown: threads the program left running must not delay the reply.
    _exit(0)


def main():
    not_dumpable()
    # The child's SIGINT would otherwise reach this process, PID 1, through Python's own handler.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    task = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    os.close(0)
    child_filter = read_child_filter() if sys.argv[1:] == ["--forbid-new-processes"] else None
    if sys.argv[1:] not in ([], ["--forbid-new-processes"]):
        print("evalgate sandbox: unknown arguments %r" % (sys.argv[1:],), file=sys.stderr)
        _exit(EX_SOFTWARE)
    try:
        test_cases = ast.literal_eval(task["tests"])
        len(test_cases)
    except Exception as e:
        print("evalgate sandbox: tests is not a Python literal list: %r" % (e,), file=sys.stderr)
        sys.exit(EX_DATAERR)
    harness_globals = harness_module_globals()

    sys.stdout.flush()
    sys.stderr.flush()
    reply_read, reply_write = os.pipe()
    prepared_read, prepared_write = os.pipe()
    write_line(1, "ready")
    pid = os.fork()
    if pid == 0:
        os.close(reply_read)
        os.close(prepared_read)
        run_child(task, test_cases, harness_globals, reply_write, prepared_write, child_filter)
    os.close(reply_write)
    os.close(prepared_write)
    if os.read(prepared_read, 1) != b"k":
        print("evalgate sandbox: the harness's child process could not prepare itself", file=sys.stderr)
        _exit(EX_SOFTWARE)
    os.close(prepared_read)
    line = read_line(reply_read, REPLY_CAP)
    results = None if line is None else valid_reply(line, len(test_cases))
    if results is None:
        # The harness records "timed out" for a child that delivered no result; the gateway does so when this
        # process exits without a results line.
        _exit(0)
    write_line(1, _dumps({"results": results}, ensure_ascii=True))
    # Exiting as PID 1 makes the kernel kill whatever the program left running.
    _exit(0)


if __name__ == "__main__":
    main()
