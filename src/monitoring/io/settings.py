"""Where the settings of a run come from: resolved once, in the process that starts the run.

`resolve` returns one frozen `monitoring.core.config.Settings` (disclosure rule, traffic-light
limits, Status-Dynamik-Index settings, and where each value came from). Per value, the first
source that has it wins:

1. a command-line flag (``--schwelle``, ``--mindestnenner``, ``--ampel-toleranz``,
   ``--ampel-gefaehrdet``);
2. the file given with ``--settings FILE``, else the file named by ``$MONITORING_SETTINGS``
   (a named file that does not exist is an error, never silently skipped);
3. ``monitoring.toml`` in the current working folder;
4. the store's settings (``ampel_toleranz``, ``ampel_gefaehrdet`` in its meta table);
5. the defaults (`monitoring.core.privacy`: 3 and 20; `monitoring.core.concept.Thresholds`;
   ``monitoring/data/composite_index.toml``).

The file::

    [geheimhaltung]
    schwelle = 3          # Fallzahlen 1 … schwelle−1 werden nicht ausgewiesen
    mindestnenner = 20    # Quoten mit kleinerem Nenner werden nicht ausgewiesen

    [ampel]
    toleranz = 0.10       # grün bis 10 % hinter dem Zielpfad
    gefaehrdet = 0.30     # gelb bis 30 %, sonst rot

    [stand]
    hoechstalter_jahre = 2   # ein Indikatorwert gilt bis zum nächsten, höchstens 2 Jahre

    [status_dynamik_index]   # only keys that differ from the shipped defaults
    indikatoren = ["A19", "A21"]

    [darstellung]            # PDF, Kreistag deck and index
    logo = "logo.png"        # PNG or JPEG, relative to this file
    farbe = "#1B4F72"        # headings and title bars, white text on it (≥ 4.5:1)
    akzentfarbe = "#F0A500"  # rules and highlights
    herausgeber = "Landkreis Ilm-Kreis"

    [barrierefreiheit]       # Erklärung zur Barrierefreiheit and feedback contact
    stelle = "Landratsamt Ilm-Kreis, Integrationsmanagement"
    email = "integration@landkreis.example"   # feedback contact, shown in every report's footer
    telefon = "01234 567-0"              # optional
    anschrift = "Musterstraße 1, 99999 Musterstadt"   # optional
    stand = "2026-12-01"     # date the statement was made or last reviewed
    pruefung = "Selbstbewertung"   # how conformance was assessed
    durchsetzungsstelle = "…"      # Thuringia's Ombudsstelle / Schlichtungsstelle, as published

Unknown sections and keys are refused (a typo must not silently leave the default in force).

The run hands the resolved settings to every report kernel as a notebook parameter
(``settings_json``) and to every publication step as the object; nothing is passed through
environment variables or module globals, and no kernel reads a file relative to its own
folder. The old variables ``MONITORING_THRESHOLD`` / ``MONITORING_MIN_DENOMINATOR`` are no
longer read; when one is set, `resolve` stops with a message naming the replacement.

**Notebooks run interactively** (JupyterLab, kernel working folder ``notebooks/``, parameter
``settings_json`` empty) resolve with ``upward=True``: ``monitoring.toml`` is looked for in the
working folder, then in its parents up to the first folder holding ``pyproject.toml`` or
``_quarto.yml`` (the project folder) or the file-system root – so the notebook picks up the
same ``monitoring.toml`` that ``monitoring run`` started in the project folder uses.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from monitoring.core import composite_index, config
from monitoring.core.config import (
    ACCESSIBILITY,
    ACCESSIBILITY_KEYS,
    INDEX,
    SECTIONS,
    STYLE,
    STYLE_KEYS,
    VALUES,
    Settings,
)
from monitoring.errors import ConfigError

if TYPE_CHECKING:
    from monitoring.store.database import Store

FILE_NAME = "monitoring.toml"
ENV_FILE = "MONITORING_SETTINGS"
OBSOLETE_ENV = {"MONITORING_THRESHOLD": "--schwelle bzw. [geheimhaltung] schwelle",
                "MONITORING_MIN_DENOMINATOR": "--mindestnenner bzw. [geheimhaltung] "
                                              "mindestnenner"}
PROJECT_MARKERS = ("pyproject.toml", "_quarto.yml")
INDEX_DEFAULTS = "data/composite_index.toml"
# command-line option of each key (flags given to `resolve` are keyed like `config.KEYS`)
FLAGS = {"geheimhaltung.schwelle": "--schwelle", "geheimhaltung.mindestnenner": "--mindestnenner",
         "ampel.toleranz": "--ampel-toleranz", "ampel.gefaehrdet": "--ampel-gefaehrdet"}
# store meta key of each key the store may hold
META_KEYS = {"ampel.toleranz": "ampel_toleranz", "ampel.gefaehrdet": "ampel_gefaehrdet"}


def resolve(*, flags: Mapping[str, object | None] | None = None,
            file: str | os.PathLike[str] | None = None, store: Store | None = None,
            meta: Mapping[str, str] | None = None, cwd: str | os.PathLike[str] | None = None,
            upward: bool = False, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in force (see the module docstring for the order).

    `flags` holds command-line values by key (``geheimhaltung.schwelle`` …; None = not
    given); `file` is ``--settings``; `store` (or its `meta`) supplies store settings; `cwd`
    defaults to the current working folder and `environ` to ``os.environ``.
    """
    environ = os.environ if environ is None else environ
    here = Path.cwd() if cwd is None else Path(cwd)
    for name, replacement in OBSOLETE_ENV.items():
        if environ.get(name):
            raise ConfigError(
                f"Die Umgebungsvariable {name} wird nicht mehr gelesen (sie erreichte die "
                f"Berichte nicht zuverlässig). Verwenden Sie {replacement} in monitoring.toml "
                f"und entfernen Sie die Variable.")
    values: dict[str, object] = {key: VALUES[key.split(".")[0]][key.split(".")[1]][1]
                                 for key in config.KEYS}
    origins: dict[str, str] = {}
    index_values = _shipped_index()
    index_origins: list[str] = []

    def take(section_values: Mapping[str, object], origin: str) -> None:
        for key, value in section_values.items():
            values[key] = value
            origins[key] = origin

    if meta is None and store is not None:
        meta = store.meta()
    stored = meta or {}
    take({key: stored[name] for key, name in META_KEYS.items() if stored.get(name)},
         "Einstellung in der Datenbank")
    layers: list[tuple[Path, str]] = []
    local = _find_local(here, upward)
    if local is not None:
        layers.append((local, _local_origin(local, here)))
    named, via = (file, "--settings") if file else (environ.get(ENV_FILE) or None, f"${ENV_FILE}")
    if named:
        path = Path(named)
        if not path.is_absolute():
            path = here / path
        if not path.is_file():
            raise ConfigError(f"Die Einstellungsdatei {named} ({via}) gibt es nicht. Prüfen Sie "
                              "den Pfad; ohne diese Datei würde mit anderen Einstellungen "
                              "veröffentlicht.")
        layers.append((path, f"Einstellungsdatei {_shown(path, here)} ({via})"))
    style_values: dict[str, object] = {}
    style_origin = config.DEFAULT_ORIGIN
    logo_file: str | None = None
    access_values: dict[str, object] = {}
    access_origin = config.DEFAULT_ORIGIN
    for path, origin in layers:
        sections = read_file(path, origin)
        take({f"{s}.{k}": v for s in VALUES for k, v in sections.get(s, {}).items()}, origin)
        if INDEX in sections:
            index_values.update(sections[INDEX])
            index_origins.append(f"{origin}, Abschnitt [{INDEX}]")
        if STYLE in sections:
            style_values.update(sections[STYLE])
            style_origin = origin
            if "logo" in sections[STYLE]:
                logo_file = _logo(path, str(sections[STYLE]["logo"]), origin)
        if ACCESSIBILITY in sections:
            access_values.update(sections[ACCESSIBILITY])
            access_origin = origin
    for key, value in (flags or {}).items():
        if key not in FLAGS:
            raise ConfigError(f"Unbekannte Einstellung `{key}`; erlaubt: {', '.join(FLAGS)}.")
        if value is not None:
            take({key: value}, f"Befehlszeile ({FLAGS[key]})")
    if index_origins:
        origins[INDEX] = index_origins[-1] if len(index_origins) == 1 else \
            "; ".join(index_origins)
    if style_values:
        origins[STYLE] = style_origin
    if access_values:
        origins[ACCESSIBILITY] = access_origin
    style = config.build_style(style_values, style_origin, logo_file=logo_file)
    access = config.build_accessibility(access_values, access_origin)
    return config.build(values, origins, index_values, style, access)


