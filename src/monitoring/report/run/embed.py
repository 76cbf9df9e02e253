"""Make a page Quarto rendered without ``embed-resources`` one self-contained file.

Quarto embeds a page's scripts, style sheets, fonts and images with a second Pandoc pass over
the whole page, about a second and a half for each Kreistag deck (reveal.js and its plugins,
the same files every time). `embedded` does the same with the files Quarto wrote beside the
page: each script and style sheet written inline, fonts and images (also those a style sheet
imports) as ``data:`` addresses. Only files inside the page's folder are read; an address
outside it (``https:…``) is left as it is, for the caller's check of external resources.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

from monitoring.errors import ReportError

_SCRIPT = re.compile(r'<script\b([^>]*?)\s*\bsrc="([^"]+)"([^>]*)>\s*</script>', re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_IMG_SRC = re.compile(r'(<img\b[^>]*?\b(?:data-)?src=")([^"]+)(")', re.I)  # reveal.js: data-src
_ATTR = re.compile(r'\b([\w-]+)="([^"]*)"')
_CSS_IMPORT = re.compile(r'@import\s*(?:url\(\s*)?(["\']?)([^"\')\s;]+)\1\s*\)?\s*;')
_CSS_URL = re.compile(r'url\(\s*(["\']?)([^"\')]+)\1\s*\)')
_MODULE_IMPORT = re.compile(r'\bimport\b[^;]*?\bfrom\s*["\']\.|\bimport\s*["\']\.')
_FONTS = {".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
          ".otf": "font/otf", ".eot": "application/vnd.ms-fontobject"}


class EmbedError(ReportError):
    """The page needs something `embedded` cannot write inline (a module importing others
    in a way `_with_imports` does not write in)."""


_NAMESPACE_IMPORT = re.compile(
    r'^import\s+\*\s+as\s+([A-Za-z_$][\w$]*)\s+from\s+(["\'])(\.[^"\']+)\2\s*;?[ \t]*$', re.M)
_EXPORT_DECLARATION = re.compile(
    r"^export\s+((?:async\s+)?function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)", re.M)


def _with_imports(code: str, folder: Path, root: Path) -> str:
    """A module's code with each ``import * as name from "./x.js"`` replaced by the module
    itself as an object `name` – for modules that only export declarations (Quarto's
    quarto.js imports its tabsets so). Anything else raises `EmbedError`."""

    def module(match: re.Match[str]) -> str:
        path = _local(match.group(3), folder)
        if path is None or not path.is_relative_to(root):
            raise EmbedError("Ein Skript der Seite lädt eine Datei außerhalb ihres Ordners.",
                             detail=match.group(0))
        inner = path.read_text(encoding="utf-8")
        names = [m.group(2) for m in _EXPORT_DECLARATION.finditer(inner)]
        body = _EXPORT_DECLARATION.sub(lambda m: f"{m.group(1)} {m.group(2)}", inner)
        if re.search(r"\b(?:import|export)\b", body):
            raise EmbedError("Ein Skript der Seite lädt weitere Dateien nach und kann nicht "
                             "eingebettet werden.", detail=str(path))
        return (f"const {match.group(1)} = (() => {{\n{body}\n"
                f"return Object.freeze({{ {', '.join(names)} }});\n}})();")

    return _NAMESPACE_IMPORT.sub(module, code)


def _local(address: str, base: Path) -> Path | None:
    """The file inside `base` that `address` (relative, no scheme) names, else None."""
    if re.match(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", address, re.I):
        return None
    path = (base / address.split("#", 1)[0].split("?", 1)[0]).resolve()
    if not path.is_relative_to(base.resolve()) or not path.is_file():
        return None
    return path


def _data_uri(path: Path) -> str:
    kind = _FONTS.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    return (f"data:{kind or 'application/octet-stream'};base64,"
            + base64.b64encode(path.read_bytes()).decode("ascii"))


def _css(path: Path, root: Path, seen: frozenset[Path] = frozenset()) -> str:
    """The style sheet at `path` with its imports written in and its files as data URIs."""
    text = path.read_text(encoding="utf-8")

    def imported(match: re.Match[str]) -> str:
        target = _local(match.group(2), path.parent)
        if target is None or target in seen or not target.is_relative_to(root):
            return match.group(0)
        return _css(target, root, seen | {path})

    def url(match: re.Match[str]) -> str:
        target = _local(match.group(2), path.parent)
        if target is None or not target.is_relative_to(root):
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(url, _CSS_IMPORT.sub(imported, text))


def embedded(html: str, base: Path) -> str:
    """`html` (a page in the folder `base`) with every local script, style sheet and image
    written into it. Raises `EmbedError` for a module script that imports another file."""
    root = base.resolve()

    def script(match: re.Match[str]) -> str:
        path = _local(match.group(2), base)
        if path is None:
            return match.group(0)
        code = path.read_text(encoding="utf-8")
        attrs = " ".join(part.strip() for part in (match.group(1), match.group(3))
                         if part.strip())
        if "module" in attrs:
            code = _with_imports(code, path.parent, root)
            if _MODULE_IMPORT.search(code):
                raise EmbedError("Ein Skript der Seite lädt weitere Dateien nach und kann "
                                 "nicht eingebettet werden.", detail=str(path))
        code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.I)
        return f"<script{' ' + attrs if attrs else ''}>{code}</script>"

    def link(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(0)))
        path = _local(attrs.get("href", ""), base)
        if path is None:
            return match.group(0)
        if "stylesheet" not in attrs.get("rel", ""):
            return match.group(0).replace(f'href="{attrs["href"]}"',
                                          f'href="{_data_uri(path)}"')
        css = _css(path, root)
        if "</style" in css.lower():
            return match.group(0)
        keep = "".join(f' {name}="{attrs[name]}"' for name in ("id", "media") if name in attrs)
        return f"<style{keep}>{css}</style>"

    def image(match: re.Match[str]) -> str:
        path = _local(match.group(2), base)
        return match.group(0) if path is None else (
            match.group(1) + _data_uri(path) + match.group(3))

    return _IMG_SRC.sub(image, _LINK.sub(link, _SCRIPT.sub(script, html)))
