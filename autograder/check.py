"""The public checks: ``from autograder import check; check.to_grayscale(to_grayscale)``.

Every graded function of the course has a check of the same name here. A check returns
None when the function is right and raises AssertionError with an expected-versus-got
message when it is not. ``check.NAME.hint()`` shows a hint.
"""

from autograder.checks import registry as _registry


def __getattr__(name: str):
    checks = _registry()
    if name in checks:
        return checks[name]
    raise AttributeError(f"There is no check called {name!r}. Available: {', '.join(sorted(checks))}")


def __dir__():
    return sorted(_registry())
