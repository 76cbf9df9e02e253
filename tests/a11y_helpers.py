"""Accessibility checks in headless Chromium (issue 15), shared by the modules whose session
fixtures already produce the pages (test_demo_run, test_publish, test_quarto_render): no page
is produced twice for these checks.

* `axe_violations`: axe-core (bundled by the PyPI package ``axe-playwright-python``, axe-core
  itself is MPL-2.0; no download at run time) with the rules tagged WCAG 2.0/2.1 A and AA.
* `tab_walk`: the page used with the Tab key only – the skip link first, every link and
  control reached, each with a visible focus outline (computed style, contrast ≥ 3:1).
* `simulated`: a screenshot under a simulated colour-vision deficiency (an SVG feColorMatrix
  filter on the whole page, Machado et al. 2009, severity 1), and `delta_e` to tell whether
  colours that carry meaning stay apart in it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# The allow-list of axe rules ("axe:<rule id>") excused on every page: empty, and meant to
# stay so. An entry needs a reason a reviewer can check.
ALLOWED_VIOLATIONS: dict[str, str] = {}
MIN_DELTA_E = 10.0
"""Two colours that carry different meanings must differ by at least this (CIE76) in a
simulated colour-vision deficiency: clearly different at a glance, not only side by side."""


def axe_violations(page: Any, *, allowed: Iterable[str] = ()) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on `page` (a Playwright page, loaded), one line
    each: rule, impact, help text and the first elements it found; rules in `allowed` and
    `ALLOWED_VIOLATIONS` are left out."""
    from axe_playwright_python.base import AXE_SCRIPT  # type: ignore[import-untyped]

    page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})", WCAG_TAGS)
    skip = set(allowed) | {k.removeprefix("axe:") for k in ALLOWED_VIOLATIONS
                           if k.startswith("axe:")}
    lines = []
    for violation in result["violations"]:
        if violation["id"] in skip:
            continue
        nodes = [" ".join(map(str, n.get("target", []))) + ": " + n.get("failureSummary", "")
                 .replace("\n", " ")[:200] for n in violation["nodes"][:3]]
        lines.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×): "
                     f"{violation['help']} – " + " | ".join(nodes))
    return lines


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    """WCAG contrast ratio of two sRGB colours (0–255)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


_FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  let bg = null;
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; }
  }
  return {key: el.getAttribute('data-a11y-key'), tag: el.tagName,
          text: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60),
          outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
          outlineColor: s.outlineColor, background: bg || 'rgb(255, 255, 255)'};
}"""

# Every element a keyboard user must reach: links, buttons, form fields, summaries of
# <details>, anything with a non-negative tabindex; visible, not disabled, not inside a
# closed <details> (except its summary) – numbered so the walk can tell which it reached.
_MARK_TABBABLE = """() => {
  const sel = 'a[href], button, input, select, textarea, summary, [tabindex]';
  let n = 0;
  const keys = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.disabled || el.closest('[inert]')) continue;
    const t = el.getAttribute('tabindex');
    if (t !== null && parseInt(t, 10) < 0) continue;
    if (!el.getClientRects().length) continue;
    const closed = el.closest('details:not([open])');
    if (closed && !(el.tagName === 'SUMMARY' && el.parentElement === closed)) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const key = 'k' + (n++);
    el.setAttribute('data-a11y-key', key);
    keys.push({key: key, tag: el.tagName,
               text: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60)});
  }
  return keys;
}"""


def _rgb(css: str) -> tuple[float, float, float]:
    parts = css[css.index("(") + 1:css.index(")")].replace("/", ",").split(",")
    return float(parts[0]), float(parts[1]), float(parts[2])