def _logo(settings_file: Path, name: str, origin: str) -> str:
    """The logo named in `settings_file` (relative to its folder): an existing PNG or JPEG,
    else a German error naming the file and what is allowed."""
    path = Path(name)
    if not path.is_absolute():
        path = settings_file.parent / path
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ConfigError(f"{origin}: [{STYLE}] logo = „{name}“ muss eine PNG- oder JPEG-Datei "
                          "sein (PDF und Folien können andere Formate nicht einbinden).")
    if not path.is_file():
        raise ConfigError(f"{origin}: Die Logodatei „{name}“ gibt es nicht (gesucht relativ "
                          f"zur Einstellungsdatei {settings_file.name}). Prüfen Sie den Namen "
                          "oder entfernen Sie den Schlüssel `logo`.")
    return str(path.resolve())


def interactive(store: Store | None = None) -> Settings:
    """The settings for a notebook run without the ``settings_json`` parameter (JupyterLab):
    `resolve` with ``monitoring.toml`` searched from the working folder upwards."""
    return resolve(store=store, upward=True)


def _find_local(here: Path, upward: bool) -> Path | None:
    """``monitoring.toml`` in `here` (with `upward`: or in the nearest parent, stopping at the
    project folder – one holding ``pyproject.toml`` or ``_quarto.yml`` – or the root)."""
    for folder in [here, *here.resolve().parents] if upward else [here]:
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return None
    return None


