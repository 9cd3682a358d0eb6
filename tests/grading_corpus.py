"""The class of submissions the grading tests use (issues 7 and 14).

Built from the solution and learner notebooks of assignment 01: honest submissions (full
marks, blank, partial), broken ones (infinite loops, a kernel that exits or runs out of
memory, invalid JSON, a missing notebook, duplicated, deleted and retyped graded cells),
tampering (edited or silenced test cells, checks patched from student code, forged
outputs, reading the hidden tests or writing the grades, shadow modules, links) and the
hostile submissions of issue 14 (fork and thread bombs, processes outliving their cell,
the network, classmates' kernels, memory split over processes, disk fill, the grader's
environment and /proc, signals, lying objects, forged metadata, thousands of cells, a
50 MB notebook, hard and symbolic links, deep folder trees, odd names, output floods).
Each :class:`Case` says which graded functions must pass and which status it must get.
"""

from __future__ import annotations

import copy
import csv
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from conftest import ROOT, subprocess_env

ASSIGNMENT = "01_images_as_arrays"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOLUTION = ROOT / "solutions" / ASSIGNMENT / NOTEBOOK
RELEASE = ROOT / "course" / ASSIGNMENT / NOTEBOOK
TIMEOUT_S = 15  # per cell: the solution's longest cell takes about a second, but CI machines are loaded
SOLUTIONS_COPY = Path(f"/tmp/autograder-test-course-copy-{os.getuid()}")  # a world-readable copy elsewhere
MEMORY_MB = 1536


S = nbformat.read(str(SOLUTION), as_version=4)
R = nbformat.read(str(RELEASE), as_version=4)


def _meta(cell) -> dict:
    meta = cell.metadata.get("nbgrader")
    return meta if isinstance(meta, dict) else {}


FUNCTIONS = [_meta(c)["grade_id"] for c in S.cells if _meta(c).get("solution")]
POINTS = {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in S.cells if _meta(c).get("grade")}
# each graded function's test cell is the first test cell after its answer cell
TEST_OF = {}
for _number, _cell in enumerate(S.cells):
    if _meta(_cell).get("solution"):
        TEST_OF[_meta(_cell)["grade_id"]] = next(_meta(c)["grade_id"] for c in S.cells[_number:] if _meta(c).get("grade"))
MAX_SCORE = sum(POINTS.values())


# --------------------------------------------------------------------------------------
# Building submissions


def index_of(notebook, grade_id: str) -> int:
    return next(i for i, c in enumerate(notebook.cells) if _meta(c).get("grade_id") == grade_id)


def solved(notebook, *names: str):
    """A copy of ``notebook`` with the instructor's answers for ``names``."""
    notebook = copy.deepcopy(notebook)
    for name in names:
        notebook.cells[index_of(notebook, name)].source = S.cells[index_of(S, name)].source
    return notebook


def with_answer(notebook, name: str, source: str):
    notebook = copy.deepcopy(notebook)
    notebook.cells[index_of(notebook, name)].source = source
    return notebook


def insert_after(notebook, grade_id: str | None, source: str):
    """Insert a code cell after the cell ``grade_id`` (None: after the first code cell, the imports)."""
    notebook = copy.deepcopy(notebook)
    if grade_id is None:
        position = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code") + 1
    else:
        position = index_of(notebook, grade_id) + 1
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"inserted-{position}"  # not a random id: the same submission in every course built
    notebook.cells.insert(position, cell)
    return notebook


def all_answers(notebook, body: str):
    """Every graded function replaced by ``def NAME(*args, **kwargs):`` + ``body``."""
    for name in FUNCTIONS:
        notebook = with_answer(notebook, name, f"def {name}(*args, **kwargs):\n" + body)
    return notebook


@dataclass
class Case:
    student: str
    build: Callable[[Path], object]           # returns a notebook, bytes, or None (writes itself)
    passing: tuple[str, ...]                   # graded functions whose tests must pass
    status: set[str] = field(default_factory=set)  # flags the status must contain ("ok": exactly ok)
    about: str = ""

    @property
    def score(self) -> float:
        return sum(POINTS[TEST_OF[name]] for name in self.passing)


def submission_folder(course: Path, student: str) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def blank(_course):
    return R


def full(_course):
    return S


def partial(_course):
    return solved(R, FUNCTIONS[0], FUNCTIONS[2])


def wrong_formula(_course):
    # red and blue weights swapped: a typical mistake the check must reject
    source = S.cells[index_of(S, "to_grayscale")].source.replace("0.299 * red", "0.299 * blue") \
        .replace("0.114 * blue", "0.114 * red")
    return with_answer(S, "to_grayscale", source)


