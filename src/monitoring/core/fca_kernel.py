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

    def __init__(self, x: np.ndarray, y: np.ndarray, cell_m: float) -> None:
        self.cell = cell_m
        self.x0, self.y0 = float(x.min()), float(y.min())
        cx = ((x - self.x0) // cell_m).astype(np.int64)
        cy = ((y - self.y0) // cell_m).astype(np.int64)
        self.ncols = int(cx.max()) + 1
        keys = cy * self.ncols + cx
        self.order = np.argsort(keys, kind="stable")
        self.keys = keys[self.order]
        self.x = x[self.order]
        self.y = y[self.order]

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
