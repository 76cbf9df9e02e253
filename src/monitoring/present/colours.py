"""Colour checks for accessible reports: contrast ratio (WCAG 2.1) and colour-vision
simulation (Machado, Oliveira & Fernandes 2009) – small pure functions, no dependency.

Why: a map class or a traffic light must stay distinguishable for readers with a red-green
colour-vision deficiency (about 8 % of men), and text in charts and legends needs a contrast
of at least 4.5:1 against its background (WCAG 2.1, 1.4.3). The report's palettes are checked
with these functions in the tests; nothing here touches a file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["MACHADO", "contrast_ratio", "delta_e", "lab", "rgb", "simulate", "smallest_difference"]

# Machado et al. (2009), severity 1.0, applied to linear RGB.
MACHADO: dict[str, tuple[tuple[float, float, float], ...]] = {
    "protanopia": ((0.152286, 1.052583, -0.204868),
                   (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968),
                     (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779),
                   (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


_NAMED = {"white": "ffffff", "black": "000000"}


def rgb(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` (or ``#rgb``, ``white``, ``black``) as sRGB components in 0–1."""
    text = colour.strip().lstrip("#")
    text = _NAMED.get(text.casefold(), text)
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"Farbe `{colour}` ist keine Hex-Farbe wie `#1b4f72`.")
    return tuple(int(text[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _luminance(colour: str) -> float:
    r, g, b = (_linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1–21); text needs ≥ 4.5, graphics ≥ 3."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def simulate(colour: str, kind: str) -> str:
    """`colour` as a reader with `kind` (``protanopia``, ``deuteranopia``, ``tritanopia``)
    sees it, as ``#rrggbb``."""
    matrix = MACHADO[kind]
    linear = [_linear(c) for c in rgb(colour)]
    out = [sum(m * c for m, c in zip(row, linear, strict=True)) for row in matrix]
    return "#" + "".join(f"{round(_gamma(c) * 255):02x}" for c in out)


def lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in rgb(colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    """CIE76 colour difference of two colours (≈ 2.3: just noticeable; ≥ 10: clearly
    different at a glance)."""
    return math.dist(lab(a), lab(b))


def smallest_difference(colours: Sequence[str], kind: str | None = None) -> float:
    """The smallest `delta_e` between any two of `colours`, as seen with `kind` (None:
    normal colour vision)."""
    seen = [c if kind is None else simulate(c, kind) for c in colours]
    return min((delta_e(x, y) for i, x in enumerate(seen) for y in seen[i + 1:]),
               default=math.inf)
