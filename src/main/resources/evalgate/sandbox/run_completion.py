# Runs one ruHumanEval / ruCodeEval generation the way MERA's harness filter "ruhumanevalscoring" does
# (benchmark_tasks/ruhumaneval/utils.py, identical in rucodeeval/utils.py: unsafe_execute, time_limit,
# swallow_io, reliability_guard). PythonCodeSandbox starts it already isolated and rlimited; this script is
# trusted, the program it executes is not.
#
# Usage: python3 -I run_completion.py TASK_JSON
#   TASK_JSON: {"program": function + completion, "entry_point": ..., "tests": inputs.tests}
# Protocol on the original stdout, one line each: "ready" right before the program is executed (the gateway's
# 4 s clock starts there), then {"results": [str | null, ...]}. Anything else the program prints goes nowhere.
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


def main():
    task_file = sys.argv[1]
    with open(task_file, encoding="utf-8") as f:
        task = json.load(f)
    try:
        test_cases = ast.literal_eval(task["tests"])
        len(test_cases)
    except Exception as e:
        print("evalgate sandbox: tests is not a Python literal list: %r" % (e,), file=sys.stderr)
        sys.exit(EX_DATAERR)
    harness_globals = harness_module_globals()

    # The protocol keeps a private copy of stdout; fds 0-2 become /dev/null so nothing the program (or a child it
    # spawns) writes can corrupt the protocol or fill the gateway's buffers.
    sys.stdout.flush()
    sys.stderr.flush()
    protocol = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    # As the harness's create_tempdir(): a fresh temporary directory as working directory, which also leaves
    # tempfile's default directory resolved before reliability_guard() takes os.getcwd away.
    import tempfile

    os.chdir(tempfile.mkdtemp())

    main_pid = _getpid()
    write_line(protocol, "ready")
    results = unsafe_execute(task["program"], test_cases, task["entry_point"], harness_globals)
    if _getpid() != main_pid:
        # A child the program forked returned through here; only the original process reports.
        _exit(0)
    write_line(protocol, _dumps({"results": bounded(results)}, ensure_ascii=True))
    # Skips interpreter shutdown: threads the program left running must not delay the answer.
    _exit(0)


if __name__ == "__main__":
    main()
