"""Checks of assignment 09 (Sudoku OCR) against correct variants (must pass) and typical
mistakes (must fail, naming the mistake). The correct pipeline functions are the solution
notebook's own, read from its source."""

import cv2
import numpy as np
import pytest

from autograder import check
from autograder.sudoku.train_digits import notebook_functions

pytestmark = pytest.mark.xdist_group("sudoku")  # share the loaded model and rendered photos

NAMES = ("to_gray", "binarize", "grid_score", "find_grid_corners", "warp_grid", "split_cells",
         "cell_ink", "digit_box", "cell_is_empty", "digit_image", "recognize_cells", "load_digit_model",
         "read_sudoku")


@pytest.fixture(scope="module")
def nb():
    return notebook_functions(NAMES)


def not_written(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("name", ["find_grid_corners", "warp_grid", "split_cells", "cell_is_empty",
                                  "recognize_cells", "solve_sudoku", "read_sudoku"])
def test_not_written_yet(name):
    with pytest.raises(AssertionError, match="not written yet"):
        getattr(check, name)(not_written)


# ---------------------------------------------------------------------------------------
# find_grid_corners


def test_find_grid_corners_accepts_the_solution_and_lists(nb):
    find = nb["find_grid_corners"]
    check.find_grid_corners(find)
    check.find_grid_corners(lambda image: [tuple(p) for p in find(image).tolist()])  # a list of tuples
    check.find_grid_corners(lambda image: find(image).astype(np.float32))


def test_find_grid_corners_accepts_hidden_seed(nb):
    check.find_grid_corners(nb["find_grid_corners"], seed=3)


@pytest.mark.parametrize("wrong, message", [
    (lambda c: np.roll(c, -1, axis=0), "start at the top-right corner"),
    (lambda c: np.roll(c, -3, axis=0), "start at the bottom-left corner"),
    (lambda c: c[[0, 3, 2, 1]], "counter-clockwise"),
    (lambda c: c[:, ::-1], r"\(row, column\) = \(y, x\)"),
    (lambda c: c[[0, 1, 3, 2]], "bottom corners are swapped"),
])
def test_find_grid_corners_names_order_mistakes(nb, wrong, message):
    find = nb["find_grid_corners"]
    with pytest.raises(AssertionError, match=message):
        check.find_grid_corners(lambda image: wrong(np.asarray(find(image))))


def test_find_grid_corners_rejects_the_whole_image_and_missing_error(nb):
    def whole_image(image):
        h, w = image.shape[:2]
        return np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], float)

    with pytest.raises(AssertionError, match="px off"):
        check.find_grid_corners(whole_image)
    find = nb["find_grid_corners"]

    def never_raises(image):
        try:
            return find(image)
        except ValueError:
            return whole_image(image)

    with pytest.raises(AssertionError, match="ValueError"):
        check.find_grid_corners(never_raises)


def test_find_grid_corners_rejects_wrong_shape():
    with pytest.raises(AssertionError, match=r"shape \(8,\)"):
        check.find_grid_corners(lambda image: np.zeros(8))


# ---------------------------------------------------------------------------------------
# warp_grid


def warp_skimage(image, corners, size):
    from skimage.transform import ProjectiveTransform, warp

    target = np.array([[0, 0], [size - 1, 0], [size - 1, size - 1], [0, size - 1]], float)
    transform = ProjectiveTransform()
    transform.estimate(target, np.asarray(corners, float))
    return warp(image, transform, output_shape=(size, size), preserve_range=True).astype(image.dtype)


def test_warp_grid_accepts_correct_variants(nb):
    check.warp_grid(nb["warp_grid"])
    check.warp_grid(warp_skimage)
    check.warp_grid(warp_skimage, seed=8)


@pytest.mark.parametrize("order, message", [
    ([0, 3, 2, 1], "mirrored along its diagonal"),
    ([1, 0, 3, 2], "mirrored left-right"),
    ([3, 2, 1, 0], "upside down"),
    ([1, 2, 3, 0], "quarter turn"),
])
def test_warp_grid_names_swapped_corner_orders(nb, order, message):
    warp = nb["warp_grid"]
    with pytest.raises(AssertionError, match=message):
        check.warp_grid(lambda image, corners, size: warp(image, np.asarray(corners)[order], size))


def test_warp_grid_rejects_wrong_size_and_scale(nb):
    warp = nb["warp_grid"]
    with pytest.raises(AssertionError, match="expected"):
        check.warp_grid(lambda image, corners, size: warp(image, corners, size + 1))

    def unit_range(image, corners, size):
        from skimage.transform import ProjectiveTransform, warp as skwarp

        target = np.array([[0, 0], [size, 0], [size, size], [0, size]], float)
        transform = ProjectiveTransform()
        transform.estimate(target, np.asarray(corners, float))
        return skwarp(image, transform, output_shape=(size, size))

    with pytest.raises(AssertionError, match=r"values in \[0, 1\]"):
        check.warp_grid(unit_range)


# ---------------------------------------------------------------------------------------
# split_cells


