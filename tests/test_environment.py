"""The set-up files agree: pyproject.toml is the single list of packages; environment.yml
must mirror it, and the installed package must carry its version."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import autograder

from conftest import ROOT


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower()


def test_environment_yml_installs_the_project_with_every_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    text = (ROOT / "environment.yml").read_text()
    pip_lines = re.findall(r"^\s{6}- (.+)$", text, flags=re.MULTILINE)
    assert pip_lines == ['-e ".[all]"']  # no second list of versions to keep in step
    assert set(project["optional-dependencies"]["all"][0].split("[")[1].rstrip("]").split(",")) == \
        set(project["optional-dependencies"]) - {"all"}
    python_floor = re.search(r">=(\d+\.\d+)", project["requires-python"]).group(1)
    assert f"python={python_floor}" in text


def test_package_version_comes_from_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert autograder.__version__ == project["version"]


def test_kernel_spec_is_installed_for_this_python():
    import json
    import sys
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("cnn-course")
    assert Path(spec.argv[0]).parent == Path(sys.executable).parent  # this venv's Python
    assert spec.env["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert json.loads((ROOT / "solutions" / "01_images_as_arrays" / "01_images_as_arrays.ipynb").read_text()
                      )["metadata"]["kernelspec"]["name"] == "cnn-course"


def test_check_environment_reports_each_package(capsys, monkeypatch):
    from autograder import check_environment, environment

    assert check_environment() is True
    out = capsys.readouterr().out
    assert "✔ numpy" in out and "✔ tensorflow" in out and "Everything is in place." in out
    for tool in ("pytest", "nbgrader", "jupyter-book", "nbval"):  # extras, not a learner's business
        assert tool not in out

    real_version = environment.metadata.version

    def older_numpy(name):
        return "1.26.4" if name == "numpy" else real_version(name)

    monkeypatch.setattr(environment.metadata, "version", older_numpy)
    assert check_environment() is False
    out = capsys.readouterr().out
    assert "✘ numpy" in out and "pip install 'numpy" in out and "1 package(s) need attention." in out


def test_the_grading_images_pins_meet_pyproject():
    """grading/constraints.txt (the Containerfile's pinned environment) pins every core and
    instructor requirement, at a version pyproject.toml still allows."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = dict(line.split("==") for line in (ROOT / "grading" / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    pins = {canonicalize_name(name): version for name, version in pins.items()}
    for text in project["dependencies"] + project["optional-dependencies"]["instructor"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"grading/constraints.txt lacks {name}: regenerate it (see its header)"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"grading/constraints.txt pins {name}=={pins[name]}, outside pyproject.toml's {requirement}"


def test_tests_that_need_the_tools_wait_for_their_background_build(tmp_path):
    """`make test` builds the test tools while other tests run; conftest.wait_for_test_tools
    returns once they are built and fails a waiting test, with the build's log, otherwise."""
    import subprocess
    import threading

    import pytest

    from conftest import wait_for_test_tools

    state, log = tmp_path / "state", tmp_path / "log"
    log.write_text("apt: bubblewrap installed\nuv: the Colab runtime failed to resolve\n")
    wait_for_test_tools(state, log)  # no build under way: tools made by hand

    state.write_text("0\n")
    wait_for_test_tools(state, log)

    state.write_text("2\n")
    with pytest.raises(pytest.fail.Exception, match="exit status 2(.|\n)*Colab runtime failed"):
        wait_for_test_tools(state, log)

    gone = subprocess.Popen(["true"])
    gone.wait()
    state.write_text(f"building {gone.pid}\n")
    with pytest.raises(pytest.fail.Exception, match="interrupted"):
        wait_for_test_tools(state, log)

    builder = subprocess.Popen(["sleep", "30"])
    try:
        state.write_text(f"building {builder.pid}\n")
        with pytest.raises(pytest.fail.Exception, match="not built within"):
            wait_for_test_tools(state, log, limit_s=0.5)
        threading.Timer(1.0, lambda: state.write_text("0\n")).start()
        wait_for_test_tools(state, log, limit_s=30)  # returns when the build reports success
    finally:
        builder.kill()
        builder.wait()