def tab_walk(page: Any, *, limit: int = 600) -> dict[str, Any]:
    """Tab through `page` from its top: which marked elements were reached, in which order,
    and every focus stop whose outline is missing or below 3:1 against its background."""
    expected = page.evaluate(_MARK_TABBABLE)  # on a freshly loaded page: Tab starts at the top
    order: list[str] = []
    unmarked = 0
    weak: list[str] = []
    first: dict[str, Any] | None = None
    for _ in range(min(limit, len(expected) + 40)):
        page.keyboard.press("Tab")
        state = page.evaluate(_FOCUS_STATE)
        if state is None:
            if order:  # back at the document: the round is complete
                break
            continue
        first = first or state
        if state["key"] is None:  # e.g. an element plotly makes focusable after load
            unmarked += 1
        elif state["key"] in order:
            break
        else:
            order.append(state["key"])
        visible = state["outlineStyle"] not in ("none", "") and state["outlineWidth"] >= 2
        ratio = contrast(_rgb(state["outlineColor"]), _rgb(state["background"])) \
            if visible else 0.0
        if not visible or ratio < 3:
            weak.append(f"{state['tag']} „{state['text']}“: outline {state['outlineStyle']} "
                        f"{state['outlineWidth']}px {state['outlineColor']} auf "
                        f"{state['background']} ({ratio:.1f}:1)")
    reached = set(order)
    missed = [f"{e['tag']} „{e['text']}“" for e in expected if e["key"] not in reached]
    return {"expected": expected, "order": order, "first": first, "weak": weak,
            "missed": missed}


# Machado, Oliveira & Fernandes (2009), severity 1.0, for linear RGB (feColorMatrix's default
# colour space); achromatopsia: luminance only.
SIMULATIONS: dict[str, list[list[float]]] = {
    "deuteranopie": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "protanopie": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "achromatopsie": [[0.2126, 0.7152, 0.0722]] * 3,
}


def simulate(page: Any, kind: str | None) -> None:
    """Put the whole page under the filter of `kind` (None: remove it)."""
    page.evaluate("""(m) => {
      document.getElementById('a11y-cvd')?.remove();
      document.documentElement.style.filter = '';
      if (!m) return;
      const ns = 'http://www.w3.org/2000/svg';
      const svg = document.createElementNS(ns, 'svg');
      svg.id = 'a11y-cvd'; svg.setAttribute('width', '0'); svg.setAttribute('height', '0');
      svg.style.position = 'absolute';
      const filter = document.createElementNS(ns, 'filter'); filter.id = 'a11y-cvd-filter';
      const matrix = document.createElementNS(ns, 'feColorMatrix');
      matrix.setAttribute('type', 'matrix');
      matrix.setAttribute('values', m.map(r => r.concat([0, 0]).join(' ')).join(' ')
                          + ' 0 0 0 1 0');
      filter.appendChild(matrix); svg.appendChild(filter); document.body.appendChild(svg);
      document.documentElement.style.filter = 'url(#a11y-cvd-filter)';
    }""", SIMULATIONS[kind] if kind else None)


