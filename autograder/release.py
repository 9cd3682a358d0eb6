"""Publishing a version of the course (instructors; docs/release.md walks through it).

    autograder release build [--out dist]   the wheel and sdist learners install, and the
                                           learner copy of the notebooks (dist/learner/)
    autograder release check [--out dist]   refuses to publish until everything is in place

What learners receive holds no answers and no hidden tests: the package carries checks,
hints, loaders, data and models; the learner copy carries the notebooks of ``course/``
(answers stubbed, hidden tests removed by nbgrader) and a README. The instructor
notebooks in ``solutions/`` stay in the instructor's repository.

The Colab badge and set-up cell of every notebook point at the configured learner
repository, at the tag of this version, and install this version from the package
index. So ``check`` refuses while the repository URL is still a placeholder or the tag
does not exist, and it looks inside the built files for anything that must not ship.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import authoring, paths

PLACEHOLDER = re.compile(r"/OWNER/|example\.(com|org)|your[-_]", re.IGNORECASE)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
LEARNER_SECTION = re.compile(r"<!-- learners: begin.*?-->\n(.*?)<!-- learners: end -->", re.DOTALL)


@dataclass(frozen=True)
class Artifacts:
    """What a release publishes."""
    wheel: Path
    sdist: Path
    learner: Path  # the folder to push to the learner repository


def build(out: Path, root: Path | None = None) -> Artifacts:
    """Build the wheel and sdist (with the standard build tool) and the learner copy."""
    root = root or paths.repo_root()
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.whl"), *out.glob("*.tar.gz")]:
        old.unlink()
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(root)], check=True,
                   capture_output=True, text=True)
    learner = build_learner_copy(out / "learner", root)
    return Artifacts(next(out.glob("*.whl")), next(out.glob("*.tar.gz")), learner)


def build_learner_copy(target: Path, root: Path | None = None) -> Path:
    """course/ (every assignment's learner notebook and files) plus a README, in ``target``."""
    root = root or paths.repo_root()
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(paths.course_dir(root), target / "course",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (target / "README.md").write_text(learner_readme(root))
    return target


def learner_readme(root: Path | None = None) -> str:
    """The learner copy's README: the title and the "For learners" section of README.md."""
    from autograder.site import TITLE

    root = root or paths.repo_root()
    release = authoring.course_release(root)
    section = LEARNER_SECTION.search((root / "README.md").read_text(encoding="utf-8"))
    if section is None:
        raise ValueError("README.md has no section between <!-- learners: begin --> and <!-- learners: end -->")
    return f"# {TITLE} (version {release.version})\n\n{section.group(1)}"


def _squash(text: str) -> str:
    return " ".join(text.split())


def answer_blocks(root: Path | None = None, kind: str = "SOLUTION") -> list[str]:
    """Every ``kind`` region ("SOLUTION" or "HIDDEN TESTS") of the notebook sources,
    whitespace squashed (regions too short to be telling are left out)."""
    root = root or paths.repo_root()
    blocks: list[str] = []
    for assignment in paths.assignments(root):
        region: list[str] | None = None
        for line in paths.source_path(assignment, root).read_text(encoding="utf-8").splitlines():
            if f"BEGIN {kind}" in line:
                region = []
            elif f"END {kind}" in line and region is not None:
                if len(_squash("\n".join(region))) >= 40:
                    blocks.append(_squash("\n".join(region)))
                region = None
            elif region is not None:
                region.append(line)
    return blocks


def _texts(artifact: Path):
    """(name, text) of every notebook (its cells' sources), Python and text file inside a
    wheel, sdist or folder."""
    for name, raw in _files(artifact):
        text = raw.decode("utf-8", errors="replace")
        if name.endswith(".ipynb"):
            text = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
        yield name, text


def _files(artifact: Path):
    wanted = (".ipynb", ".py", ".md", ".txt")
    if artifact.is_dir():
        for path in sorted(artifact.rglob("*")):
            if path.is_file() and path.suffix in wanted:
                yield str(path.relative_to(artifact)), path.read_bytes()
    elif artifact.suffix == ".whl":
        with zipfile.ZipFile(artifact) as archive:
            for name in archive.namelist():
                if name.endswith(wanted):
                    yield name, archive.read(name)
    else:
        with tarfile.open(artifact) as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name.endswith(wanted):
                    yield member.name, archive.extractfile(member).read()


def leaks(artifact: Path, root: Path | None = None) -> list[str]:
    """Where ``artifact`` holds instructor material: solution sources or notebooks, a
    hidden test anywhere, or, in a notebook, nbgrader's markers or a solution's code.
    (The package's checks compute the right answers with trusted code of their own, which
    may coincide with a short solution; that is not a leak, a hidden test is.)"""
    hidden, solutions = answer_blocks(root, "HIDDEN TESTS"), answer_blocks(root, "SOLUTION")
    problems = []
    for name, text in _texts(artifact):
        if name.endswith(paths.SOURCE_SUFFIX) or re.search(r"(^|/)solutions/", name):
            problems.append(f"{name}: an instructor file")
            continue
        notebook = name.endswith(".ipynb")
        if notebook and any(marker in text for marker in MARKERS):
            problems.append(f"{name}: nbgrader markers of answers or hidden tests")
        squashed = _squash(text)
        shown = next((block for block in hidden + (solutions if notebook else []) if block in squashed), None)
        if shown:
            problems.append(f"{name}: holds the answer or hidden test starting {shown[:60]!r}")
    return problems


def problems_before_publishing(artifacts: Artifacts | None, root: Path | None = None) -> list[str]:
    """Everything that stops a release, in words (empty when it can be published)."""
    root = root or paths.repo_root()
    release = authoring.course_release(root)
    problems = []
    if PLACEHOLDER.search(release.learner_repository):
        problems.append(f"the learner repository in pyproject.toml ([tool.cnn-course]) is a placeholder: "
                        f"{release.learner_repository}")
    tag = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"refs/tags/{release.tag}^{{commit}}"],
                         capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if not tag:
        problems.append(f"the tag {release.tag} does not exist: `git tag {release.tag}` on the commit you publish")
    elif tag != head:
        problems.append(f"the tag {release.tag} is not the checked-out commit")
    if artifacts is not None:
        for artifact in (artifacts.wheel, artifacts.sdist, artifacts.learner):
            problems += [f"{artifact.name}: {leak}" for leak in leaks(artifact, root)]
        if f"-{release.version}-" not in artifacts.wheel.name:
            problems.append(f"{artifacts.wheel.name} is not version {release.version}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder release", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["build", "check"])
    parser.add_argument("--out", default="dist", help="where to build (default: dist/)")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    artifacts = build(out)
    print(f"built {artifacts.wheel.name}, {artifacts.sdist.name} and the learner copy {artifacts.learner}")
    if args.action == "build":
        return 0
    problems = problems_before_publishing(artifacts)
    for problem in problems:
        print(f"✘ {problem}")
    print("Ready to publish." if not problems else f"Not ready: {len(problems)} problem(s).")
    return 1 if problems else 0