def _shown(path: Path, here: Path) -> str:
    """A file as named in reports and registers: relative to the working folder when inside
    it, else its name only (published files carry no absolute server paths)."""
    try:
        return path.resolve().relative_to(here.resolve()).as_posix()
    except ValueError:
        return path.name


def _local_origin(path: Path, here: Path) -> str:
    if path.parent.resolve() == here.resolve():
        return f"{FILE_NAME} im Arbeitsordner"
    try:
        up = len(here.resolve().relative_to(path.parent.resolve()).parts)
    except ValueError:
        return FILE_NAME
    return f"{'../' * up}{FILE_NAME} (vom Arbeitsordner aus gefunden)"


def read_file(path: Path, origin: str | None = None) -> dict[str, dict[str, object]]:
    """The sections of a settings file, with unknown sections and keys refused."""
    origin = origin or str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"Die Einstellungsdatei {path} ist kein gültiges TOML. Prüfen Sie "
                          "die genannte Zeile (Texte in Anführungszeichen, Listen in "
                          "eckigen Klammern).", detail=str(err)) from err
    except OSError as err:
        raise ConfigError(f"Die Einstellungsdatei {path} kann nicht gelesen werden "
                          f"({err.strerror or err}).", detail=str(err)) from err
    problems = []
    for section, content in data.items():
        if section not in SECTIONS:
            problems.append(f"unbekannter Abschnitt [{section}]")
        elif not isinstance(content, dict):
            problems.append(f"[{section}] muss ein Abschnitt mit Schlüsseln sein")
        else:
            allowed = _allowed(section)
            problems += [f"unbekannter Schlüssel `{key}` in [{section}]"
                         for key in content if key not in allowed]
    if problems:
        allowed_text = "; ".join(
            f"[{s}] " + ", ".join(_allowed(s))
            for s in SECTIONS)
        raise ConfigError(f"Die Einstellungsdatei {path} ({origin}) enthält Tippfehler: "
                          f"{'; '.join(problems)}. Erlaubt sind: {allowed_text}.")
    return data


def _allowed(section: str) -> tuple[str, ...]:
    """The keys allowed in `section` of a settings file."""
    if section == INDEX:
        return tuple(composite_index.KEYS)
    if section == STYLE:
        return tuple(STYLE_KEYS)
    if section == ACCESSIBILITY:
        return tuple(ACCESSIBILITY_KEYS)
    return tuple(VALUES[section])


def _shipped_index() -> dict[str, object]:
    shipped = files("monitoring").joinpath(INDEX_DEFAULTS).read_text(encoding="utf-8")
    return dict(tomllib.loads(shipped)[INDEX])