def loop_in_function(_course):
    return with_answer(S, "resize_nearest", "def resize_nearest(image, shape):\n    while True:\n        pass\n")


def loop_ignoring_interrupts(_course):
    return insert_after(S, "to_grayscale", "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                                           "    except KeyboardInterrupt:\n        pass\n")


def exit_cell(_course):
    return insert_after(S, "to_grayscale", "import os\nos._exit(1)\n")


def exit_in_function(_course):
    return with_answer(S, "dense_params", "def dense_params(n_inputs, n_hidden):\n    import os\n    os._exit(0)\n")


def memory_bomb(_course):
    return with_answer(S, "resize_nearest", (
        "def resize_nearest(image, shape):\n"
        "    import numpy as np\n"
        "    hog = []\n"
        "    for _ in range(64):  # 64 × 64 MB\n"
        "        hog.append(np.ones(2**23))\n"
        "    return hog\n"))


def invalid_json(_course):
    text = nbformat.writes(S)
    return text[: len(text) // 2].encode()


def missing_notebook(course):
    folder = submission_folder(course, "s11_missing_notebook")
    nbformat.write(S, str(folder / f"{ASSIGNMENT} (1).ipynb"))  # misnamed copy
    (folder / "notes.txt").write_text("I could not find the notebook\n")
    return None


def duplicated_cells(_course):
    notebook = copy.deepcopy(S)
    test = copy.deepcopy(notebook.cells[index_of(notebook, TEST_OF["to_grayscale"])])
    notebook.cells.insert(0, copy.deepcopy(test))
    notebook.cells.append(test)
    answer = copy.deepcopy(notebook.cells[index_of(notebook, "dense_params")])
    wrong = copy.deepcopy(answer)
    wrong.source = "def dense_params(n_inputs, n_hidden):\n    return 0\n"
    notebook.cells.insert(index_of(notebook, "dense_params"), wrong)  # an earlier, wrong copy
    for number, cell in enumerate(notebook.cells):
        cell.id = f"c{number}"
    return notebook


def deleted_cells(_course):
    notebook = copy.deepcopy(S)
    doomed = set(TEST_OF.values()) | {"resize_nearest"}
    notebook.cells = [c for c in notebook.cells if _meta(c).get("grade_id") not in doomed]
    return notebook


def retyped_cells(_course):
    notebook = copy.deepcopy(S)
    for grade_id, kind in ((TEST_OF["to_grayscale"], "markdown"), (TEST_OF["dense_params"], "raw"),
                           ("resize_nearest", "markdown")):
        index = index_of(notebook, grade_id)
        old = notebook.cells[index]
        new = (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_raw_cell)(old.source)
        new.metadata = old.metadata
        notebook.cells[index] = new
    return notebook


def edited_tests(_course):
    notebook = copy.deepcopy(R)
    for name, test in TEST_OF.items():
        notebook.cells[index_of(notebook, test)].source = f'print("✔ {name}: correct.")'
    return notebook


def silenced_tests(_course):
    notebook = copy.deepcopy(R)
    first, second, third = (notebook.cells[index_of(notebook, TEST_OF[n])] for n in FUNCTIONS)
    del first.metadata["nbgrader"]
    second.metadata["nbgrader"]["grade"] = False
    second.metadata["tags"] = ["raises-exception"]
    third.metadata["nbgrader"]["points"] = 100.0
    third.metadata["nbgrader"]["solution"] = True
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def patch_checks(_course):
    return insert_after(R, None, (
        "import autograder.check, autograder.feedback, autograder.checks as checks\n"
        "checks.Check.__call__ = lambda self, *args, **kwargs: None\n"
        "for found in checks.registry().values():\n"
        "    found.func = lambda *args, **kwargs: None\n"
        "autograder.feedback.fail = lambda message: None\n"
        "autograder.feedback.call = lambda func, *args, **kwargs: None\n"))


def patch_numpy(_course):
    notebook = all_answers(R, "    import numpy as np\n    return np.zeros((1, 1))\n")
    return insert_after(notebook, None, (
        "import numpy as np, numpy.testing\n"
        "np.allclose = lambda *args, **kwargs: True\n"
        "np.array_equal = lambda *args, **kwargs: True\n"
        "np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)\n"
        "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
        "np.testing.assert_array_equal = lambda *args, **kwargs: None\n"))


def patch_at_call_time(_course):
    return all_answers(R, (
        "    import numpy as np, autograder.feedback as fb\n"
        "    fb.expect_array.__code__ = (lambda got, expected, where, **kw: got).__code__\n"
        "    fb.expect_value.__code__ = (lambda got, expected, where, **kw: got).__code__\n"
        "    fb.fail.__code__ = (lambda message: None).__code__\n"
        "    np.allclose = lambda *a, **k: True\n"
        "    np.array_equal = lambda *a, **k: True\n"
        "    return 0\n"))


def patch_builtins_and_ipython(_course):
    return insert_after(R, None, (
        "import builtins, sys\n"
        "from IPython import get_ipython\n"
        "class Quiet(Exception):\n    pass\n"
        "builtins.AssertionError = Quiet\n"
        "builtins.NotImplementedError = Quiet\n"
        "builtins.print = lambda *args, **kwargs: None\n"
        "sys.excepthook = lambda *args: None\n"
        "shell = get_ipython()\n"
        "shell.showtraceback = lambda *args, **kwargs: None\n"
        "shell._showtraceback = lambda *args, **kwargs: None\n"
        "shell.set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"))


def exit_inside_tests(_course):
    return with_answer(R, FUNCTIONS[0], f"def {FUNCTIONS[0]}(*args, **kwargs):\n    import os\n    os._exit(0)\n")


def forged_output(course):
    notebook = copy.deepcopy(R)
    for name, test in TEST_OF.items():
        cell = notebook.cells[index_of(notebook, test)]
        cell.execution_count = 7
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"✔ {name}: correct.\n")]
    fake = nbformat.writes(S)
    target = course / "autograded" / "t08_forged_output" / ASSIGNMENT / NOTEBOOK
    return insert_after(notebook, None, (
        "import os, json\n"
        + "".join(f'print("✔ {name}: correct.")\n' for name in FUNCTIONS)
        + f"fake = {fake!r}\n"
        f"for path in ['{NOTEBOOK}', '../../autograded/t08_forged_output/{ASSIGNMENT}/{NOTEBOOK}', {str(target)!r}]:\n"
        "    try:\n"
        "        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)\n"
        "        open(path, 'w').write(fake)\n"
        "        print('wrote', path)\n"
        "    except Exception as error:\n"
        "        print('could not write', path, type(error).__name__)\n"))


