"""The chunked Euclidean engine of the floating catchment methods (pure, no I/O).

Demand points are sorted into square cells; each cell is one contiguous slice of the sorted
arrays, and the offers that may reach it come from a KD-tree. Both steps are then dense NumPy
blocks (cell points × candidate offers) on a small thread pool, with memory linear in the
number of points (never one row per pair): it scales to the whole German 100 m grid. The
methods and their checks are in `monitoring.core.accessibility`; see
``benchmarks/bench_access.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from monitoring.core.weights import Decay


class Located(Protocol):
    """Points with metric coordinates and a value (`monitoring.core.accessibility.Points`).

    Read-only members, so that frozen dataclasses satisfy the protocol."""

    @property
    def x(self) -> np.ndarray: ...

    @property
    def y(self) -> np.ndarray: ...

    @property
    def value(self) -> np.ndarray: ...

    def __len__(self) -> int: ...


class _CellIndex:
    """Demand points sorted by square cell (row-major), so each cell is one contiguous slice."""

    def __init__(self, x: np.ndarray, y: np.ndarray, cell_m: float, *,
                 stable: bool = True) -> None:
        self.cell = cell_m
        self.x0, self.y0 = float(x.min()), float(y.min())
        cx = ((x - self.x0) // cell_m).astype(np.int64)
        cy = ((y - self.y0) // cell_m).astype(np.int64)
        self.ncols = int(cx.max()) + 1
        keys = cy * self.ncols + cx
        # Within a cell the order only changes the order of summation; the disc engine
        # takes the 4–5× faster unstable sort (still deterministic for the same input), or,
        # with fewer than 65,536 cells, NumPy's radix sort of 16-bit keys (linear time).
        if not stable and int(keys.max(initial=0)) < 2**16:
            self.order = np.argsort(keys.astype(np.uint16), kind="stable")
        else:
            self.order = np.argsort(keys, kind="stable" if stable else "quicksort")
        self.keys = keys[self.order]
        self.x = x[self.order]
        self.y = y[self.order]
        self._starts: np.ndarray | None = None

    def starts(self, nrows: int) -> np.ndarray:
        """For every cell key (row-major, one past the last too): the first sorted point at
        or after it, from the points per cell. Computed once per index."""
        if self._starts is None:
            per_cell = np.bincount(self.keys, minlength=nrows * self.ncols)
            self._starts = np.concatenate([[0], np.cumsum(per_cell)])
        return self._starts

    def occupied(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Start, end and centre (x, y) of every occupied cell's slice."""
        starts = np.flatnonzero(np.r_[True, self.keys[1:] != self.keys[:-1]])
        ends = np.r_[starts[1:], len(self.keys)]
        keys = self.keys[starts]
        cx = self.x0 + ((keys % self.ncols) + 0.5) * self.cell
        cy = self.y0 + ((keys // self.ncols) + 0.5) * self.cell
        return starts, ends, cx, cy


@dataclass(frozen=True)
class _Chunk:
    """Rows [start, end) of the sorted demand points and the offers that may reach them."""

    start: int
    end: int
    offers: np.ndarray


def _chunks(index: _CellIndex, supply: Located, catchment: float,
            max_elements: int) -> list[_Chunk]:
    """Per occupied cell, the offers within catchment + half the cell diagonal of its centre
    (a superset of the offers reaching any of its points); large cells split into row chunks
    so that one dense block (rows × offers) stays cache-sized."""
    from scipy.spatial import cKDTree

    starts, ends, cx, cy = index.occupied()
    tree = cKDTree(np.column_stack([supply.x, supply.y]))
    reach = catchment * (1 + 1e-9) + index.cell * np.sqrt(0.5)
    near = tree.query_ball_point(np.column_stack([cx, cy]), reach, return_sorted=True)
    chunks: list[_Chunk] = []
    for s, e, candidates in zip(starts.tolist(), ends.tolist(), near, strict=True):
        if not candidates:
            continue
        offers = np.asarray(candidates, dtype=np.intp)
        rows = max(max_elements // len(offers), 1)
        chunks.extend(_Chunk(a, min(a + rows, e), offers) for a in range(s, e, rows))
    return chunks


class _Buffers:
    """One thread's scratch arrays for dense blocks, reused so that no block allocates."""

    def __init__(self, size: int) -> None:
        self.d = np.empty(size)
        self.dy = np.empty(size)
        self.inside = np.empty(size, dtype=bool)

    def views(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = shape[0] * shape[1]
        return (self.d[:n].reshape(shape), self.dy[:n].reshape(shape),
                self.inside[:n].reshape(shape))


def _block(index: _CellIndex, supply: Located, chunk: _Chunk, catchment: float,
           decay: Decay, buffers: _Buffers) -> tuple[np.ndarray, np.ndarray]:
    """Dense weights (rows × offers, 0 outside the catchment; a view of `buffers`) and the
    number of offers in the catchment per row.

    The distance is ``sqrt(dx² + dy²)`` and the test ``d ≤ catchment`` is on the distance
    itself, as in `access` (its costs are distances)."""
    rows = slice(chunk.start, chunk.end)
    d, dy, inside = buffers.views((chunk.end - chunk.start, len(chunk.offers)))
    np.subtract(index.x[rows, None], supply.x[chunk.offers][None, :], out=d)
    np.multiply(d, d, out=d)
    np.subtract(index.y[rows, None], supply.y[chunk.offers][None, :], out=dy)
    np.multiply(dy, dy, out=dy)
    d += dy
    np.sqrt(d, out=d)
    np.less_equal(d, catchment, out=inside)
    return decay.weigh_in_place(d, inside), np.count_nonzero(inside, axis=1)


def default_workers() -> int:
    """Threads for the Euclidean engine: the CPUs this process may use (NumPy releases the
    GIL in the dense block operations, so threads really run in parallel)."""
    from multiprocessing import cpu_count

    return max(1, min(cpu_count(), 8))


def fca_euclidean(demand: Located, supply: Located, catchment: float, decay: Decay,
                  cell_m: float | None, cache_pairs: int, workers: int,
                  block_elements: int) -> tuple[np.ndarray, ...]:
    """Both steps of the (E)2SFCA with Euclidean distances: (access per demand point, offers
    in reach per demand point, weighted demand per offer, places per weighted person per
    offer), in the order of the inputs.

    Demand points are sorted into cells of `cell_m` (default: a third of the catchment); the
    dense blocks of step 1 are kept for step 2 up to `cache_pairs` weights; `workers` threads
    take every n-th chunk of at most `block_elements` weights.
    """
    from concurrent.futures import ThreadPoolExecutor

    index = _CellIndex(demand.x, demand.y, cell_m or catchment / 3)
    population = demand.value[index.order]
    chunks = _chunks(index, supply, catchment, block_elements)
    access_sorted = np.zeros(len(demand))
    reach_sorted = np.zeros(len(demand), dtype=np.int64)
    cache: list[np.ndarray | None] = [None] * len(chunks)
    workers = max(1, min(workers, len(chunks)))
    size = max([block_elements] + [len(c.offers) for c in chunks])

    def step1(worker: int) -> np.ndarray:
        # Each worker takes every `workers`-th chunk (deterministic, balanced) and sums the
        # weighted demand per offer into its own array; rows of different chunks never overlap.
        weighted = np.zeros(len(supply))
        budget = cache_pairs // workers
        buffers = _Buffers(size)
        for k in range(worker, len(chunks), workers):
            c = chunks[k]
            w, count = _block(index, supply, c, catchment, decay, buffers)
            weighted[c.offers] += population[c.start:c.end] @ w
            reach_sorted[c.start:c.end] = count
            if w.size <= budget:  # keep the block for step 2 while the budget lasts
                budget -= w.size
                cache[k] = w.copy()
        return weighted

    def step2(worker: int) -> None:
        buffers = _Buffers(size)
        for k in range(worker, len(chunks), workers):
            c = chunks[k]
            w = cache[k]
            cache[k] = None
            if w is None:
                w, _ = _block(index, supply, c, catchment, decay, buffers)
            access_sorted[c.start:c.end] = w @ ratio[c.offers]

    if workers == 1:
        weighted = step1(0)
    else:
        with ThreadPoolExecutor(workers) as pool:
            weighted = np.sum(list(pool.map(step1, range(workers))), axis=0)
    ratio = ratio_per_offer(supply.value, weighted)
    if workers == 1:
        step2(0)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(step2, range(workers)))
    access = np.empty_like(access_sorted)
    access[index.order] = access_sorted
    reach = np.empty_like(reach_sorted)
    reach[index.order] = reach_sorted
    return access, reach, weighted, ratio


def ratio_per_offer(capacity: np.ndarray, weighted: np.ndarray) -> np.ndarray:
    """``R_j``: places per weighted person of each offer; 0 where nobody is in reach."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weighted > 0, capacity / weighted, 0.0)


# --------------------------------------------------------------------------- step weights


def exact_square_threshold(radius: float) -> float:
    """The largest float ``t`` with ``sqrt(t) ≤ radius``: ``d² ≤ t`` then decides exactly like
    ``sqrt(d²) ≤ radius`` (the test on distances that `access` and the block engine make),
    without a square root per pair (`sqrt` is correctly rounded, hence monotone)."""
    t = float(radius) * float(radius)
    while t > 0 and np.sqrt(t) > radius:
        t = float(np.nextafter(t, 0.0))
    while np.sqrt(np.nextafter(t, np.inf)) <= radius:
        t = float(np.nextafter(t, np.inf))
    return t


def disc_terms(decay: Decay, catchment: float) -> list[tuple[float, float]]:
    """A piecewise-constant weight inside the catchment as a sum of discs: ``[(radius,
    coefficient)]`` with ``W(d)·[d ≤ catchment] = Σ coefficient·[d ≤ radius]``.

    Uniform: one disc of the catchment. Steps ``{b_k: v_k}`` (weight of the first bound
    ``≥ d``, 0 beyond the last): discs of radius ``min(b_k, catchment)`` with coefficient
    ``v_k − v_{k+1}``. The catchment itself is always among the radii (coefficient 0 if the
    steps end before it), so that offers in reach are counted as in the block engine."""
    if decay.kind == "uniform":
        return [(catchment, 1.0)]
    if decay.kind != "step":
        raise ValueError(f"no disc decomposition for {decay.kind!r} weights")
    terms: dict[float, float] = {catchment: 0.0}
    values = [*decay.values, 0.0]
    for k, bound in enumerate(decay.bounds):
        radius = min(float(bound), catchment)
        terms[radius] = terms.get(radius, 0.0) + (values[k] - values[k + 1])
    return sorted(terms.items())


@dataclass(frozen=True)
class _Disc:
    """Demand points within `radius` of each offer, as slices of the cell-sorted points.

    Cells are thin: within one cell row, the cells entirely inside the disc form one
    contiguous run of cells (``interior``: row, first and last column, offer) that needs
    no distance at all; the cells the circle crosses form at
    most two slices on either side (``boundary``), whose points are tested one by one."""

    interior: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # row, first, last col, offer
    boundary: tuple[np.ndarray, np.ndarray, np.ndarray]
    threshold: float  # exact squared radius (`exact_square_threshold`)


# A margin far above floating-point error (coordinates ~1e6 m, error ~1e-9 m) and far below
# any distance that matters: a cell counts as interior only if it is inside the disc by this
# much, so the interior decision can never differ from the test on the point itself.
_MARGIN_M = 1e-3


def _disc(index: _CellIndex, nrows: int, supply: Located, radius: float) -> _Disc:
    """Interior and boundary slices of every (offer, cell row) pair within `radius`."""
    s, m = index.cell, _MARGIN_M
    reach = radius + m
    r_lo = np.floor((supply.y - reach - index.y0) / s).astype(np.int64)
    r_hi = np.floor((supply.y + reach - index.y0) / s).astype(np.int64)
    r_lo, r_hi = np.clip(r_lo, 0, nrows - 1), np.clip(r_hi, -1, nrows - 1)
    counts = np.maximum(r_hi - r_lo + 1, 0)
    offer = np.repeat(np.arange(len(supply)), counts)
    row = np.repeat(r_lo, counts) + (np.arange(int(counts.sum()))
                                      - np.repeat(np.cumsum(counts) - counts, counts))
    ox, oy = supply.x[offer], supply.y[offer]
    y_low = index.y0 + row * s
    y_high = y_low + s
    near_y = np.maximum(np.maximum(y_low - m - oy, oy - y_high - m), 0.0)
    far_y = np.maximum(oy - (y_low - m), (y_high + m) - oy)
    half = np.sqrt(np.maximum(reach * reach - near_y * near_y, -1.0))
    keep = reach * reach >= near_y * near_y
    inner = radius - m
    inner_sq = inner * inner - far_y * far_y
    has_inner = (inner > 0) & (inner_sq >= 0)
    a = np.sqrt(np.where(has_inner, inner_sq, 0.0))
    last = index.ncols - 1
    c_lo = np.clip(np.floor((ox - half - index.x0) / s), 0, last).astype(np.int64)
    c_hi = np.clip(np.floor((ox + half - index.x0) / s), -1, last).astype(np.int64)
    i_lo = np.ceil((ox - a + m - index.x0) / s)
    i_hi = np.floor((ox + a - m - index.x0) / s) - 1
    has_inner &= i_lo <= i_hi
    i_lo = np.where(has_inner, np.clip(i_lo, c_lo, c_hi + 1), c_hi + 1).astype(np.int64)
    i_hi = np.where(has_inner, np.clip(i_hi, i_lo - 1, c_hi), c_hi).astype(np.int64)
    keep &= c_lo <= c_hi
    offer, row, c_lo, c_hi, i_lo, i_hi = (v[keep] for v in (offer, row, c_lo, c_hi, i_lo,
                                                             i_hi))
    base = row * index.ncols
    starts = index.starts(nrows)

    def at(col: np.ndarray) -> np.ndarray:
        return starts[base + col]

    a0, a1, a2, a3 = at(c_lo), at(i_lo), at(i_hi + 1), at(c_hi + 1)
    inside = a2 > a1
    left, right = a1 > a0, a3 > a2
    boundary = (np.concatenate([a0[left], a2[right]]),
                np.concatenate([a1[left], a3[right]]),
                np.concatenate([offer[left], offer[right]]))
    return _Disc((row[inside], i_lo[inside], i_hi[inside], offer[inside]), boundary,
                 exact_square_threshold(radius))


# Candidate pairs tested per piece: the piece's few arrays (≈ 1 MiB) stay in the CPU cache
# between the dozen passes over them; pieces of a million pairs ran ≈ 15 % slower.
_PIECE = 1 << 15


def _boundary_pairs(index: _CellIndex, supply: Located, disc: _Disc,
                    max_pairs: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(sorted point, offer) pairs of the boundary slices with ``d ≤ radius``: tested in
    cache-sized pieces (`_PIECE` candidates), the hits joined into arrays of about
    `max_pairs` pairs (so that the bincounts of both steps run over few large arrays, and
    memory stays bounded by the hits)."""
    start, end, offer = disc.boundary
    length = end - start
    if len(length) == 0:
        return []
    group = (np.cumsum(length) - 1) // _PIECE
    cuts = np.flatnonzero(np.diff(group)) + 1
    out: list[tuple[np.ndarray, np.ndarray]] = []
    held: list[tuple[np.ndarray, np.ndarray]] = []
    held_pairs = 0
    # 32-bit indices where they fit: half the memory traffic of the per-pair arrays
    itype = np.int32 if len(index.x) < 2**31 and len(supply) < 2**31 else np.int64
    for part in np.split(np.arange(len(length)), cuts):
        ln = length[part]
        total = int(ln.sum())
        first = np.cumsum(ln) - ln
        point = np.repeat((start[part] - first).astype(itype), ln)
        point += np.arange(total, dtype=itype)
        # the offer's coordinates repeated along its slice (no gather per pair)
        d = index.x[point]
        d -= np.repeat(supply.x[offer[part]], ln)
        d *= d
        dy = index.y[point]
        dy -= np.repeat(supply.y[offer[part]], ln)
        dy *= dy
        d += dy
        hit = d <= disc.threshold
        held.append((point[hit], np.repeat(offer[part].astype(itype), ln)[hit]))
        held_pairs += len(held[-1][0])
        if held_pairs >= max_pairs:
            out.append((np.concatenate([h[0] for h in held]),
                        np.concatenate([h[1] for h in held])))
            held, held_pairs = [], 0
    if held:
        out.append((np.concatenate([h[0] for h in held]), np.concatenate([h[1] for h in held])))
    return out


def disc_cell_m(demand: Located, catchment: float) -> float:
    """Cell side for `fca_discs`: the mean point spacing (``sqrt(area / points)`` of the
    demand's bounding box), within catchment / 48 … catchment / 8.

    Per offer, the distance tests grow with cell side × point density (the cells the circle
    crosses) and the interior runs with catchment / cell side (one per cell row): the sum is
    least at a side proportional to the point spacing, whatever the catchment. Measured on
    the benchmark's 100,000 × 2,000 points (`benchmarks/bench_access.py`): best sides
    625–940 m at 10 and 30 km; the rule gives 730 m, 4–14 % less CPU than catchment / 24.
    The cell grid stays about as large as the number of points."""
    if len(demand) == 0:
        return catchment / 24
    area = float(np.ptp(demand.x)) * float(np.ptp(demand.y))
    spacing = float(np.sqrt(area / len(demand))) if area > 0 else catchment / 24
    return min(max(spacing, catchment / 48), catchment / 8)


def fca_discs(demand: Located, supply: Located, catchment: float, decay: Decay,
              cell_m: float | None, max_pairs: int = 1 << 20) -> tuple[np.ndarray, ...]:
    """Both steps of the 2SFCA (uniform weights) and of the step-weight E2SFCA, exactly, with
    most pairs never formed: same return value as `fca_euclidean`.

    A step weight is a sum of discs (`disc_terms`). Demand points are sorted into small cells
    (default `disc_cell_m`: about one mean point spacing); per offer and cell row, the cells
    wholly inside a disc are one slice of the sorted points, summed from a running total
    (step 1) or marked with a difference array (step 2); only points in cells the circle
    crosses – a few per cent of the pairs – get a distance, tested as ``d² ≤ t`` with the
    exact threshold."""
    index = _CellIndex(demand.x, demand.y, cell_m or disc_cell_m(demand, catchment),
                       stable=False)
    nrows = int(index.keys[-1] // index.ncols) + 1
    n, m = len(demand), len(supply)
    width = index.ncols + 1
    population = demand.value[index.order]
    # Population per cell, summed along each cell row (a leading 0 per row): the interior
    # cells of one row are a difference of two entries. Per row, so rounding stays local.
    cells = np.bincount(index.keys, weights=population, minlength=nrows * index.ncols)
    grid = np.zeros((nrows, width))
    np.cumsum(cells.reshape(nrows, index.ncols), axis=1, out=grid[:, 1:])
    running = grid.ravel()

    def spread(row: np.ndarray, first: np.ndarray, last: np.ndarray,
               values: np.ndarray | None) -> np.ndarray:
        """Per sorted point, the sum of `values` over the interior runs covering its cell
        (difference array along each cell row)."""
        marks = (np.bincount(row * width + first, weights=values, minlength=nrows * width)
                 - np.bincount(row * width + last + 1, weights=values,
                               minlength=nrows * width))
        per_cell = np.cumsum(marks.reshape(nrows, width), axis=1,
                             dtype=np.float64 if values is not None else np.int64)
        per_cell = per_cell[:, :-1].ravel()
        return per_cell[index.keys]

    terms = disc_terms(decay, catchment)
    discs = [(_disc(index, nrows, supply, radius), coef) for radius, coef in terms]
    weighted = np.zeros(m)
    kept: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for disc, coef in discs:
        row, first, last, j = disc.interior
        pairs = _boundary_pairs(index, supply, disc, max_pairs)
        kept.append(pairs)
        if coef == 0:
            continue
        base = row * width
        part = np.bincount(j, weights=running[base + last + 1] - running[base + first],
                           minlength=m).astype(np.float64)
        for point, jj in pairs:
            part += np.bincount(jj, weights=population[point], minlength=m)
        weighted += coef * part
    ratio = ratio_per_offer(supply.value, weighted)
    access_sorted = np.zeros(n)
    reach_sorted = np.zeros(n, dtype=np.int64)
    for (disc, coef), pairs in zip(discs, kept, strict=True):
        row, first, last, j = disc.interior
        covered = spread(row, first, last, None)
        if coef != 0:
            # Where no interior run covers a point, its share is exactly 0 (no residue of
            # the difference array's rounding).
            part = np.where(covered > 0, spread(row, first, last, ratio[j]), 0.0)
            for point, jj in pairs:
                part += np.bincount(point, weights=ratio[jj], minlength=n)
            access_sorted += coef * part
        if disc.threshold == exact_square_threshold(catchment):
            reach_sorted += covered
            for point, _ in pairs:
                reach_sorted += np.bincount(point, minlength=n)
    access = np.empty_like(access_sorted)
    access[index.order] = access_sorted
    reach = np.empty_like(reach_sorted)
    reach[index.order] = reach_sorted
    return access, reach, weighted, ratio
