"""Audit the pinned dependency set against PyPI's vulnerability data, where this machine can reach it.

pip-audit asks PyPI for each release (``/pypi/<name>/<version>/json``); the index this workplace
reaches answers that with 404 ("Dependency not found on PyPI"), so pip-audit audits nothing here.
The project page (``/pypi/<name>/json``) does answer, with the known vulnerabilities of the *latest*
release. This script checks every installed package of the project's environment against it:

* pinned == latest and no vulnerability listed → "no known vulnerability";
* pinned == latest with vulnerabilities → listed (fix by upgrading when a fix is released);
* pinned older than latest → "not checkable here" (PyPI gives no per-release data on this index):
  run ``pip-audit -r requirements.txt`` where the per-release API answers.

    python .ci/audit_pins.py [--python .venv/bin/python]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.request


def installed(python: str) -> dict[str, str]:
    """name → version of every package in the environment of ``python`` (pip freeze)."""
    out = subprocess.run([python, "-m", "pip", "freeze", "--all"], capture_output=True, text=True, check=True).stdout
    pins = {}
    for line in out.splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def latest(name: str) -> tuple[str | None, list[dict]]:
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as response:
            data = json.load(response)
    except OSError:
        return None, []
    return data["info"]["version"], data.get("vulnerabilities") or []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the environment to audit")
    args = parser.parse_args()
    counts = {"no known vulnerability": 0, "VULNERABLE": 0, "not checkable here": 0, "not found": 0}
    print("| package | pinned | latest on PyPI | result |\n|---|---|---|---|")
    for name, version in sorted(installed(args.python).items()):
        newest, vulnerabilities = latest(name)
        if newest is None:
            result = "not found"
        elif newest != version:
            result = "not checkable here"
        elif vulnerabilities:
            result = "VULNERABLE"
        else:
            result = "no known vulnerability"
        counts[result] += 1
        ids = ", ".join(v.get("id", "?") for v in vulnerabilities) if result == "VULNERABLE" else ""
        print(f"| {name} | {version} | {newest or '—'} | {result}{': ' + ids if ids else ''} |")
    print("\n" + "; ".join(f"{n} {label}" for label, n in counts.items()))
    sys.exit(1 if counts["VULNERABLE"] else 0)


if __name__ == "__main__":
    main()