def read_secrets(course):
    reads = [f"../../solutions/{ASSIGNMENT}/{NOTEBOOK}", str(course / "solutions" / ASSIGNMENT / NOTEBOOK),
             str(SOLUTIONS_COPY / NOTEBOOK), str(course / "grader-only.txt"),
             str(SOLUTION), str(course / "gradebook.db"),
             str(course / "submitted" / "s01_solution" / ASSIGNMENT / NOTEBOOK)]
    writes = [str(course / "grades.csv"), str(course / "gradebook.db"), str(course / "course" / ASSIGNMENT / NOTEBOOK),
              str(course / "submitted" / "s02_blank" / ASSIGNMENT / NOTEBOOK), str(SOLUTION)]
    return insert_after(R, None, (
        "import json\n"
        "from autograder import paths\n"
        f"reads = {reads!r} + [str(paths.repo_root() / 'solutions' / {ASSIGNMENT!r} / {NOTEBOOK!r})]\n"
        f"writes = {writes!r}\n"
        "attempts, stolen = {}, None\n"
        "for path in reads:\n"
        "    try:\n"
        "        text = open(path, encoding='utf-8', errors='replace').read()\n"
        "        attempts[path] = 'READ'\n"
        "        stolen = stolen or (text if text.startswith('{') else None)\n"
        "    except Exception as error:\n"
        "        attempts[path] = type(error).__name__\n"
        "for path in writes:\n"
        "    try:\n"
        "        with open(path, 'a') as handle:\n"
        "            handle.write('t09_read_secrets,01_images_as_arrays,8,8,ok\\n')\n"
        "        attempts[path + ' (write)'] = 'WROTE'\n"
        "    except Exception as error:\n"
        "        attempts[path + ' (write)'] = type(error).__name__\n"
        "print('ATTEMPTS ' + json.dumps(attempts))\n"
        "if stolen:\n"
        "    for cell in json.loads(stolen)['cells']:\n"
        "        if cell.get('metadata', {}).get('nbgrader', {}).get('solution'):\n"
        "            exec(''.join(cell['source']))\n"))


