"""Checks of assignment 09 (Sudoku OCR) against correct variants (must pass) and typical
mistakes (must fail, naming the mistake). The solution notebook's own functions are read
from its source; the other variants are written here, in the styles learners use.

``RIGHT_VARIANTS`` (convention 1 of the shared conventions) lists every correct variant
per graded function, so that tests/test_hidden_seeds.py can run them all under the seeds
of the hidden tests."""

from __future__ import annotations

import copy
import functools
import heapq
import itertools

import cv2
import numpy as np
import pytest

from autograder import check
from autograder.checks import sudoku as checks
from autograder.sudoku.render import count_solutions
from autograder.sudoku.train_digits import notebook_functions

pytestmark = pytest.mark.xdist_group("sudoku")  # share the loaded model and rendered photos

NAMES = ("to_gray", "binarize", "grid_score", "refine_corners", "find_grid_corners", "warp_grid", "split_cells",
         "cell_ink", "digit_box", "cell_is_empty", "digit_image", "cell_probabilities", "load_digit_model",
         "conflicts", "CELLS", "_assign", "search", "solve_sudoku", "count_solutions", "best_reading", "read_sudoku",
         "GRID_SIZE")
GRADED = ("find_grid_corners", "warp_grid", "split_cells", "cell_is_empty", "cell_probabilities",
          "solve_sudoku", "best_reading", "read_sudoku")


@functools.lru_cache(maxsize=1)
def notebook() -> dict:
    """The solution notebook's functions (and the constants they read)."""
    return notebook_functions(NAMES)


def from_notebook(name: str):
    """The notebook's function ``name``, loaded on first use."""
    def run(*args, **kwargs):
        return notebook()[name](*args, **kwargs)

    run.__name__ = name
    return run


@pytest.fixture(scope="module", autouse=True)
def nb():
    """Loaded before any check runs: a check's time limit must not include the loading."""
    return notebook()


def not_written(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("name", GRADED)
def test_not_written_yet(name):
    with pytest.raises(AssertionError, match="not written yet"):
        getattr(check, name)(not_written)


# ---------------------------------------------------------------------------------------
# find_grid_corners


def corners_as_tuples(image):
    return [tuple(p) for p in np.asarray(from_notebook("find_grid_corners")(image)).tolist()]


def corners_float32(image):
    return np.asarray(from_notebook("find_grid_corners")(image)).astype(np.float32)


def test_find_grid_corners_accepts_correct_variants():
    for variant in (from_notebook("find_grid_corners"), corners_as_tuples, corners_float32):
        check.find_grid_corners(variant)


def test_find_grid_corners_accepts_hidden_seed():
    check.find_grid_corners(from_notebook("find_grid_corners"), seed=3)


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


def test_find_grid_corners_requires_grey_photos(nb):
    find = nb["find_grid_corners"]

    def colour_only(image):
        red, green, blue = image[..., 0], image[..., 1], image[..., 2]  # fails on a grey image
        return find(np.dstack([red, green, blue]))

    with pytest.raises(AssertionError, match="in grey"):
        check.find_grid_corners(colour_only)


def test_find_grid_corners_rejects_wrong_shape():
    with pytest.raises(AssertionError, match=r"shape \(8,\)"):
        check.find_grid_corners(lambda image: np.zeros(8))


def test_refine_corners_puts_a_misplaced_corner_where_the_sides_cross():
    """A quadrilateral region with blobs stuck to two sides (text touching the grid): two
    rough corners found 4-5 % of the side too far along a side (as when the corner is faint)
    go back to where the straight sides cross; one a pixel off agrees with the crossing
    and stays; the blobs do not pull the fitted lines."""
    truth = np.array([[120.0, 70.0], [520.0, 95.0], [500.0, 430.0], [140.0, 410.0]])
    mask = np.zeros((480, 640), np.uint8)
    cv2.fillPoly(mask, [np.round(truth).astype(np.int32)], 255)
    blob = truth[0] + 0.8 * (truth[1] - truth[0])            # on the top side, in the half next to top-right
    cv2.circle(mask, (int(blob[0]), int(blob[1])), 14, 255, -1)
    cv2.circle(mask, (497, 280), 10, 255, -1)                 # on the right side
    outline = max(cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0], key=cv2.contourArea)
    rough = truth.copy()
    rough[0] += 0.05 * (truth[3] - truth[0])                  # top-left found too low on the left side
    rough[1] += 0.04 * (truth[2] - truth[1])                  # top-right too low on the right side
    rough[2] += [1.0, -1.0]                                   # bottom-right a pixel off
    refined = np.asarray(notebook()["refine_corners"](outline, rough))
    assert np.linalg.norm(refined[:2] - truth[:2], axis=1).max() < 1.0, refined
    assert np.array_equal(refined[2:], rough[2:]), refined


