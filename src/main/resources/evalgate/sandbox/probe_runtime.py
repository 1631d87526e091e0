# Tells SandboxRoot which host files the sandbox's Python needs: the interpreter, its sys.path, and every shared
# object the dynamic loader opened (under the names it opened them by) once the harness's modules, numpy and every
# standard-library extension module are imported. Runs on the host, trusted, with the system interpreter only.
#
# Usage: python3 -I probe_runtime.py   ->   one JSON object on stdout: {"executable", "path", "libraries"}
import ctypes
import importlib
import json
import os
import sys
import sysconfig
import warnings

# Extension modules that touch a terminal when imported.
SKIPPED = {"readline"}

warnings.simplefilter("ignore")
dynload = os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload")
if os.path.isdir(dynload):
    for file in sorted(os.listdir(dynload)):
        name = file.split(".")[0]
        if name not in SKIPPED:
            try:
                importlib.import_module(name)
            except Exception:
                pass  # e.g. _tkinter without Tk: then the sandbox has no Tk either
for name in ("ast", "concurrent.futures", "contextlib", "faulthandler", "platform", "tempfile", "typing", "numpy",
             "multiprocess"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass


class DlPhdrInfo(ctypes.Structure):
    # The leading fields of struct dl_phdr_info: the load address and the name the loader opened the object by.
    _fields_ = [("addr", ctypes.c_void_p), ("name", ctypes.c_char_p)]


libraries = []


def collect(info, size, data):
    name = info.contents.name
    if name and name.startswith(b"/"):
        libraries.append(os.fsdecode(name))
    return 0


callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(DlPhdrInfo), ctypes.c_size_t, ctypes.c_void_p)(collect)
ctypes.CDLL(None).dl_iterate_phdr(callback, None)
json.dump({"executable": sys.executable, "path": [p for p in sys.path if os.path.exists(p)], "libraries": libraries},
          sys.stdout)