def shadow_modules(course):
    folder = submission_folder(course, "t10_shadow_modules")
    (folder / "autograder").mkdir()
    (folder / "autograder" / "__init__.py").write_text("")
    (folder / "autograder" / "check.py").write_text(
        "def __getattr__(name):\n    return lambda *args, **kwargs: print('✔ correct.')\n")
    (folder / "autograder" / "data.py").write_text("def sample_image(name):\n    return None\n")
    return R


def rebound_names(_course):
    notebook = all_answers(R, "    return None\n")
    return insert_after(notebook, None, (
        "class Anything:\n"
        "    def __getattr__(self, name):\n"
        "        return lambda *args, **kwargs: None\n"
        "    def __call__(self, *args, **kwargs):\n"
        "        return None\n"
        "check = Anything()\n"
        "np = Anything()\n"
        "sample_image = Anything()\n"
        "AssertionError = Exception\n"
        "len = lambda thing: 0\n"))


def linked_notebook(course):
    folder = submission_folder(course, "t11_linked_notebook")
    os.symlink(course / "solutions" / ASSIGNMENT / NOTEBOOK, folder / NOTEBOOK)
    return None


CORPUS = [
    Case("s01_solution", full, tuple(FUNCTIONS), {"ok"}, "the instructor's solution"),
    Case("s02_blank", blank, (), {"ok"}, "the learner notebook as released"),
    Case("s03_partial", partial, (FUNCTIONS[0], FUNCTIONS[2]), {"ok"}, "two of three answers"),
    Case("s04_wrong_formula", wrong_formula, tuple(FUNCTIONS[1:]), {"ok"}, "a typical mistake"),
    Case("s05_loop_in_function", loop_in_function, (FUNCTIONS[0], FUNCTIONS[2]), {"cell_timeout"},
         "an answer that never returns"),
    Case("s06_loop_ignoring_interrupts", loop_ignoring_interrupts, tuple(FUNCTIONS), {"cell_timeout", "kernel_died"},
         "a cell that swallows the interrupt: killed, kernel restarted, earlier cells replayed"),
    Case("s07_exit_cell", exit_cell, tuple(FUNCTIONS), {"kernel_died"}, "os._exit in a cell"),
    Case("s08_exit_in_function", exit_in_function, tuple(FUNCTIONS[:2]), {"kernel_died"},
         "an answer that kills the kernel when checked"),
    Case("s09_memory_bomb", memory_bomb, (FUNCTIONS[0], FUNCTIONS[2]), {"memory_limit"},
         "an answer that allocates 4 GB"),
    Case("s10_invalid_json", invalid_json, (), {"invalid_notebook"}, "a truncated file"),
    Case("s11_missing_notebook", missing_notebook, (), {"missing_notebook"}, "a misnamed notebook"),
    Case("s12_duplicated_cells", duplicated_cells, tuple(FUNCTIONS), {"cells_restored"},
         "a test cell and an answer cell duplicated"),
    Case("s13_deleted_cells", deleted_cells, (FUNCTIONS[0], FUNCTIONS[2]), {"cells_restored"},
         "all test cells and one answer deleted"),
    Case("s14_retyped_cells", retyped_cells, tuple(FUNCTIONS), {"cells_restored"},
         "test cells made markdown and raw, an answer made markdown"),
    Case("t01_edited_tests", edited_tests, (), {"cells_restored"}, "test cells replaced by fake success messages"),
    Case("t02_silenced_tests", silenced_tests, (), {"cells_restored"},
         "test cells' grading metadata removed, ungraded, tagged, given 100 points; another kernel named"),
    Case("t03_patch_checks", patch_checks, (), set(), "autograder.check and its helpers patched"),
    Case("t04_patch_numpy", patch_numpy, (), set(), "numpy's comparisons patched, wrong answers"),
    Case("t05_patch_at_call_time", patch_at_call_time, (), set(),
         "answers that patch the checks' code objects and numpy while being checked"),
    Case("t06_patch_builtins_and_ipython", patch_builtins_and_ipython, (), set(),
         "AssertionError, print, sys.excepthook, showtraceback, custom exception handler"),
    Case("t07_exit_inside_tests", exit_inside_tests, (), {"kernel_died"},
         "os._exit while a test runs, so later tests would record nothing"),
    Case("t08_forged_output", forged_output, (), set(), "forged test outputs and a fake executed notebook"),
    Case("t09_read_secrets", read_secrets, (), set(),
         "reads the hidden tests, solutions, gradebook; writes the grades, gradebook, course files"),
    Case("t10_shadow_modules", shadow_modules, (), set(), "a fake autograder package beside the notebook"),
    Case("t11_linked_notebook", linked_notebook, (), {"invalid_notebook"}, "the notebook is a link to the solution"),
    Case("t12_rebound_names", rebound_names, (), set(),
         "check, np, sample_image, AssertionError and len rebound in the notebook to things that never fail"),
]


