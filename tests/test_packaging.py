"""What learners install and receive: the wheel and sdist built with the standard build tool,
the learner copy of the notebooks, and the release check.

The wheel must carry everything a learner needs (checks, hints, loaders, data, models) and
nothing of the instructor's (answers, hidden tests); installed on its own, not editable,
into a clean virtual environment, it must run one check of every assignment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import authoring, models, paths, release
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "support"))
import learner_env  # noqa: E402

pytestmark = [pytest.mark.xdist_group("packaging"),  # one build, one clean install
              pytest.mark.needs_test_tools]

ASSIGNMENTS = paths.assignments(ROOT)


@pytest.fixture(scope="session")
def artifacts(release_artifacts) -> release.Artifacts:
    return release_artifacts


def _wheel_names(artifacts) -> list[str]:
    with zipfile.ZipFile(artifacts.wheel) as archive:
        return archive.namelist()


def test_pyproject_lists_every_package_of_the_source_tree():
    """setuptools is given the package list (data/ is mapped in), so a new subpackage must be added."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "autograder").rglob("__init__.py")}
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"


def test_wheel_carries_every_module_and_every_data_file(artifacts):
    names = set(_wheel_names(artifacts))
    for module in (ROOT / "autograder").rglob("*.py"):
        assert module.relative_to(ROOT).as_posix() in names, f"{module} is missing from the wheel"
    for data in (ROOT / "data").rglob("*"):
        if data.is_file() and "__pycache__" not in data.parts:
            assert f"autograder/files/{data.relative_to(ROOT / 'data').as_posix()}" in names, \
                f"{data} is missing from the wheel (add its pattern to [tool.setuptools.package-data])"


def test_learner_dependencies_leave_out_instructor_and_developer_tools(artifacts):
    with zipfile.ZipFile(artifacts.wheel) as archive:
        metadata = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("METADATA"))
    core = [line.split(": ", 1)[1] for line in metadata.splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line]
    names = {re_name(requirement) for requirement in core}
    assert {"numpy", "tensorflow", "keras", "scikit-image"} <= names
    for tool in ("nbgrader", "jupyter-book", "pytest", "nbval", "mlxtend", "pandas", "scikit-learn",
                 "tensorflow-cpu", "jupyterlab"):
        assert tool not in names, f"{tool} is a learner dependency"
    assert "Requires-Python: <3.14,>=3.11" in metadata


def re_name(requirement: str) -> str:
    import re

    return re.split(r"[<>=!~;\[ (]", requirement.strip(), maxsplit=1)[0].lower()


@pytest.mark.parametrize("kind", ["wheel", "sdist", "learner"])
def test_published_files_hold_no_answers_or_hidden_tests(artifacts, kind):
    assert release.leaks(getattr(artifacts, kind), ROOT) == []


def test_leak_scan_finds_a_solution_notebook(tmp_path):
    """The scan is not blind: a learner copy that holds an instructor notebook is caught."""
    leaky = release.build_learner_copy(tmp_path / "learner", ROOT)
    solution = paths.solution_notebook(ASSIGNMENTS[0], ROOT)
    (leaky / "course" / ASSIGNMENTS[0] / "answers.ipynb").write_bytes(solution.read_bytes())
    problems = release.leaks(leaky, ROOT)
    assert any("answers.ipynb" in problem for problem in problems)


def test_learner_copy_has_every_learner_notebook(artifacts):
    for assignment in ASSIGNMENTS:
        copied = artifacts.learner / "course" / assignment / f"{assignment}.ipynb"
        assert copied.read_bytes() == paths.course_notebook(assignment, ROOT).read_bytes()
    readme = (artifacts.learner / "README.md").read_text()
    release_config = authoring.course_release(ROOT)
    assert f"{release_config.package}[lab]=={release_config.version}" in readme


def test_release_check_refuses_a_placeholder_repository_and_a_missing_tag(artifacts):
    problems = release.problems_before_publishing(artifacts, ROOT)
    assert any("placeholder" in p for p in problems)
    assert any(f"v{authoring.course_release(ROOT).version}" in p for p in problems)


def _tiny_course(root: Path, repository: str) -> None:
    text = (ROOT / "pyproject.toml").read_text().replace(authoring.course_release(ROOT).learner_repository,
                                                         repository)
    (root / "pyproject.toml").write_text(text)
    (root / "solutions" / "01_a").mkdir(parents=True)
    (root / "solutions" / "01_a" / "01_a.nb.py").write_text("# %%\nx = 1\n")
    (root / "course" / "01_a").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), root / "course" / "01_a" / "01_a.ipynb")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "course"], check=True)


def test_release_check_passes_once_the_repository_and_tag_are_set(tmp_path):
    _tiny_course(tmp_path, "https://github.com/some-university/cnn-course")
    version = authoring.course_release(tmp_path).version
    assert any("does not exist" in p for p in release.problems_before_publishing(None, tmp_path))
    subprocess.run(["git", "-C", str(tmp_path), "tag", f"v{version}"], check=True)
    assert release.problems_before_publishing(None, tmp_path) == []
    (tmp_path / "later.txt").write_text("a commit after the tag")
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org",
                    "commit", "-qam", "later", "--allow-empty"], check=True)
    assert any("not the checked-out commit" in p for p in release.problems_before_publishing(None, tmp_path))


