"""``check_environment()``: one line per package saying whether a learner's set-up is right.

The requirements are read from the installed package's metadata, i.e. from
pyproject.toml, so there is no second list to keep in step.
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.requirements import Requirement

DISTRIBUTION = "cnn-course-autograder"


def environment_report() -> list[tuple[str, str, str, bool]]:
    """(package, required, installed, ok) for Python and every runtime dependency."""
    python = ".".join(map(str, sys.version_info[:3]))
    required_python = metadata.metadata(DISTRIBUTION)["Requires-Python"]
    rows = [("python", required_python, python,
             Requirement(f"python{required_python}").specifier.contains(python))]
    for line in metadata.requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            rows.append((requirement.name, str(requirement.specifier), "missing", False))
            continue
        ok = requirement.specifier.contains(installed, prereleases=True)
        rows.append((requirement.name, str(requirement.specifier), installed, ok))
    return rows


def check_environment() -> bool:
    """Print one line per package (✔ or ✘ with the version needed); True when all are right."""
    rows = environment_report()
    for name, required, installed, ok in rows:
        mark = "✔" if ok else "✘"
        advice = "" if ok else f"  → pip install '{name}{required}'"
        print(f"{mark} {name:<24} {installed:<12} (needs {required or 'any'}){advice}")
    bad = [row for row in rows if not row[3]]
    print("Everything is in place." if not bad else f"{len(bad)} package(s) need attention.")
    return not bad