# --------------------------------------------------------------------------------------
# Hostile submissions of issue 14 (each also answers correctly unless its attack is the answer)

LISTENER = {"port": 0, "connections": 0}     # the test's own 127.0.0.1 listener (see start_listener)
SECRET_ENV = "AUTOGRADER_TEST_SECRET"
SECRET_VALUE = "grader-secret-4f1c9e"
OUTLIVER = 611.25                           # a sleep no other process on the machine uses


def start_listener() -> socket.socket:
    """A TCP listener on 127.0.0.1 that counts connections (none may come from a submission)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    LISTENER["port"] = server.getsockname()[1]

    def accept():
        while True:
            try:
                connection, _ = server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            LISTENER["connections"] += 1
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    return server


def fork_bomb(_course):
    return insert_after(S, None, (
        "import os, time\n"
        "children = 0\n"
        "try:\n"
        "    while True:\n"
        "        if os.fork() == 0:\n"
        "            while True:\n"
        "                try:\n"
        "                    os.fork()\n"
        "                except OSError:\n"
        "                    time.sleep(600)\n"
        "        children += 1\n"
        "except OSError as error:\n"
        "    print('fork bomb stopped after', children, 'children:', type(error).__name__)\n"))


def thread_bomb(_course):
    return insert_after(S, None, (
        "import threading, time\n"
        "threads = 0\n"
        "try:\n"
        "    while True:\n"
        "        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n"
        "        threads += 1\n"
        "except RuntimeError as error:\n"
        "    print('thread bomb stopped after', threads, 'threads')\n"))


def outliving_processes(_course):
    return insert_after(S, None, (
        "import subprocess, sys, os\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep({OUTLIVER})'], start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep({OUTLIVER})'])\n"
        "    os._exit(0)\n"
        "print('started processes that outlive this cell')\n"))


def network(_course):
    return insert_after(S, None, (
        "import socket\n"
        "outcomes = []\n"
        f"for address in [('127.0.0.1', {LISTENER['port']}), ('localhost', {LISTENER['port']}), ('8.8.8.8', 53)]:\n"
        "    try:\n"
        "        socket.create_connection(address, timeout=2).close()\n"
        "        outcomes.append('CONNECTED')\n"
        "    except OSError as error:\n"
        "        outcomes.append(type(error).__name__)\n"
        "try:\n"
        "    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"    udp.sendto(b'hello', ('127.0.0.1', {LISTENER['port']}))\n"
        "except OSError as error:\n"
        "    outcomes.append('udp ' + type(error).__name__)\n"
        "print('NETWORK', outcomes)\n"))


def classmate_kernel(_course):
    """Blank answers; tries every way to reach another student's kernel and copy its functions."""
    return insert_after(R, None, (
        "import glob, json, os, socket\n"
        "found = []\n"
        "for pattern in ['/tmp/**/*.json', '/run/**/*.json', '/proc/*/root/tmp/.kernel/*', '/proc/*/cwd/*.ipynb',\n"
        "                os.path.expanduser('~/.local/share/jupyter/runtime/*'), '/dev/shm/*']:\n"
        "    found += [p for p in glob.glob(pattern, recursive=True) if 'connection' in p or p.endswith('.ipynb')]\n"
        "own = os.path.realpath('/tmp/.kernel/connection.json')\n"
        "others = [p for p in found if os.path.realpath(p) != own]\n"
        "open_ports = []\n"
        "for port in list(range(1, 1024, 7)) + list(range(30000, 65535, 97)):\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', port), timeout=0.05).close()\n"
        "        open_ports.append(port)\n"
        "    except OSError:\n"
        "        pass\n"
        "print('CLASSMATES', others, open_ports)\n"
        "for path in others:\n"
        "    try:\n"
        "        from jupyter_client import BlockingKernelClient\n"
        "        client = BlockingKernelClient(); client.load_connection_file(path); client.start_channels()\n"
        "        client.execute('import inspect; print(inspect.getsource(to_grayscale))')\n"
        "    except Exception as error:\n"
        "        print('could not use', path, type(error).__name__)\n"))


