"""Only the JupyterLab style rules a built-in report uses.

nbconvert's lab template inlines all of JupyterLab's stylesheet (≈ 240 KB: icons, side bars,
command palette, forms …) into every report, while a report shows a handful of its classes.
Dropping the rules whose class selectors cannot match anything in the page keeps the report
under the 2 MB a municipal mail server accepts (issue 16) and looks the same: a rule is only
dropped when one of the classes it requires appears nowhere in the page.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import tinycss2  # type: ignore[import-untyped]

START, END = "<!--mon-lab-css-->", "<!--/mon-lab-css-->"
"""Marks around the template's JupyterLab styles (templates/report/index.html.j2)."""

_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_FUNCTIONAL = re.compile(r":[\w-]+\([^()]*\)")  # :not(…), :is(…), :where(…)
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
_CLASS_TOKEN = re.compile(r"\b(?:jp|lm|p)-[\w-]+")


def without_unused_lab_css(html: str) -> str:
    """`html` with the style elements between `START` and `END` reduced to the rules that can
    match the page; the marks removed. A page without the marks is returned as it is."""
    start, end = html.find(START), html.find(END)
    if start < 0 or end < start:
        return html
    rest = html[:start] + html[end + len(END):]
    classes = page_classes(rest)
    block = _STYLE.sub(lambda m: m.group(1) + used_rules(m.group(2), classes) + m.group(3),
                       html[start + len(START):end])
    return html[:start] + block + html[end + len(END):]


def page_classes(html: str) -> set[str]:
    """Every class the page uses or may set by script: the ``class`` attributes, and any
    JupyterLab-like class name (``jp-…``, ``lm-…``) anywhere in its text (a generous superset,
    so a class a script adds keeps its rules)."""
    classes = {name for value in _CLASS_ATTRIBUTE.findall(html) for name in value.split()}
    return classes | set(_CLASS_TOKEN.findall(html))


def used_rules(css: str, classes: set[str]) -> str:
    """`css` (a stylesheet) with only the selectors whose classes are all in `classes`; rules
    without a class selector, ``@font-face``, custom properties and at-rules are kept."""
    return "\n".join(filter(None, (_kept(rule, classes) for rule in _rules(css))))


@dataclass(frozen=True)
class _Style:
    """A style rule: its selectors, each with the classes it requires, and its declarations."""

    selectors: tuple[tuple[str, frozenset[str]], ...]
    body: str


@dataclass(frozen=True)
class _Block:
    """A @media or @supports block: its head and its rules."""

    head: str
    rules: tuple[_Style | _Block | str, ...]


_Rule = _Style | _Block | str  # str: any other at-rule, kept as it is


@functools.lru_cache(maxsize=4)
def _rules(css: str) -> tuple[_Rule, ...]:
    """`css` parsed once per process: every report of a worker carries the same stylesheet."""
    return _parsed_all(tinycss2.parse_stylesheet(css, skip_comments=True,
                                                 skip_whitespace=True))


def _parsed_all(rules: list[object]) -> tuple[_Rule, ...]:
    return tuple(r for r in (_parsed(rule) for rule in rules) if r is not None)


def _parsed(rule: object) -> _Rule | None:
    if isinstance(rule, tinycss2.ast.QualifiedRule):
        selectors = tuple((s.strip(), frozenset(_required(s.strip())))
                          for s in _top_level_split(tinycss2.serialize(rule.prelude)))
        return _Style(selectors, tinycss2.serialize(rule.content).strip())
    if isinstance(rule, tinycss2.ast.AtRule):
        if rule.lower_at_keyword in ("media", "supports") and rule.content is not None:
            inner = tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                   skip_whitespace=True)
            return _Block(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}",
                          _parsed_all(inner))
        return str(rule.serialize())
    return None  # parse errors and stray declarations: the browser ignores them too


def _kept(rule: _Rule, classes: set[str]) -> str:
    if isinstance(rule, str):
        return rule
    if isinstance(rule, _Block):
        body = "\n".join(filter(None, (_kept(r, classes) for r in rule.rules)))
        return f"{rule.head}{{{body}}}" if body else ""
    kept = [selector for selector, required in rule.selectors if required <= classes]
    return ",".join(kept) + "{" + rule.body + "}" if kept else ""


def _required(selector: str) -> set[str]:
    """The classes an element path must carry for `selector` to match (not those inside
    ``:not(…)``, ``:is(…)`` and other functional pseudo-classes, or attribute selectors)."""
    return set(_CLASS.findall(_ATTRIBUTE.sub("", _FUNCTIONAL.sub("", selector))))


def _top_level_split(prelude: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in prelude:
        depth += char in "(["
        depth -= char in ")]"
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