def test_find_grid_corners_finds_a_corner_missing_from_the_outline(nb):
    """A drawn grid whose top and left borders fade out near the top-left corner (a faint
    print): the outline has no corner there, the convex hull cuts it off, and the rough
    corner lies about 3 % of the side down the left border. The refined one lies where the
    borders, extended, cross."""
    for seed in range(3):
        flat = checks.draw_grid(360)
        flat[:6, :30] = 235                                   # the top border fades out near the corner
        flat[:12, :6] = 235                                   # and so does the left border's top end
        image, truth = checks.perspective_scene(np.random.default_rng(seed), flat, (480, 640), clutter=False)
        side = np.mean(np.linalg.norm(truth - np.roll(truth, 1, axis=0), axis=1))
        error = np.linalg.norm(np.asarray(nb["find_grid_corners"](image)) - truth, axis=1) / side
        assert error.max() < 0.01, (seed, error.round(3))


# ---------------------------------------------------------------------------------------
# warp_grid


def warp_skimage(image, corners, size):
    from skimage.transform import ProjectiveTransform, warp

    target = np.array([[0, 0], [size - 1, 0], [size - 1, size - 1], [0, size - 1]], float)
    transform = ProjectiveTransform()
    transform.estimate(target, np.asarray(corners, float))
    return warp(image, transform, output_shape=(size, size), preserve_range=True).astype(image.dtype)


def test_warp_grid_accepts_correct_variants():
    for variant in (from_notebook("warp_grid"), warp_skimage):
        check.warp_grid(variant)
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
    """S // 9 pixels per cell from the corner (the last S mod 9 pixel rows left out)."""
    step = warped.shape[0] // 9
    return [warped[r * step:(r + 1) * step, c * step:(c + 1) * step] for r in range(9) for c in range(9)]


def split_round_loops(warped):
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


def split_array_split(warped):
    """np.array_split: the first S mod 9 rows (and columns) of cells one pixel larger."""
    return [cell for band in np.array_split(warped, 9, axis=0) for cell in np.array_split(band, 9, axis=1)]


