"""The one place where text becomes markup: HTML, pandoc Markdown (PDF via Typst, the
revealjs deck) and the Content-Security-Policy of every HTML page we write.

Every text from the store – area names, offer titles, providers, indicator names, measures,
conclusions – reaches an output only through `escape` (HTML) or `markdown` (pandoc): an
``<img src=x onerror=…>`` or a ``*Kurs* #1 $x$`` in a name prints literally. HTML that is
already safe (built here from escaped parts) is a `Markup`; `escape` leaves it unchanged,
so a fragment is never escaped twice.
"""

from __future__ import annotations

import base64
import hashlib
import html as _html_lib
import re

__all__ = ["CSP_MARKER", "Markup", "csp_meta", "escape", "markdown", "with_csp"]


class Markup(str):
    """Text that is already safe HTML (not escaped again): what a formatter such as
    `tables.traffic_light` and `tables.html_table` return. Every other text reaching HTML is
    escaped."""


def escape(text: object, *, quote: bool = True) -> str:
    """`text` for HTML element content or a quoted attribute value (``&<>"'`` as entities;
    ``quote=False``: only ``&<>``, for plotly's text labels); a `Markup` stays as it is."""
    if isinstance(text, Markup):
        return text
    return _html_lib.escape("" if text is None else str(text), quote=quote)


# Any ASCII punctuation character may be backslash-escaped in pandoc Markdown and then stands
# for itself. These start markup inside a line: emphasis, code, maths, raw HTML, entities,
# links and images, citations, spans and attributes, sub/superscript, strike-out, table pipes.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#$@|~^!&])")
# … and these only at the start of a line: list items, definition lists, ordered lists.
_MD_LINE_START = re.compile(r"^(\d*|[A-Za-z])([-+:.)])(?=\s)")


def markdown(text: object) -> str:
    """`text` for pandoc Markdown (a paragraph, a pipe-table cell, a caption, YAML metadata
    that pandoc reads as Markdown): printed literally, also after conversion to Typst or HTML.
    Line breaks become spaces (a cell or caption is one line); a plain name such as
    „Ilm-Kreis (16070)“ stays as it is."""
    flat = " ".join(str("" if text is None else text).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat)
    return _MD_LINE_START.sub(r"\1\\\2", escaped)


CSP_MARKER = 'http-equiv="Content-Security-Policy"'
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def csp_meta(page: str) -> str:
    """The ``<meta http-equiv="Content-Security-Policy">`` for the self-contained `page`.

    Nothing may be loaded from outside (``default-src 'none'``; images and fonts only as
    ``data:``/``blob:`` URIs, as nbconvert and plotly embed them). Scripts: only the inline
    ``<script>`` blocks written by us and plotly, allowed by their SHA-256 hashes – so an
    inline event handler (``onerror=…``) or a script added to the page later never runs
    (with a hash in the list browsers ignore ``'unsafe-inline'`` for handlers). plotly.js
    compiles no code at run time for the traces we use, so no ``'unsafe-eval'``.
    Styles: ``'unsafe-inline'``, because plotly positions its SVG with inline ``style``
    attributes and our traffic lights are coloured the same way; a style cannot run code.
    """
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(
        body.encode("utf-8")).digest()).decode("ascii") + "'"
        for body in _INLINE_SCRIPT.findall(page)})
    policy = ("default-src 'none'; "
              f"script-src {' '.join(hashes) or chr(39) + 'none' + chr(39)}; "
              "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
              "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")
    return f'<meta {CSP_MARKER} content="{policy}">'


def with_csp(page: str) -> str:
    """`page` (a whole HTML document) with `csp_meta` at the top of its head (after the
    ``<meta charset>``, which must stay in the first 1,024 bytes); a page that already has a
    policy is returned unchanged."""
    if CSP_MARKER in page:
        return page
    match = (re.search(r"<meta\s+charset=[^>]*>", page, re.I)
             or re.search(r"<head\b[^>]*>", page, re.I))
    if match is None:
        return page
    return page[:match.end()] + csp_meta(page) + page[match.end():]