def memory_split(_course):
    return insert_after(S, None, (
        "import os, time\n"
        "children = []\n"
        "for _ in range(3):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        hog = b'\\x01' * (700 * 2**20)\n"
        "        time.sleep(4)\n"
        "        os._exit(0)\n"
        "    children.append(pid)\n"
        "outcomes = []\n"
        "for pid in children:\n"
        "    _, status = os.waitpid(pid, 0)\n"
        "    outcomes.append('killed' if os.WIFSIGNALED(status) else 'exited')\n"
        "print('MEMORY', sorted(outcomes))\n"))


def disk_fill(_course):
    return insert_after(S, None, (
        "import os\n"
        "chunk = b'\\0' * (16 * 2**20)\n"
        "with open('filler.bin', 'wb') as handle:\n"
        "    for _ in range(256):  # 4 GB\n"
        "        handle.write(chunk)\n"
        "        handle.flush()\n"))


def environment_and_proc(_course):
    return insert_after(S, None, (
        "import glob, os\n"
        "seen = dict(os.environ)\n"
        "texts = []\n"
        "for path in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline') + ['/proc/self/mountinfo',\n"
        "             '/proc/1/cgroup', '/etc/passwd']:\n"
        "    try:\n"
        "        texts.append(open(path, 'rb').read().decode(errors='replace'))\n"
        "    except OSError:\n"
        "        pass\n"
        "print('ENVIRONMENT', sorted(seen))\n"
        "print('PROCESSES', sorted(os.listdir('/proc'))[:5], len([p for p in os.listdir('/proc') if p.isdigit()]))\n"
        "print('PROCTEXT', ' '.join(texts).replace(chr(0), ' '))\n"))


def signals(_course):
    return insert_after(S, None, (
        "import os, signal\n"
        "hit = []\n"
        "own = {int(tid) for tid in os.listdir('/proc/self/task')}  # its own threads are its own process\n"
        "for number in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):\n"
        "    for pid in range(1, 5000):\n"
        "        if pid not in own:\n"
        "            try:\n"
        "                os.kill(pid, number)\n"
        "                hit.append(pid)\n"
        "            except OSError:\n"
        "                pass\n"
        "for number in (signal.SIGSTOP, signal.SIGKILL):\n"
        "    try:\n"
        "        os.kill(-1, number)\n"
        "    except OSError:\n"
        "        pass\n"
        "print('SIGNALLED', sorted(set(hit)))\n"))


def lying_objects(_course):
    return all_answers(R, (
        "    import numpy as np\n"
        "    class Liar(np.ndarray):\n"
        "        def __eq__(self, other):\n"
        "            return True\n"
        "        def __array_function__(self, *args, **kwargs):\n"
        "            return True\n"
        "    class Anything:\n"
        "        def __eq__(self, other):\n"
        "            return True\n"
        "        __ne__ = lambda self, other: False\n"
        "        __lt__ = __le__ = __gt__ = __ge__ = __eq__\n"
        "        def __int__(self):\n"
        "            return 0\n"
        "        def __index__(self):\n"
        "            return 0\n"
        "        def __float__(self):\n"
        "            return 0.0\n"
        "        def __array__(self, *args, **kwargs):\n"
        "            raise SystemExit\n"
        "    if args and hasattr(args[0], 'shape'):\n"
        "        return np.zeros((1, 1)).view(Liar)\n"
        "    return Anything()\n"))


def forged_metadata(_course):
    notebook = copy.deepcopy(S)
    notebook.metadata["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python",
                                       "argv": ["sh", "-c", "touch /tmp/owned"]}
    notebook.metadata["language_info"] = {"name": "python", "version": "0"}
    bonus = nbformat.v4.new_code_cell("print('✔ bonus: correct.')")
    bonus.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 100,
                                  "grade_id": "bonus_test", "schema_version": 3}
    notebook.cells.append(bonus)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader")
        if isinstance(meta, dict) and meta.get("grade"):
            meta["points"] = 50
            cell.metadata["tags"] = ["raises-exception", "nbval-skip"]
            cell.metadata["deletable"] = True
    return notebook


def _extra_cells(count: int):
    notebook = copy.deepcopy(S)
    notebook.cells[1:1] = [nbformat.v4.new_code_cell(f"x{number} = {number}", id=f"extra-{number}")
                           for number in range(count)]
    return notebook


def thousands_of_cells(_course):
    return _extra_cells(5000)  # beyond Limits.max_cells (4,000): refused before any cell runs


def hundreds_of_cells(_course):
    return _extra_cells(400)   # below it: every cell runs (the benchmark times the cost per cell)