# ---------------------------------------------------------------------------------------
# The wheel on its own, in a clean environment


def _first_exercise_script(assignment: str) -> str:
    """The learner notebook up to its first exercise, then the solution's answer to that
    exercise and the learner notebook's test cell for it."""
    learner = nbformat.read(paths.course_notebook(assignment, ROOT), as_version=4)
    solution = nbformat.read(paths.solution_notebook(assignment, ROOT), as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    code = []
    for cell in learner.cells:
        if cell.cell_type != "code":
            continue
        role = cell.metadata.get("nbgrader", {})
        code.append(answers[role["grade_id"]] if role.get("solution") else cell.source)
        if role.get("grade"):
            break
    return "\n\n".join(code) + "\n"


@pytest.fixture(scope="session")
def learner_venv(artifacts) -> Path:
    """The learner's clean environment (made by `make test-tools`), with this wheel put in
    again, offline and without its dependencies, which must already be satisfied."""
    python = learner_env.python_of(learner_env.VENV)
    assert python.exists(), "the learner environment is missing: `make test-tools` makes it"
    env = learner_env.pip_environment()
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--force-reinstall",
                    str(artifacts.wheel)], check=True, env=env)
    broken = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True, env=env)
    assert broken.returncode == 0, broken.stdout
    return python


@pytest.mark.parametrize("platform", sorted(learner_env.PLATFORMS))
@pytest.mark.parametrize("python", learner_env.PYTHONS)
def test_requirements_resolve_on_every_learner_platform(platform, python):
    """Every requirement has a wheel there, TensorFlow included (not tensorflow-cpu, which
    has no macOS wheel and would install over Colab's TensorFlow)."""
    lock = learner_env.report_path(platform, python)
    assert lock.exists(), "`make test-tools` resolves the requirements for every platform"
    wheels = learner_env.locked_wheels(lock)
    tag = {"linux-x86_64": "x86_64", "linux-aarch64": "aarch64", "macos-arm64": "macosx",
           "windows-x86_64": "win_amd64"}[platform]
    tensorflow = wheels.get("tensorflow", "")
    assert tag in tensorflow and f"cp{python.replace('.', '')}" in tensorflow, tensorflow
    assert {"keras", "numpy", "scikit-image", "opencv-python-headless"} <= set(wheels)
    assert "tensorflow-cpu" not in wheels


def test_installed_wheel_is_not_the_source_tree(learner_venv, tmp_path):
    result = subprocess.run([str(learner_venv), "-c", "import autograder, autograder.paths as p; "
                             "print(autograder.__file__); print(p.data_dir())"],
                            capture_output=True, text=True, cwd=tmp_path, check=True)
    module, data = result.stdout.split()
    assert "site-packages" in module and "site-packages" in data
    assert not module.startswith(str(ROOT / "autograder")) and not data.startswith(str(ROOT / "data"))


# Packages of the extras, which a learner's core install (a hub image, Colab) may not have.
NOT_IN_THE_CORE = ["nbformat", "nbclient", "nbgrader", "ipywidgets", "jupyterlab", "pytest"]
CORE_ONLY_PROBE = f"""
import importlib, pkgutil, sys
for name in {NOT_IN_THE_CORE!r}:
    sys.modules[name] = None  # `import name` now fails as if it were not installed
import numpy as np
import autograder.checks, autograder.models as models
for module in pkgutil.iter_modules(autograder.checks.__path__):
    importlib.import_module("autograder.checks." + module.name)
for name in models.SHIPPED:
    model = models.load(name)
    print(name, model(np.zeros((1,) + tuple(model.input_shape[1:]), "float32")).shape)
"""


def test_core_install_imports_every_check_and_loads_the_models_without_the_extras(learner_venv, tmp_path):
    result = subprocess.run([str(learner_venv), "-c", CORE_ONLY_PROBE], capture_output=True, text=True,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": "", "COURSE_ROOT": ""}, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(name in result.stdout for name in models.SHIPPED), result.stdout


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_installed_wheel_runs_each_learner_notebook_to_its_first_check(learner_venv, assignment, tmp_path):
    script = tmp_path / f"{assignment}.ipy"
    script.write_text(_first_exercise_script(assignment))
    env = {**os.environ, "MPLBACKEND": "Agg", "COURSE_OFFLINE": "1", "COURSE_QUICK": "1",
           "PYTHONPATH": "", "COURSE_ROOT": ""}
    result = subprocess.run([str(learner_venv), "-m", "IPython", "--no-banner", "--quick", str(script)],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=900)
    assert result.returncode == 0 and "✔" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr


def test_readme_install_commands_pin_this_version():
    import re

    release_config = authoring.course_release(ROOT)
    pins = re.findall(rf"{re.escape(release_config.package)}\[\w+\]==([\w.]+)", (ROOT / "README.md").read_text())
    assert pins and set(pins) == {release_config.version}, f"README.md pins {sorted(set(pins))}"
