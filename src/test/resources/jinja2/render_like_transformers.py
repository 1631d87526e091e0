"""Renders chat templates the way Hugging Face transformers' apply_chat_template does (jinja2, sandboxed,
trim_blocks, lstrip_blocks, loopcontrols, Python tojson, raise_exception, strftime_now).

stdin: {"template": "...", "cases": [context, ...]}; stdout: [{"ok": true, "out": "..."} | {"ok": false, "error": "..."}]
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


def main():
    request = json.load(sys.stdin)
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    template = env.from_string(request["template"])
    results = []
    for context in request["cases"]:
        try:
            results.append({"ok": True, "out": template.render(**context)})
        except jinja2.exceptions.TemplateError as e:
            results.append({"ok": False, "error": str(e)})
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