def huge_notebook(_course):
    notebook = copy.deepcopy(S)
    first = next(c for c in notebook.cells if c.cell_type == "code")
    blob = "A" * (50 * 2**20)
    first.outputs = [nbformat.v4.new_output("display_data", data={"image/png": blob, "text/plain": "<blob>"})]
    return notebook


def hard_linked_notebook(course):
    folder = submission_folder(course, "h16_hard_linked_notebook")
    target = course / "submitted" / "h15_hard_link_victim" / ASSIGNMENT / NOTEBOOK
    os.link(target, folder / NOTEBOOK)
    return None


def linked_data_files(course):
    folder = submission_folder(course, "h17_linked_data_files")
    secret = course / "grader-only.txt"
    secret.write_text("SECRET-of-the-grader\n")
    os.chmod(secret, 0o600)
    os.link(secret, folder / "secret.txt")
    os.symlink("/etc/hostname", folder / "hostname.txt")
    os.symlink(course / "solutions" / ASSIGNMENT / NOTEBOOK, folder / "answers.ipynb")
    (folder / "mine.txt").write_text("my own notes\n")
    return insert_after(S, None, (
        "import os\n"
        "for name in ['secret.txt', 'hostname.txt', 'answers.ipynb', 'mine.txt']:\n"
        "    try:\n"
        "        print('FILE', name, open(name).read()[:40].strip())\n"
        "    except OSError as error:\n"
        "        print('FILE', name, type(error).__name__)\n"))


def linked_student_folder(course):
    (course / "submitted").mkdir(exist_ok=True)
    os.symlink(course / "solutions", course / "submitted" / "h18_linked_student_folder")
    return None


def shadow_numpy(course):
    folder = submission_folder(course, "h19_shadow_numpy")
    (folder / "numpy.py").write_text(
        "def allclose(*args, **kwargs):\n    return True\n\ndef array_equal(*args, **kwargs):\n    return True\n")
    (folder / "autograder").mkdir()
    (folder / "autograder" / "__init__.py").write_text("")
    (folder / "autograder" / "check.py").write_text(
        "def __getattr__(name):\n    return lambda *args, **kwargs: print('✔ correct.')\n")
    return all_answers(R, "    import numpy as np\n    return np.zeros((1, 1))\n")