def split_floor(warped):
    step = warped.shape[0] // 9
    return [warped[r * step:(r + 1) * step, c * step:(c + 1) * step] for r in range(9) for c in range(9)]


def split_array(warped):
    side = warped.shape[0]
    edges = np.round(np.arange(10) * side / 9).astype(int)
    cells = []
    for r in range(9):
        for c in range(9):
            cells.append(np.array(warped[edges[r]:edges[r + 1], edges[c]:edges[c + 1]]))
    return cells


def split_linspace(warped):
    edges = np.linspace(0, warped.shape[0], 10).astype(int)
    return [warped[edges[r]:edges[r + 1], edges[c]:edges[c + 1]] for r in range(9) for c in range(9)]


@pytest.mark.parametrize("variant", ["notebook", split_floor, split_array, split_linspace])
def test_split_cells_accepts_correct_variants(nb, variant):
    variant = nb["split_cells"] if variant == "notebook" else variant
    check.split_cells(variant)
    check.split_cells(variant, seed=17)


def split_column_major(warped):
    step = warped.shape[0] // 9
    return [warped[r * step:(r + 1) * step, c * step:(c + 1) * step] for c in range(9) for r in range(9)]


def split_stops_early(warped):
    step = warped.shape[0] // 9
    side = warped.shape[0]
    return [warped[y:y + step, x:x + step] for y in range(0, side - step, step) for x in range(0, side - step, step)]


def split_off_by_one(warped):
    step = warped.shape[0] // 9
    return [warped[r * step:(r + 1) * step - 1, c * step:(c + 1) * step - 1] for r in range(9) for c in range(9)]


def split_nested(warped):
    step = warped.shape[0] // 9
    return np.array([[warped[r * step:(r + 1) * step, c * step:(c + 1) * step] for c in range(9)] for r in range(9)])


@pytest.mark.parametrize("wrong, message", [
    (split_column_major, "column-major"),
    (split_stops_early, "stops one step early"),
    (split_off_by_one, "off by one"),
    (split_nested, "flat list of 81 cells"),
])
def test_split_cells_names_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.split_cells(wrong)


# ---------------------------------------------------------------------------------------
# cell_is_empty


def test_cell_is_empty_accepts_the_solution(nb):
    check.cell_is_empty(nb["cell_is_empty"])
    check.cell_is_empty(lambda cell: int(nb["cell_is_empty"](cell)))  # 0/1 is fine too


def test_cell_is_empty_hidden_seed(nb):
    check.cell_is_empty(nb["cell_is_empty"], seed=5)


def empty_if_no_dark_pixels(cell):
    """Counts dark pixels anywhere: grid-line remnants look like ink."""
    cell = cell.astype(float)
    return bool((cell < np.median(cell) - 40).sum() < 20)