def split_ceil(warped):
    side = warped.shape[0]
    edges = [-(-i * side // 9) for i in range(10)]
    return tuple(warped[edges[r]:edges[r + 1], edges[c]:edges[c + 1]] for r in range(9) for c in range(9))


@pytest.mark.parametrize("variant", [from_notebook("split_cells"), split_floor, split_round_loops, split_linspace,
                                     split_array_split, split_ceil])
def test_split_cells_accepts_correct_variants(variant):
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


def split_overlapping(warped):
    """Cells of ceil(S/9) pixels starting every floor(S/9): neighbours share pixels."""
    side = warped.shape[0]
    step, size = side // 9, -(-side // 9)
    return [warped[r * step:r * step + size, c * step:c * step + size] for r in range(9) for c in range(9)]


def split_resized(warped):
    """Each cell resized to a fixed size: no longer a slice of the image."""
    return [cv2.resize(cell.astype(np.float32), (40, 40)) for cell in split_round_loops(warped)]


@pytest.mark.parametrize("wrong, message", [
    (split_column_major, "column-major"),
    (split_stops_early, "stops one step early"),
    (split_off_by_one, "off by one"),
    (split_nested, "flat list of 81 cells"),
    (split_overlapping, "overlap"),
    (split_resized, "rectangular slice"),
])
def test_split_cells_names_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.split_cells(wrong)


def test_tiling_rule_is_exactly_the_contract():
    for side in (90, 91, 97, 452, 449):
        cells = split_array_split(np.arange(side * side).reshape(side, side))
        origins = checks._origins(cells, np.arange(side * side).reshape(side, side), "split")
        assert checks._tiling_problem(origins, side) is None
        bad = origins.copy()
        bad[80, 3] += 1  # the last cell one pixel too wide
        assert checks._tiling_problem(bad, side) is not None


# ---------------------------------------------------------------------------------------
# cell_is_empty


def empty_as_int(cell):
    return int(from_notebook("cell_is_empty")(cell))


def empty_regionprops(cell):
    """The notebook's cell_ink, then scikit-image's regionprops for the digit rules."""
    from skimage.measure import label, regionprops

    ink = from_notebook("cell_ink")(cell)
    h, w = ink.shape
    for region in regionprops(label(ink, connectivity=2)):
        top, left, bottom, right = region.bbox
        cy, cx = (top + bottom) / 2, (left + right) / 2
        if (region.area >= 0.015 * h * w and bottom - top >= 0.3 * h and right - left <= 0.8 * w
                and bottom - top <= 0.9 * h and 0.2 * w < cx < 0.8 * w and 0.2 * h < cy < 0.8 * h):
            return False
    return True


@pytest.mark.parametrize("variant", [from_notebook("cell_is_empty"), empty_as_int, empty_regionprops])
def test_cell_is_empty_accepts_correct_variants(variant):
    check.cell_is_empty(variant)


def test_cell_is_empty_hidden_seed():
    check.cell_is_empty(from_notebook("cell_is_empty"), seed=5)


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


def empty_unless_ink_in_middle(cell):
    """Removes the lines and ignores noise (components under 5 pixels), then calls any ink
    component centred in the middle half a digit, whatever its size: specks count."""
    ink = from_notebook("cell_ink")(cell).astype(np.uint8)
    h, w = ink.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, bw, bh, area = stats[1:].T
    centred = (area >= 5) & (abs(x + bw / 2 - w / 2) < w / 4) & (abs(y + bh / 2 - h / 2) < h / 4)
    return not centred.any()


@pytest.mark.parametrize("wrong, message", [
    (empty_if_no_dark_pixels, "fooled by grid-line remnants"),
    (empty_if_no_component, "fooled by grid-line remnants"),
    (empty_if_global_threshold, "blank 48×48 cell"),
    (empty_unless_ink_in_middle, "specks counted as a digit"),
])
def test_cell_is_empty_names_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.cell_is_empty(wrong)


def test_cell_is_empty_rejects_non_bool():
    with pytest.raises(AssertionError, match="True or False"):
        check.cell_is_empty(lambda cell: "empty")


def test_a_line_through_a_digit_is_removed_but_the_digit_stays_whole():
    """cell_ink deletes straight lines, then puts back the ink under a deleted line where a
    stroke goes on at both sides: a fold across a 1 leaves one digit, not two small pieces,
    while a fold or a border line alone stays removed."""
    fns = notebook()
    paper = np.full((48, 48), 200, np.uint8)
    fold, stroke = paper.copy(), paper.copy()
    fold[22:28, :] = 70                      # a dark fold across the whole cell
    stroke[10:38, 22:26] = 40                # the upright stroke of a 1
    crossed = np.minimum(fold, stroke)
    upright = paper.copy()
    upright[:, 21:27] = 70                   # an upright fold through a lying stroke (a dash of a 7)
    bar = paper.copy()
    bar[14:18, 8:40] = 40
    crossed_bar = np.minimum(upright, bar)

    assert fns["digit_box"](fold) is None and fns["digit_box"](upright) is None
    x, y, w, h = fns["digit_box"](crossed)   # the whole stroke (give or take the blur's pixel)
    assert 21 <= x <= 22 and w <= 6 and y <= 10 and y + h >= 38
    ink = fns["cell_ink"](crossed)
    assert ink[10:38, 22:26].all() and not ink[22:28, :20].any() and not ink[22:28, 28:].any()
    ink = fns["cell_ink"](crossed_bar)
    assert ink[14:18, 8:40].all() and not ink[:12, 21:27].any() and not ink[20:, 21:27].any()


# ---------------------------------------------------------------------------------------
# cell_probabilities


def _images(cells):
    fns = notebook()
    boxes = [fns["digit_box"](cell) for cell in cells]
    filled = [k for k, box in enumerate(boxes) if box is not None]
    return filled, [fns["digit_image"](cells[k], boxes[k]) for k in filled]


def probabilities_eager_call(cells, model):
    """model(x, training=False), rows written one by one into a float64 list of lists."""
    filled, images = _images(cells)
    rows = [[1.0] + [0.0] * 9 for _ in cells]
    if images:
        out = model(np.array(images, dtype=np.float32).reshape(-1, 28, 28, 1), training=False).numpy()
        for k, row in zip(filled, out):
            rows[k] = [float(v) for v in row]
    return np.array(rows, dtype=np.float64).reshape(len(cells), 10)


def probabilities_predict(cells, model):
    """model.predict with a batch size, float64 result."""
    filled, images = _images(cells)
    table = np.zeros((len(cells), 10))
    table[:, 0] = 1
    if images:
        table[filled] = model.predict(np.stack(images)[:, :, :, np.newaxis], batch_size=64, verbose=0)
    return table


PROBABILITY_VARIANTS = [from_notebook("cell_probabilities"), probabilities_eager_call, probabilities_predict]


@pytest.mark.parametrize("variant", PROBABILITY_VARIANTS)
def test_cell_probabilities_accepts_correct_variants(variant):
    check.cell_probabilities(variant)


def test_cell_probabilities_hidden_seed():
    check.cell_probabilities(from_notebook("cell_probabilities"), seed=11)


def _probabilities(transform=lambda batch: batch, per_cell=False, send_empty=False, own_model=False,
                   digits_only=False, empty_row=None, reverse_rows=False, mutate=False):
    def cell_probabilities(cells, model):
        fns = notebook()
        if own_model:
            model = fns["load_digit_model"]()
        if mutate:
            for cell in cells:
                np.clip(cell, 0, 200, out=cell)
        table = np.zeros((len(cells), 10), np.float32)
        table[:, 0] = 1 if empty_row is None else empty_row
        boxes = [fns["digit_box"](cell) for cell in cells]
        chosen = [k for k, box in enumerate(boxes) if box is not None or send_empty]
        if not chosen:
            return table
        images = [fns["digit_image"](cells[k], boxes[k] or (0, 0, cells[k].shape[1], cells[k].shape[0]))
                  for k in chosen]
        batch = transform(np.stack(images)[..., None])
        if per_cell:
            out = np.concatenate([np.asarray(model.predict_on_batch(batch[i:i + 1])) for i in range(len(batch))])
        else:
            out = np.asarray(model.predict_on_batch(batch))
        if reverse_rows:
            out = out[::-1]
        table[chosen] = out
        if digits_only:
            return table.argmax(axis=1)
        return table
    return cell_probabilities


@pytest.mark.parametrize("options, message", [
    ({"own_model": True}, "never called the model it was given"),
    ({"digits_only": True}, "digits were returned instead of the probabilities"),
    ({"per_cell": True}, "called the model 4 times"),
    ({"transform": lambda b: 1 - b}, "white digit on black"),
    ({"transform": lambda b: 255 * b}, r"expects \[0, 1\]"),
    ({"transform": lambda b: b[..., 0]}, "add the channel axis"),
    ({"send_empty": True}, "empty cells are not sent"),
    ({"empty_row": 0.0}, "'no digit' with certainty"),
    ({"reverse_rows": True}, "not the model's outputs for them, in the cells' order"),
    ({"mutate": True}, r"^cell_probabilities\(<a list of \d+ grey cells>, .*changed its first argument \(a (list|CellList)\) in place"),
])
def test_cell_probabilities_names_mistakes(options, message):
    with pytest.raises(AssertionError, match=message):
        check.cell_probabilities(_probabilities(**options))


def test_stand_in_model_answers_every_ordinary_call():
    model = checks.RecordingModel(seed=3)
    batch = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    outputs = [np.asarray(model(batch)), np.asarray(model(batch, training=False)), model(batch).numpy(),
               model.predict(batch, verbose=0), model.predict(batch, batch_size=2), model.predict_on_batch(batch)]
    for out in outputs:
        np.testing.assert_allclose(out, outputs[0], atol=1e-5)
    assert len(model.calls) == len(outputs)
    assert model.output_shape == (None, 10) and len(model.layers) == 2  # the real model's attributes
    course = checks.digit_model().predict_on_batch(batch)
    np.testing.assert_allclose(outputs[0][:, model.relabel], course, atol=1e-5)
    assert model.relabel[0] == 0 and sorted(model.relabel) == list(range(10))
    assert np.all(model.relabel[1:] != np.arange(1, 10))
    with pytest.raises(AssertionError, match="add the channel axis"):
        model.predict_on_batch(batch[..., 0])


# ---------------------------------------------------------------------------------------
# solve_sudoku


def _unit_name(grid: np.ndarray) -> str | None:
    """'row 3' (or 'column', 'box') of the first repeated given, or None."""
    for name, units in [("row", grid), ("column", grid.T),
                        ("box", [grid[3 * (i // 3):3 * (i // 3) + 3, 3 * (i % 3):3 * (i % 3) + 3].ravel()
                                 for i in range(9)])]:
        for index, unit in enumerate(units):
            counts = np.bincount(np.asarray(unit), minlength=10)[1:]
            if np.any(counts > 1):
                return f"{name} {index + 1} repeats {int(np.argmax(counts > 1)) + 1}"
    return None


def solve_backtracking(grid):
    """Backtracking on the most constrained cell, with bit masks (no propagation)."""
    g = np.array(grid)
    if g.shape != (9, 9) or np.any((g < 0) | (g > 9)) or np.any(g != np.round(g)):
        raise ValueError("not a 9×9 grid of whole numbers 0-9")
    g = g.astype(int)
    problem = _unit_name(g)
    if problem:
        raise ValueError(f"the givens contradict each other: {problem}")
    rows, cols, boxes = [0] * 9, [0] * 9, [0] * 9
    for (r, c), v in np.ndenumerate(g):
        if v:
            rows[r] |= 1 << v
            cols[c] |= 1 << v
            boxes[3 * (r // 3) + c // 3] |= 1 << v

    def search():
        best, best_free = None, None
        for r in range(9):
            for c in range(9):
                if g[r, c] == 0:
                    free = ~(rows[r] | cols[c] | boxes[3 * (r // 3) + c // 3]) & 0x3FE
                    if best is None or free.bit_count() < best_free.bit_count():
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


def solve_with_stack(grid):
    """The notebook's propagation, with the search written as a loop over an explicit stack
    of candidate dictionaries (no recursion), guessing in the most constrained cell."""
    fns = notebook()
    g = np.asarray(grid)
    if g.shape != (9, 9) or not np.issubdtype(g.dtype, np.number):
        raise ValueError(f"need a 9×9 grid, got shape {g.shape}")
    if np.any((g < 0) | (g > 9) | (g % 1 != 0)):
        raise ValueError("cells hold whole numbers 0-9")
    g = g.astype(np.int64)
    clashes = fns["conflicts"](g)
    if clashes:
        raise ValueError(", ".join(clashes))
    start = {cell: "123456789" for cell in fns["CELLS"]}
    for cell in fns["CELLS"]:
        if g[cell] and not fns["_assign"](start, cell, str(g[cell])):
            raise ValueError("the givens leave no solution")
    stack = [start]
    while stack:
        candidates = stack.pop()
        open_cells = [cell for cell, digits in candidates.items() if len(digits) > 1]
        if not open_cells:
            return np.array([[int(candidates[(r, c)]) for c in range(9)] for r in range(9)], dtype=np.int32)
        cell = min(open_cells, key=lambda c: len(candidates[c]))
        for digit in reversed(candidates[cell]):
            attempt = copy.copy(candidates)
            if fns["_assign"](attempt, cell, digit):
                stack.append(attempt)
    raise ValueError("no solution")


SOLVER_VARIANTS = [from_notebook("solve_sudoku"), solve_backtracking, solve_with_stack]


@pytest.mark.parametrize("variant", SOLVER_VARIANTS)
def test_solve_sudoku_accepts_correct_variants(variant):
    check.solve_sudoku(variant)
    check.solve_sudoku(variant, seed=6)


def test_solve_sudoku_names_changed_givens():
    def always_the_same(grid):
        np.asarray(grid)
        return checks.LECTURE_SOLUTION[[1, 0, 2, 3, 4, 5, 6, 7, 8]]  # valid, but not this puzzle's

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
            return notebook()["solve_sudoku"](grid)
        except ValueError as error:
            if "no solution" not in str(error):
                raise
            while True:
                pass

    with pytest.raises(AssertionError, match="loops for ever"):
        check.solve_sudoku(loops_on_unsolvable, timeout=2.0)


def test_solve_sudoku_requires_a_value_error():
    def returns_none(grid):
        try:
            return notebook()["solve_sudoku"](grid)
        except ValueError:
            return None

    with pytest.raises(AssertionError, match="expected it to raise ValueError"):
        check.solve_sudoku(returns_none)

    def wrong_error(grid):
        try:
            return notebook()["solve_sudoku"](grid)
        except ValueError as error:
            raise RuntimeError(str(error))

    with pytest.raises(AssertionError, match="Expected a ValueError"):
        check.solve_sudoku(wrong_error)


def test_solve_sudoku_requires_the_unit_in_the_message():
    def vague(grid):
        try:
            return notebook()["solve_sudoku"](grid)
        except ValueError as error:
            if "contradict" in str(error):
                raise ValueError("invalid puzzle") from None
            raise

    with pytest.raises(AssertionError, match="should name 'row"):
        check.solve_sudoku(vague)

    def zero_based(grid):
        try:
            return notebook()["solve_sudoku"](grid)
        except ValueError as error:
            text = str(error)
            if "contradict" in text:
                name, number = text.split(": ")[1].split()[:2]
                raise ValueError(f"{name} {int(number) - 1} holds a digit twice") from None
            raise

    with pytest.raises(AssertionError, match="numbered from 0"):
        check.solve_sudoku(zero_based)


def test_solve_sudoku_rejects_a_solver_that_consumes_its_list():
    def consumes(grid):
        solution = notebook()["solve_sudoku"](grid)
        if isinstance(grid, list):
            for row in grid:
                row[:] = [v or 1 for v in row]
        return solution

    with pytest.raises(AssertionError, match=r"changed its first argument \(a list\) in place"):
        check.solve_sudoku(consumes)


def solve_brute_force(grid):
    """Plain backtracking in reading order, digits 1 to 9, no propagation, no cell choice."""
    g = np.array(grid).astype(int)
    if g.shape != (9, 9) or _unit_name(g):
        raise ValueError(_unit_name(g) or "not 9×9")

    def fits(r, c, d):
        return (d not in g[r] and d not in g[:, c]
                and d not in g[3 * (r // 3):3 * (r // 3) + 3, 3 * (c // 3):3 * (c // 3) + 3])

    empty = [(r, c) for r in range(9) for c in range(9) if g[r, c] == 0]

    def search(i):
        if i == len(empty):
            return True
        r, c = empty[i]
        for d in range(1, 10):
            if fits(r, c, d):
                g[r, c] = d
                if search(i + 1):
                    return True
        g[r, c] = 0
        return False

    if not search(0):
        raise ValueError("no solution")
    return g


def test_solve_sudoku_rejects_plain_backtracking_as_too_slow():
    with pytest.raises(AssertionError, match="(?s)ran for more than.*most constrained cell"):
        check.solve_sudoku(solve_brute_force, timeout=5.0)


# ---------------------------------------------------------------------------------------
# best_reading


def reading_heap(probabilities):
    """Best-first over subsets of changes with a heap (the lazy way), probabilities multiplied
    as ratios instead of adding logarithms."""
    fns = notebook()
    p = np.array(probabilities, dtype=np.float32)
    if p.shape != (81, 10):
        raise ValueError(f"expected shape (81, 10), got {p.shape}")
    plain = p.argmax(axis=1)
    changes = sorted(((p[k, plain[k]] / p[k, o], k, o) for k in range(81) for o in range(10)
                      if o != plain[k] and p[k, o] >= 0.01), key=lambda change: change[0])

    def acceptable(reading):
        if fns["conflicts"](reading.reshape(9, 9)):
            return False
        if p[np.arange(81), reading].min() >= 0.99:
            return True
        return fns["count_solutions"](reading.reshape(9, 9)) == 1

    heap = [(1.0, ())]
    while heap:
        ratio, chosen = heapq.heappop(heap)
        cells = [changes[i][1] for i in chosen]
        if len(cells) == len(set(cells)):
            reading = plain.copy()
            for i in chosen:
                reading[changes[i][1]] = changes[i][2]
            if acceptable(reading):
                return reading.reshape(9, 9)
        last = chosen[-1] if chosen else -1
        if last + 1 < len(changes):
            if len(chosen) < 3:
                heapq.heappush(heap, (ratio * changes[last + 1][0], chosen + (last + 1,)))
            if chosen:
                heapq.heappush(heap, (ratio / changes[last][0] * changes[last + 1][0], chosen[:-1] + (last + 1,)))
    return plain.reshape(9, 9)


def reading_by_size(probabilities):
    """All candidate readings scored by their full probability product, best first (a
    learner who does not think in changes but in whole readings)."""
    fns = notebook()
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape != (81, 10):
        raise ValueError(f"probabilities must be (81, 10), not {p.shape}")
    plain = p.argmax(axis=1)
    alternatives = [(k, o) for k in range(81) for o in range(10) if o != plain[k] and p[k, o] >= 0.01]
    readings = []
    for n in range(4):
        for combo in itertools.combinations(alternatives, n):
            if len({k for k, _ in combo}) < n:
                continue
            reading = plain.copy()
            for k, o in combo:
                reading[k] = o
            readings.append((-np.sum(np.log(p[np.arange(81), reading])), n, reading))
    readings.sort(key=lambda item: (item[0], item[1]))
    for _, _, reading in readings:
        grid = reading.reshape(9, 9)
        if fns["conflicts"](grid):
            continue
        if p[np.arange(81), reading].min() < 0.99 and count_solutions(grid, limit=5) != 1:
            continue
        return grid.tolist()
    return plain.reshape(9, 9).tolist()


READING_VARIANTS = [from_notebook("best_reading"), reading_heap, reading_by_size]


@pytest.mark.parametrize("variant", READING_VARIANTS)
def test_best_reading_accepts_correct_variants(variant):
    check.best_reading(variant)
    check.best_reading(variant, seed=7)


def test_reading_cases_are_what_they_claim():
    for seed in range(6):
        cases = checks.reading_cases(seed)  # raises if the oracle disagrees with a case's intent
        assert len(cases) == 9
        plain_differs = [not np.array_equal(c.table.argmax(axis=1).reshape(9, 9), c.expected) for c in cases]
        assert sum(plain_differs) >= 5  # most cases need a correction


def test_oracle_matches_the_notebook_on_random_tables(nb):
    """Random probability tables (several doubtful cells): the check's independent oracle and
    the solution agree."""
    from autograder.sudoku.render import random_puzzle

    rng = np.random.default_rng(0)
    for _ in range(6):
        givens, _ = random_puzzle(rng, 26, 32)
        table = checks._confident_table(givens, rng)
        for k in rng.choice(81, size=4, replace=False):
            options = rng.choice(10, size=3, replace=False)
            weights = rng.dirichlet([1, 1, 1]) * 0.97
            checks._set_row(table, int(k), {int(o): float(w) for o, w in zip(options, weights)})
        assert np.array_equal(checks.best_reading_oracle(table), nb["best_reading"](table))


def _reading(strategy):
    def best_reading(probabilities):
        fns = notebook()
        p = np.array(probabilities, dtype=float)
        plain = p.argmax(axis=1)
        if strategy == "plain":
            return plain.reshape(9, 9)
        if strategy == "flat":
            return fns["best_reading"](p).ravel()
        if strategy == "no shape check":
            return fns["best_reading"](p) if p.shape == (81, 10) else plain[:81].reshape(-1)
        if strategy == "normalises in place":
            probabilities /= np.asarray(probabilities).sum(axis=1, keepdims=True) * 1.0001
            return fns["best_reading"](probabilities)
        changes = [(np.log(p[k, plain[k]] / p[k, o]), k, o) for k in range(81) for o in range(10)
                   if o != plain[k] and p[k, o] >= 0.01 and (o > 0 or strategy != "digits only")]
        if strategy == "least sure cells":  # any of the next 3 options of the 6 least sure cells
            doubtful = np.argsort(p.max(axis=1))[:6]
            changes = [(np.log(p[k, plain[k]] / p[k, o]), int(k), int(o)) for k in doubtful for o in np.argsort(p[k])[-4:-1]]
        combos = [()] + [c for n in (1, 2, 3) for c in itertools.combinations(changes, n) if len({k for _, k, _ in c}) == n]
        combos.sort(key=lambda c: sum(cost for cost, _, _ in c))
        for combo in combos:
            reading = plain.copy()
            for _, k, o in combo:
                reading[k] = o
            if not fns["conflicts"](reading.reshape(9, 9)):
                if strategy == "repeats only":
                    return reading.reshape(9, 9)
                if strategy == "solvable is enough":
                    try:
                        fns["solve_sudoku"](reading.reshape(9, 9))
                        return reading.reshape(9, 9)
                    except ValueError:
                        continue
                if fns["count_solutions"](reading.reshape(9, 9)) == 1:
                    return reading.reshape(9, 9)
        return plain.reshape(9, 9)
    return best_reading


def reading_greedy(probabilities):
    """The least confident clashing cell takes its second choice, repeatedly (no search)."""
    fns = notebook()
    p = np.asarray(probabilities, dtype=float)
    reading = p.argmax(axis=1)
    for _ in range(3):
        grid = reading.reshape(9, 9)
        if not fns["conflicts"](grid):
            break
        clashing = [k for k in range(81) if reading[k] and any(
            (np.count_nonzero(unit == reading[k]) > 1) for unit in (grid[k // 9], grid[:, k % 9]))]
        if not clashing:
            break
        k = min(clashing, key=lambda k: p[k, reading[k]])
        reading[k] = np.argsort(p[k])[-2]
    return reading.reshape(9, 9)


@pytest.mark.parametrize("wrong, message", [
    (_reading("plain"), "the rules were not applied"),
    (_reading("repeats only"), "repeats no digit but has no solution"),
    (_reading("solvable is enough"), "has a solution, but more than one"),
    (_reading("digits only"), "'no digit' \\(column 0\\) was not among the options"),
    (_reading("least sure cells"), "probability below PLAUSIBLE"),
    (_reading("flat"), r"shape \(81,\)"),
    (_reading("no shape check"), "expected it to raise ValueError"),
    (_reading("normalises in place"), "changed its input array in place"),
    (reading_greedy, "not the best acceptable reading"),
])
def test_best_reading_names_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check.best_reading(wrong)


# ---------------------------------------------------------------------------------------
# read_sudoku


def read_colour_warp(image, model=None):
    """Warps the colour photo, then takes the darkest channel of the warped grid; reads with
    model.predict_on_batch through the notebook's cell_probabilities."""
    fns = notebook()
    model = fns["load_digit_model"]() if model is None else model
    corners = fns["find_grid_corners"](image)
    warped = fns["to_gray"](fns["warp_grid"](image, corners, fns["GRID_SIZE"]))
    cells = fns["split_cells"](warped)
    return fns["best_reading"](fns["cell_probabilities"](cells, model)).tolist()


READ_VARIANTS = [from_notebook("read_sudoku"), read_colour_warp]


@pytest.mark.parametrize("variant", READ_VARIANTS)
def test_read_sudoku_accepts_correct_variants(variant):
    check.read_sudoku(variant)


def test_read_sudoku_names_transposed_grid(nb):
    read = nb["read_sudoku"]
    with pytest.raises(AssertionError, match="transposed"):
        check.read_sudoku(lambda image, model=None: np.asarray(read(image, model)).T)


def test_read_sudoku_rejects_an_empty_reading():
    with pytest.raises(AssertionError, match="cells wrong"):
        check.read_sudoku(lambda image, model=None: np.zeros((9, 9), int))


def test_read_sudoku_names_an_ignored_model(nb):
    read = nb["read_sudoku"]
    with pytest.raises(AssertionError, match="`model` argument is ignored"):
        check.read_sudoku(lambda image, model=None: read(image))


def test_read_sudoku_requires_grey_photos(nb):
    read = nb["read_sudoku"]

    def colour_only(image, model=None):
        if np.asarray(image).ndim != 3:
            raise ValueError("expected an RGB photo")
        return read(image, model)

    with pytest.raises(AssertionError, match="in grey"):
        check.read_sudoku(colour_only)


def test_hints_have_three_tiers_and_their_code_renders_as_a_block(capsys):
    """Idea, formula, code; the code tier is a fenced ```python block with real line breaks,
    which Check.hint puts on a line of its own (Markdown ignores a fence in mid-line)."""
    from autograder.checks import registry

    for name in GRADED:
        hints = registry()[name].hints
        assert [label for label, _ in hints] == ["Idea", "Formula", "Code (this gives the answer away)"], name
        code = hints[2][1]
        assert code.startswith("```python\n") and "\n```" in code[len("```python\n"):], name
        assert "\\n" not in code and len(code.splitlines()) >= 4, name
    check.read_sudoku.hint(3)
    assert "\nif model is None:\n    model = load_digit_model()\n" in capsys.readouterr().out


RIGHT_VARIANTS = {
    "find_grid_corners": [from_notebook("find_grid_corners"), corners_as_tuples, corners_float32],
    "warp_grid": [from_notebook("warp_grid"), warp_skimage],
    "split_cells": [from_notebook("split_cells"), split_floor, split_round_loops, split_linspace,
                    split_array_split, split_ceil],
    "cell_is_empty": [from_notebook("cell_is_empty"), empty_as_int, empty_regionprops],
    "cell_probabilities": PROBABILITY_VARIANTS,
    "solve_sudoku": SOLVER_VARIANTS,
    "best_reading": READING_VARIANTS,
    "read_sudoku": READ_VARIANTS,
}
