"""Distance-decay weights for floating catchment methods (pure functions, no I/O).

A weight function maps a cost (distance in metres, or minutes from a travel-time matrix) to a
weight in [0, 1]. The definitions follow PySAL `access` (``access/weights.py``) exactly, so that
our results equal its results:

* `uniform`: weight 1 everywhere (classic 2SFCA; the catchment limit is applied separately).
* `step`: ``{upper bound: weight}``; a cost gets the weight of the smallest bound that is
  ≥ the cost (bounds are inclusive), and 0 beyond the largest bound.
* `luo_qi`: the E2SFCA zones of Luo & Qi (2009): weights 1 / 0.68 / 0.22 for the first,
  second and third third of the catchment.
* `gaussian`: ``exp(-c² / (2 σ²))``, not normalised, so the weight at cost 0 is 1.

Weights are applied in both steps of the method; costs beyond the catchment never count,
whatever the weight function says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from monitoring.errors import ConfigError

LUO_QI_WEIGHTS = (1.0, 0.68, 0.22)


@dataclass(frozen=True)
class Decay:
    """A distance-decay weight function; call it with an array of costs."""

    kind: str  # "uniform", "step" or "gaussian"
    bounds: tuple[float, ...] = ()
    values: tuple[float, ...] = ()
    sigma: float = 0.0

    def __call__(self, cost: np.ndarray) -> np.ndarray:
        cost = np.asarray(cost, dtype=np.float64)
        if self.kind == "uniform":
            return np.ones_like(cost)
        if self.kind == "step":
            table = np.append(np.asarray(self.values, dtype=np.float64), 0.0)
            return table[np.searchsorted(np.asarray(self.bounds), cost, side="left")]
        # Same operation order as access.weights.gaussian, so the floats are identical.
        return np.exp(-cost * cost / (2 * self.sigma**2))

    def weigh_in_place(self, cost: np.ndarray, inside: np.ndarray) -> np.ndarray:
        """Weights for a float64 cost array, 0 where `inside` is False; `cost` is overwritten
        and returned. The engine's hot path: no temporary arrays (unmasked in-place ufuncs
        are several times faster than masked ones or than `__call__` plus a product).
        Values equal `__call__` bit for bit."""
        if self.kind == "gaussian":
            # -(c·c) / (2σ²) equals __call__'s (-c)·c / (2σ²) exactly (negation is exact).
            np.multiply(cost, cost, out=cost)
            np.negative(cost, out=cost)
            np.divide(cost, 2 * self.sigma**2, out=cost)
            np.exp(cost, out=cost)
        elif self.kind == "step":
            cost[...] = self(cost)
        else:
            cost.fill(1.0)
        np.multiply(cost, inside, out=cost)
        return cost

    def describe_de(self, unit: str = "m") -> str:
        """German description for report notes, e.g. „Gauß-Abnahme, σ = 10.000 m“."""
        from monitoring import fmt

        if self.kind == "uniform":
            return "gleiches Gewicht im ganzen Einzugsbereich (2SFCA)"
        if self.kind == "step":
            zones, lower = [], 0.0
            for bound, value in zip(self.bounds, self.values, strict=True):
                zones.append(f"{fmt.number(lower)}–{fmt.number(bound)} {unit}: "
                             f"{fmt.number(value, 2)}")
                lower = bound
            return "Stufengewichte (E2SFCA) " + "; ".join(zones)
        return f"Gauß-Abnahme (E2SFCA), σ = {fmt.number(self.sigma)} {unit}"


def uniform() -> Decay:
    """Weight 1 for every cost inside the catchment: the classic 2SFCA of Luo & Wang (2003)."""
    return Decay("uniform")


def step(weights_by_bound: Mapping[float, float]) -> Decay:
    """Step weights: ``{upper bound (inclusive): weight}``, 0 beyond the largest bound."""
    if not weights_by_bound:
        raise ConfigError("Die Stufengewichte sind leer. Beispiel: {10000: 1, 20000: 0.68, "
                          "30000: 0.22}.")
    items = sorted((float(k), float(v)) for k, v in weights_by_bound.items())
    bad = [f"{k:g}: {v:g}" for k, v in items if not (np.isfinite(k) and np.isfinite(v))
           or v < 0 or k < 0]
    if bad:
        raise ConfigError(f"Ungültige Stufengewichte ({', '.join(bad)}): Grenzen und Gewichte "
                          "müssen endliche Zahlen ≥ 0 sein.")
    return Decay("step", tuple(k for k, _ in items), tuple(v for _, v in items))


def luo_qi(catchment: float) -> Decay:
    """E2SFCA zones of Luo & Qi (2009): the catchment in three equal zones, 1 / 0.68 / 0.22."""
    if not (np.isfinite(catchment) and catchment > 0):
        raise ConfigError(f"Der Einzugsbereich muss größer als 0 sein (erhalten: {catchment}).")
    return step({catchment * (k + 1) / 3: w for k, w in enumerate(LUO_QI_WEIGHTS)})


def gaussian(sigma: float) -> Decay:
    """Gaussian decay ``exp(-c²/(2σ²))`` with `sigma` in the unit of the cost (m or min)."""
    if not (np.isfinite(sigma) and sigma > 0):
        raise ConfigError(f"σ der Gauß-Abnahme muss größer als 0 sein (erhalten: {sigma}).")
    return Decay("gaussian", sigma=float(sigma))