def pixels(png: bytes, points: Iterable[tuple[float, float]]) -> list[tuple[int, int, int]]:
    """The colours of a screenshot at `points` (CSS pixels of a 1× screenshot); each the
    median of a 3×3 neighbourhood, so anti-aliased edges do not decide."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    data = image.load()
    assert data is not None
    out: list[tuple[int, int, int]] = []
    for x, y in points:
        around: list[Any] = [data[min(max(int(x) + dx, 0), image.width - 1),
                                  min(max(int(y) + dy, 0), image.height - 1)]
                             for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        r, g, b = (sorted(int(c[i]) for c in around)[4] for i in range(3))
        out.append((r, g, b))
    return out


def _lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    """CIE76 colour difference of two sRGB colours (≈ 2.3: just noticeable; ≥ 10: clearly
    different at a glance)."""
    return math.dist(_lab(first), _lab(second))


def save(png: bytes, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(png)
    return path


_STRUCTURE = """() => {
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => h.getClientRects().length && !h.closest('[aria-hidden="true"]'))
    .map(h => ({level: +h.tagName[1], text: h.textContent.trim().slice(0, 60)}));
  const top = (sel) => [...document.querySelectorAll(sel)].filter(
    el => !el.parentElement.closest('main, article, aside, nav, section, header, footer'));
  return {lang: document.documentElement.lang, headings: headings,
          banner: top('header').length + document.querySelectorAll('[role=banner]').length,
          contentinfo: top('footer').length
                       + document.querySelectorAll('[role=contentinfo]').length,
          main: document.querySelectorAll('main, [role=main]').length,
          nav: document.querySelectorAll('nav, [role=navigation]').length,
          skip: (() => { const a = document.querySelector('body a');
                         return a ? {text: a.textContent.trim(), href: a.getAttribute('href')}
                                  : null; })()};
}"""


def structure_problems(page: Any, *, landmarks: Iterable[str] = (
        "banner", "nav", "main", "contentinfo")) -> list[str]:
    """What the page shell lacks: ``lang="de"``, exactly one ``h1`` as the first heading, no
    skipped heading level (h2 → h4), the `landmarks`, and a first link „Zum Inhalt
    springen“ whose target exists. (axe's rules for these are "best practice", not tagged
    WCAG, so they are checked here.)"""
    s = page.evaluate(_STRUCTURE)
    problems = []
    if s["lang"] != "de":
        problems.append(f'lang="{s["lang"]}" statt "de"')
    levels = [h["level"] for h in s["headings"]]
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} h1-Überschriften statt genau einer")
    if levels and levels[0] != 1:
        problems.append(f"erste Überschrift ist h{levels[0]}: {s['headings'][0]['text']}")
    for before, after in zip(s["headings"], s["headings"][1:], strict=False):
        if after["level"] > before["level"] + 1:
            problems.append(f"Überschrift springt von h{before['level']} „{before['text']}“ "
                            f"auf h{after['level']} „{after['text']}“")
    for landmark in landmarks:
        if not s[landmark]:
            problems.append(f"Landmarke {landmark} fehlt")
    skip = s["skip"]
    if not skip or skip["text"] != "Zum Inhalt springen" or not skip["href"].startswith("#"):
        problems.append(f"erster Link ist kein Sprunglink „Zum Inhalt springen“: {skip}")
    elif not page.evaluate("(id) => !!document.getElementById(id)", skip["href"][1:]):
        problems.append(f"Ziel des Sprunglinks {skip['href']} fehlt")
    return problems


_MEANING_COLOURS = """() => {
  // traffic lights: a coloured symbol per state (its text colour), and the symbol itself
  const lights = {};
  for (const el of document.querySelectorAll('.mon-light')) {
    const c = getComputedStyle(el).color;
    if (!(c in lights)) lights[c] = el.textContent.trim();
  }
  // class maps: a choropleth whose colour scale is a staircase (each class one colour)
  const maps = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    for (const t of (gd._fullData || [])) {
      const scale = t.type === 'choropleth' ? t.colorscale : null;
      if (!scale || scale.length < 4 || scale.length % 2) continue;
      let steps = true;
      for (let i = 0; i < scale.length; i += 2) steps = steps && scale[i][1] === scale[i + 1][1];
      if (!steps) continue;
      const classes = [...new Set(scale.map(s => s[1]))];
      if (!maps.some(m => m.join() === classes.join())) maps.push(classes);
    }
  }
  return {lights: Object.keys(lights), symbols: Object.values(lights), maps: maps};
}"""


def meaning_colours(page: Any) -> dict[str, Any]:
    """The colours that carry meaning on the page as rendered: one per traffic-light state
    (``.mon-light``, the computed colour of its symbol; ``symbols`` the symbols in the same
    order), and per class map (a plotly choropleth whose colour
    scale is a staircase) the colours of all its classes, in legend order."""
    return page.evaluate(_MEANING_COLOURS)


def swatch_points(page: Any, colours: list[str]) -> list[tuple[float, float]]:
    """Show `colours` as 40×40 px squares at the top of the viewport (above everything) and
    return their centres, so a screenshot shows each as the page's filter renders it."""
    found = page.evaluate("""(colours) => {
      document.getElementById('a11y-swatches')?.remove();
      const strip = document.createElement('div'); strip.id = 'a11y-swatches';
      strip.style.cssText = 'position:fixed;left:0;top:0;z-index:99999;display:flex;'
                          + 'background:#fff;padding:4px';
      for (const c of colours) {
        const s = document.createElement('div');
        s.style.cssText = 'width:40px;height:40px;margin-right:4px;background:' + c;
        strip.appendChild(s);
      }
      document.body.appendChild(strip);
      return [...strip.children].map(s => { const r = s.getBoundingClientRect();
                                            return [r.x + r.width / 2, r.y + r.height / 2]; });
    }""", colours)
    return [(float(x), float(y)) for x, y in found]


def closest_pair(colours: list[tuple[int, int, int]], names: list[str]) -> tuple[float, str]:
    """The smallest CIE76 difference among `colours` and which two it is."""
    best, which = math.inf, ""
    for i in range(len(colours)):
        for j in range(i + 1, len(colours)):
            d = delta_e(colours[i], colours[j])
            if d < best:
                best, which = d, f"{names[i]} / {names[j]}"
    return best, which