def deep_tree(course):
    folder = submission_folder(course, "h20_deep_tree")
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(1100):
            os.mkdir("d", dir_fd=fd)
            deeper = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = deeper
        with open(os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write("deep\n")
    finally:
        os.close(fd)
    return S


def odd_names(course):
    folder = submission_folder(course, "h21 odd, ünïcode name")
    (folder / "new\nline.txt").write_text("a\n")
    (folder / ("x" * 250 + ".txt")).write_text("long\n")
    (folder / "-rf").write_text("dash\n")
    os.close(os.open(bytes(folder) + b"/\xff\xfe-not-utf8.txt", os.O_WRONLY | os.O_CREAT, 0o644))
    return S


def output_flood(_course):
    return insert_after(S, None, (
        "from IPython.display import HTML, display\n"
        "line = 'x' * 10**6\n"
        "for _ in range(300):\n"
        "    print(line)\n"
        "for _ in range(60):\n"
        "    display(HTML('<p>' + 'y' * 10**6 + '</p>'))\n"))


HOSTILE = [
    Case("h01_fork_bomb", fork_bomb, tuple(FUNCTIONS), set(), "processes forking until the task limit"),
    Case("h02_thread_bomb", thread_bomb, tuple(FUNCTIONS), set(), "threads started until the task limit"),
    Case("h03_outliving_processes", outliving_processes, tuple(FUNCTIONS), {"ok"},
         "a detached and a double-forked process that outlive their cell"),
    Case("h04_network", network, tuple(FUNCTIONS), {"ok"}, "connections to the test's listener and outside"),
    Case("h05_classmate_kernel", classmate_kernel, (), {"ok"},
         "looks for other students' kernels (files, /proc, loopback ports) to copy their functions"),
    Case("h06_memory_split", memory_split, tuple(FUNCTIONS), {"memory_limit"},
         "three processes of 700 MB against a 1536 MB limit for the whole submission"),
    Case("h07_disk_fill", disk_fill, tuple(FUNCTIONS), {"disk_limit"}, "writes 4 GB into its folder"),
    Case("h08_environment_and_proc", environment_and_proc, tuple(FUNCTIONS), {"ok"},
         "reads its environment, /proc and /etc"),
    Case("h09_signals", signals, tuple(FUNCTIONS), {"ok"}, "SIGSTOP, SIGTERM, SIGKILL to every process it can name"),
    Case("h10_lying_objects", lying_objects, (), {"ok"}, "results whose comparisons always say equal"),
    Case("h11_forged_metadata", forged_metadata, tuple(FUNCTIONS), {"cells_restored"},
         "a kernelspec that runs a shell, test cells worth 50 points and tagged, a 100-point bonus test"),
    Case("h12_thousands_of_cells", thousands_of_cells, (), {"invalid_notebook"},
         "5,000 extra code cells: more than a notebook may have"),
    Case("h14_hundreds_of_cells", hundreds_of_cells, tuple(FUNCTIONS), {"ok"}, "400 extra code cells, all run"),
    Case("h13_huge_notebook", huge_notebook, tuple(FUNCTIONS), {"ok"}, "a 50 MB notebook (stored outputs)"),
    Case("h15_hard_link_victim", full, (), {"invalid_notebook"},
         "a classmate hard-linked this notebook: both are held for the instructor"),
    Case("h16_hard_linked_notebook", hard_linked_notebook, (), {"invalid_notebook"},
         "the notebook is a hard link to a classmate's"),
    Case("h17_linked_data_files", linked_data_files, tuple(FUNCTIONS), {"ok"},
         "data files that are a hard link to a grader-only file and symlinks to /etc and the solutions"),
    Case("h18_linked_student_folder", linked_student_folder, (), {"invalid_submission"},
         "the student's folder is a link to solutions/"),
    Case("h19_shadow_numpy", shadow_numpy, (), {"ok"}, "numpy.py and autograder/ beside the notebook"),
    Case("h20_deep_tree", deep_tree, tuple(FUNCTIONS), {"ok"}, "1,100 nested folders beside the notebook"),
    Case("h21 odd, ünïcode name", odd_names, tuple(FUNCTIONS), {"ok"},
         "a student id with a comma, a space and accents; file names with a newline, 250 characters, not UTF-8"),
    Case("h22_output_flood", output_flood, tuple(FUNCTIONS), set(),
         "prints 300 MB and displays 60 MB of HTML"),
]

EVERYTHING = CORPUS + HOSTILE


def run_once(tmp_path_factory, name: str, compute: Callable[[Path], dict],
             while_waiting: Callable[[], object] = lambda: None) -> dict:
    """``compute(folder)`` once per test session, its JSON-able result shared by every test.

    pytest-xdist may spread a module's tests over several workers, each of which would run
    a module fixture again (``--dist loadgroup`` no longer keeps a group together with
    pytest 9.2: xdist 3.8 renames ``item._nodeid``, which pytest no longer reads). The first
    worker to ask computes while holding a lock in the workers' shared temporary folder;
    the others wait (doing ``while_waiting()`` first, say another run) and read what it stored.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder = shared / name
    stored = shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            while_waiting()
            fcntl.flock(lock, fcntl.LOCK_EX)
        if stored.exists():
            return json.loads(stored.read_text())
        folder.mkdir(exist_ok=True)
        value = compute(folder)
        stored.write_text(json.dumps(value))
        return value


def remove_course(folder: Path) -> None:
    """Delete a course built by :func:`make_course`. ``rm -rf`` rather than shutil.rmtree
    (or pytest's own clean-up of its temporary folders), which recurse once per level and
    fail with RecursionError on the 1,100-deep tree of ``h20_deep_tree``."""
    subprocess.run(["rm", "-rf", "--", str(folder)], check=False)


def make_course(folder: Path, cases: list[Case]) -> Path:
    (folder / "solutions").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    shutil.copytree(ROOT / "course" / ASSIGNMENT, folder / "course" / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for case in cases:
        built = case.build(folder)
        target = submission_folder(folder, case.student) / NOTEBOOK
        if isinstance(built, bytes):
            target.write_bytes(built)
        elif built is not None:
            nbformat.write(built, str(target))
    return folder


def grade_command(course: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", "grade", ASSIGNMENT, "--course-dir", str(course),
            "--workers", "2", "--timeout", str(TIMEOUT_S), "--memory-mb", str(MEMORY_MB), "--no-progress", *extra]


def grade(course: Path, *extra: str, timeout=1500, prefix: list[str] = (), **env: str) -> subprocess.CompletedProcess:
    """Run ``autograder grade`` on ``course`` (``prefix``: e.g. a command that drops privileges)."""
    return subprocess.run([*prefix, *grade_command(course, *extra)], capture_output=True, text=True,
                          timeout=timeout, env=subprocess_env(**env), cwd=str(course))


def read_rows(course: Path) -> dict[str, dict]:
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


