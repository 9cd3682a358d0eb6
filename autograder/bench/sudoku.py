"""``autograder bench sudoku DATASET_DIR [--notebook PATH] [--half even|odd]``: how well a
notebook's ``read_sudoku`` reads a folder of Sudoku photos.

The folder holds photos ``imageN.jpg`` with their truth ``imageN.dat`` (line 1 the camera,
line 2 the image size, then 9 lines of 9 digits, 0 for an empty cell); photos without a
``.dat`` are skipped. The photos are read with their pixels as stored (an EXIF orientation
tag is ignored, as it was when the truth was written). ``--half even`` (``odd``) keeps the
photos whose N is even (odd): a fixed split of a development set into a half to tune on
and a half to validate on.

``read_sudoku`` comes from the notebook at PATH (default: the solution notebook of
``09_sudoku_ocr``), loaded with :func:`autograder.notebook.load_functions`. One untimed
call on the first photo loads the model first, so the times exclude model loading.

Output: one line per photo (cells wrong, time, and every wrong cell as ``r1c5 6>8``: row 1,
column 5, truth 6, read 8), then one summary line::

    photos N grids_correct K cells_accuracy X digits_accuracy Y ms_per_photo Z cpu_ms_per_photo C

``cells_accuracy`` counts all 81 cells of every photo, ``digits_accuracy`` only the cells
whose truth is a digit, ``ms_per_photo`` is the median wall-clock time of one
``read_sudoku`` call and ``cpu_ms_per_photo`` the median processor time it used (all its
threads): on a machine shared with other work the wall-clock time grows with the load,
the processor time much less. A photo on which ``read_sudoku`` raises counts as 81 wrong
cells.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder import paths

ASSIGNMENT = "09_sudoku_ocr"


def load_truth(path: Path) -> np.ndarray:
    lines = path.read_text().splitlines()
    grid = np.array([[int(v) for v in line.split()] for line in lines[2:11]])
    if grid.shape != (9, 9):
        raise ValueError(f"{path}: expected 9 lines of 9 digits after the two header lines")
    return grid


def load_photo(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def dataset(folder: Path) -> list[tuple[Path, Path]]:
    """(photo, truth) pairs of the folder, in the order of N."""
    pairs = [(jpg, jpg.with_suffix(".dat")) for jpg in folder.glob("image*.jpg")]
    return sorted([(jpg, dat) for jpg, dat in pairs if dat.exists()], key=lambda pair: _number(pair[0]))


@dataclass
class Result:
    name: str
    cells_wrong: int
    digits_wrong: int
    digits: int
    seconds: float
    error: str = ""
    cpu_seconds: float = 0.0
    wrong_cells: str = ""  # "r1c5 6>8 r9c9 5>0": row, column, truth > read


def half(pairs: list[tuple[Path, Path]], which: str) -> list[tuple[Path, Path]]:
    """The pairs whose photo number N is even (``which="even"``) or odd."""
    if which not in ("even", "odd"):
        raise ValueError(f"half must be 'even' or 'odd', got {which!r}")
    return [pair for pair in pairs if (_number(pair[0]) % 2 == 0) == (which == "even")]


def _number(path: Path) -> int:
    match = re.search(r"(\d+)$", path.stem)
    return int(match.group(1)) if match else -1


def _describe_wrong(truth: np.ndarray, got: np.ndarray) -> str:
    return " ".join(f"r{r + 1}c{c + 1} {truth[r, c]}>{got[r, c]}" for r, c in np.argwhere(got != truth))


def evaluate(read_sudoku, pairs: list[tuple[Path, Path]], echo=print) -> list[Result]:
    """Run read_sudoku on every photo; echo one line per photo."""
    results = []
    if pairs:
        try:
            read_sudoku(load_photo(pairs[0][0]))  # loads the model: not timed
        except Exception:  # noqa: BLE001 - reported below, photo by photo
            pass
    for jpg, dat in pairs:
        truth = load_truth(dat)
        image = load_photo(jpg)
        start, cpu_start = time.perf_counter(), time.process_time()
        error, described = "", ""
        try:
            got = np.asarray(read_sudoku(image))
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
            if got.shape != (9, 9):
                raise ValueError(f"read_sudoku returned shape {got.shape}, not (9, 9)")
            wrong = got != truth
            described = _describe_wrong(truth, got)
        except Exception as exc:  # noqa: BLE001 - a failing photo must not stop the benchmark
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
            error = f"{type(exc).__name__}: {exc}"
            wrong = np.ones((9, 9), bool)
        result = Result(jpg.name, int(wrong.sum()), int((wrong & (truth > 0)).sum()), int((truth > 0).sum()),
                        seconds, error, cpu_seconds, described)
        results.append(result)
        echo(f"{result.name:16s} cells_wrong {result.cells_wrong:2d}  ms {1000 * seconds:7.1f}"
             + (f"  error {error}" if error else "") + (f"  {described}" if described else ""))
    return results


def summary(results: list[Result]) -> str:
    n = len(results)
    cells = 81 * n
    digits = sum(r.digits for r in results)
    cells_accuracy = 1 - sum(r.cells_wrong for r in results) / cells if cells else 0.0
    digits_accuracy = 1 - sum(r.digits_wrong for r in results) / digits if digits else 0.0
    ms = 1000 * float(np.median([r.seconds for r in results])) if results else 0.0
    cpu_ms = 1000 * float(np.median([r.cpu_seconds for r in results])) if results else 0.0
    grids = sum(r.cells_wrong == 0 for r in results)
    return (f"photos {n} grids_correct {grids} cells_accuracy {cells_accuracy:.4f} "
            f"digits_accuracy {digits_accuracy:.4f} ms_per_photo {ms:.1f} cpu_ms_per_photo {cpu_ms:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder bench sudoku", description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="folder with imageN.jpg and imageN.dat files")
    parser.add_argument("--notebook", help="notebook whose read_sudoku to run "
                                           "(default: the solution of 09_sudoku_ocr)")
    parser.add_argument("--half", choices=("even", "odd"),
                        help="only the photos whose number N is even (or odd)")
    args = parser.parse_args(argv)
    folder = Path(args.dataset)
    if not folder.is_dir():
        print(f"no such folder: {folder}")
        return 2
    pairs = dataset(folder)
    if args.half:
        pairs = half(pairs, args.half)
    if not pairs:
        print(f"{folder} holds no imageN.jpg with an imageN.dat beside it")
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    notebook = Path(args.notebook) if args.notebook else paths.solution_notebook(ASSIGNMENT)
    from autograder.notebook import load_functions

    try:
        read_sudoku = load_functions(notebook, ["read_sudoku"])["read_sudoku"]
    except (KeyError, OSError, SyntaxError) as error:
        print(f"cannot load read_sudoku from {notebook}: {error}")
        return 2
    results = evaluate(read_sudoku, pairs)
    print(summary(results), flush=True)
    return 0
