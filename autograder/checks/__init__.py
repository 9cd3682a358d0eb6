"""The checks behind ``autograder.check``: one module per assignment.

Each module decorates its public check functions with :func:`graded`, which registers
them under the name of the graded function they check (``to_grayscale``,
``correlate2d``…) together with the hints a learner can ask for, in tiers
(:class:`Hints`): the idea, then the formula, then code that gives the answer away. ``autograder.check``
finds them all, so adding an assignment means adding a module here and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

from autograder.feedback import CheckFailure

_REGISTRY: dict[str, "Check"] = {}


@dataclass(frozen=True)
class Hints:
    """The hints of one exercise, from least to most telling.

    ``idea``: what to think about, in words; ``formula``: the maths or the steps, still
    without code; ``code``: code that (nearly) solves the exercise, as Markdown (a
    fenced ```python block is shown as code). The code tier is shown only after the
    others, under a heading that says it gives the answer away.
    """
    idea: str
    formula: str = ""
    code: str = ""

    def tiers(self) -> list[tuple[str, str]]:
        """(label, text) of every tier this exercise has, in order."""
        labelled = [("Idea", self.idea), ("Formula", self.formula),
                    ("Code (this gives the answer away)", self.code)]
        return [(label, text) for label, text in labelled if text]


class Check:
    """A learner-facing check: ``check.NAME(candidate)`` and ``check.NAME.hint()``."""

    def __init__(self, name: str, func: Callable, hints: Hints | None):
        self.name = name
        self.func = func
        self.hints = hints.tiers() if hints else []
        self._hints_shown = 0
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    def __call__(self, candidate, **options) -> None:
        """Return None when ``candidate`` is right; raise AssertionError saying why not.

        The error is a :class:`~autograder.feedback.CheckFailure` (an AssertionError)
        raised afresh here, so that a notebook shows its message and nothing else.
        """
        try:
            self.func(candidate, **options)
        except CheckFailure as failure:
            raise CheckFailure(str(failure)) from None
        print(f"✔ {self.name}: correct.")

    def hint(self, number: int | None = None) -> None:
        """Show the next hint (or hint ``number``, counting from 1): the idea, then the
        formula, then code that gives the answer away."""
        if not self.hints:
            print(f"No hint for {self.name}.")
            return
        if number is None:
            number = min(self._hints_shown + 1, len(self.hints))
        number = max(1, min(number, len(self.hints)))
        self._hints_shown = max(self._hints_shown, number)
        label, body = self.hints[number - 1]
        separator = "\n\n" if body.startswith("```") else " "  # a code block starts on its own line
        text = f"**Hint {number} of {len(self.hints)} for `{self.name}` · {label}:**{separator}{body}"
        if number < len(self.hints):
            text += f"\n\n(Run `check.{self.name}.hint()` again for the next hint.)"
        try:
            from IPython.display import Markdown, display
            from IPython import get_ipython
            if get_ipython() is not None:
                display(Markdown(text))
                return
        except ImportError:
            pass
        plain = "\n".join(line for line in text.splitlines() if not line.startswith("```"))
        print(plain.replace("**", "").replace("`", ""))

    def __repr__(self) -> str:
        return f"<check for {self.name}(): call it with your function; .hint() for help>"


def graded(name: str, hints: Hints | None = None) -> Callable[[Callable], Callable]:
    """Register the decorated function as the check of the graded function ``name``."""

    def register(func: Callable) -> Callable:
        if name in _REGISTRY:
            raise RuntimeError(f"two checks are registered for {name!r}")
        _REGISTRY[name] = Check(name, func, hints)
        return func

    return register


def registry() -> dict[str, Check]:
    """All checks, after importing every module of this package once."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return _REGISTRY