def empty_if_no_component(cell):
    """Thresholds well but keeps components at the borders."""
    ink = cv2.adaptiveThreshold(cell, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    return not np.any(stats[1:, 4] > 0.015 * cell.size)


def empty_if_global_threshold(cell):
    """Otsu's threshold on every cell: noise in a blank cell becomes 'ink'."""
    _, ink = cv2.threshold(cell, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return bool(ink.mean() < 255 * 0.01)


@pytest.mark.parametrize("wrong, message", [
    (empty_if_no_dark_pixels, "fooled by grid-line remnants"),
    (empty_if_no_component, "fooled by grid-line remnants"),
    (empty_if_global_threshold, "blank 48×48 cell"),
])
def test_cell_is_empty_names_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.cell_is_empty(wrong)


def test_cell_is_empty_rejects_non_bool():
    with pytest.raises(AssertionError, match="True or False"):
        check.cell_is_empty(lambda cell: "empty")


# ---------------------------------------------------------------------------------------
# recognize_cells


def test_recognize_cells_accepts_correct_variants(nb):
    recognize = nb["recognize_cells"]
    check.recognize_cells(recognize)

    def with_predict(cells, model):
        images, where = [], []
        for k, cell in enumerate(cells):
            box = nb["digit_box"](cell)
            if box is not None:
                images.append(nb["digit_image"](cell, box))
                where.append(k)
        out = [0] * len(cells)
        if images:
            p = model.predict(np.array(images).reshape(-1, 28, 28, 1), verbose=0)
            for k, row in zip(where, np.asarray(p)):
                out[k] = int(np.argmax(row[1:])) + 1
        return out  # a list

    check.recognize_cells(with_predict, seed=4)


def _recognizer(nb, transform=lambda images: images, per_cell=False, pick=lambda p: p[:, 1:].argmax(axis=1) + 1,
                send_empty=False):
    def recognize(cells, model):
        digits = np.zeros(len(cells), int)
        images, where = [], []
        for k, cell in enumerate(cells):
            box = nb["digit_box"](cell)
            if box is not None or send_empty:
                box = box or (0, 0, cell.shape[1], cell.shape[0])
                images.append(nb["digit_image"](cell, box))
                where.append(k)
        if not images:
            return digits
        batch = transform(np.stack(images)[..., None])
        if per_cell:
            p = np.concatenate([np.asarray(model(batch[i:i + 1], training=False)) for i in range(len(batch))])
        else:
            p = np.asarray(model(batch, training=False))
        digits[where] = pick(p)
        return digits
    return recognize


@pytest.mark.parametrize("options, message", [
    ({"pick": lambda p: p[:, 1:].argmax(axis=1)}, "off by one"),
    ({"pick": lambda p: p.argmax(axis=1)}, "output 0"),
    ({"per_cell": True}, "called the model 4 times"),
    ({"transform": lambda b: 1 - b}, "white digit on black"),
    ({"transform": lambda b: 255 * b}, r"expects \[0, 1\]"),
    ({"transform": lambda b: b[..., 0]}, "add the channel axis"),
    ({"send_empty": True}, "empty cells are not sent"),
])
def test_recognize_cells_names_mistakes(nb, options, message):
    with pytest.raises(AssertionError, match=message):
        check.recognize_cells(_recognizer(nb, **options))


# ---------------------------------------------------------------------------------------
# solve_sudoku


def solve_backtracking(grid):
    """Plain backtracking on the most constrained cell, with bit masks (a correct variant)."""
    g = np.array(grid)
    if g.shape != (9, 9) or np.any((g < 0) | (g > 9)):
        raise ValueError("not a 9×9 grid of 0-9")
    g = g.astype(int)
    rows, cols, boxes = [0] * 9, [0] * 9, [0] * 9
    for (r, c), v in np.ndenumerate(g):
        if v:
            bit, b = 1 << v, 3 * (r // 3) + c // 3
            if (rows[r] | cols[c] | boxes[b]) & bit:
                raise ValueError(f"digit {v} repeats in row {r + 1}, column {c + 1} or its box")
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit

    def search():
        best, best_free = None, None
        for r in range(9):
            for c in range(9):
                if g[r, c] == 0:
                    free = ~(rows[r] | cols[c] | boxes[3 * (r // 3) + c // 3]) & 0x3FE
                    if best is None or bin(free).count("1") < bin(best_free).count("1"):
                        best, best_free = (r, c), free
        if best is None:
            return True
        r, c = best
        b = 3 * (r // 3) + c // 3
        for d in range(1, 10):
            if best_free & (1 << d):
                g[r, c] = d
                rows[r] |= 1 << d
                cols[c] |= 1 << d
                boxes[b] |= 1 << d
                if search():
                    return True
                rows[r] &= ~(1 << d)
                cols[c] &= ~(1 << d)
                boxes[b] &= ~(1 << d)
        g[r, c] = 0
        return False

    if not search():
        raise ValueError("this Sudoku has no solution")
    return g.tolist()  # lists are fine


def test_solve_sudoku_accepts_correct_variants():
    check.solve_sudoku(solve_backtracking)
    check.solve_sudoku(solve_backtracking, seed=6)


def test_solve_sudoku_names_changed_givens():
    from autograder.checks.sudoku import LECTURE_SOLUTION

    def always_the_same(grid):
        np.asarray(grid)
        return LECTURE_SOLUTION[[1, 0, 2, 3, 4, 5, 6, 7, 8]]  # valid, but not this puzzle's

    with pytest.raises(AssertionError, match="changed .* given"):
        check.solve_sudoku(always_the_same)


def test_solve_sudoku_rejects_invalid_grids():
    def fill_with_ones(grid):
        g = np.array(grid)
        g[g == 0] = 1
        return g

    with pytest.raises(AssertionError, match="not a valid solution"):
        check.solve_sudoku(fill_with_ones)


def test_solve_sudoku_catches_endless_loop():
    def loops_on_unsolvable(grid):
        try:
            return solve_backtracking(grid)
        except ValueError:
            while True:
                pass

    with pytest.raises(AssertionError, match="loops for ever"):
        check.solve_sudoku(loops_on_unsolvable, timeout=1.0)


def test_solve_sudoku_requires_a_value_error():
    def returns_none(grid):
        try:
            return solve_backtracking(grid)
        except ValueError:
            return None

    with pytest.raises(AssertionError, match="expected it to raise ValueError"):
        check.solve_sudoku(returns_none)

    def wrong_error(grid):
        try:
            return solve_backtracking(grid)
        except ValueError as error:
            raise RuntimeError(str(error))

    with pytest.raises(AssertionError, match="Expected a ValueError"):
        check.solve_sudoku(wrong_error)


# ---------------------------------------------------------------------------------------
# read_sudoku


def test_read_sudoku_accepts_the_solution(nb):
    check.read_sudoku(nb["read_sudoku"])


def test_read_sudoku_names_transposed_grid(nb):
    read = nb["read_sudoku"]
    with pytest.raises(AssertionError, match="transposed"):
        check.read_sudoku(lambda image: np.asarray(read(image)).T)


def test_read_sudoku_rejects_an_empty_reading():
    with pytest.raises(AssertionError, match="cells wrong"):
        check.read_sudoku(lambda image: np.zeros((9, 9), int))
