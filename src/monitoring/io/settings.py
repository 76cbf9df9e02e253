"""Publishing settings: the disclosure-control rule, read from a small TOML file.

Where the settings come from, first match wins per value:

1. environment variables ``MONITORING_THRESHOLD`` / ``MONITORING_MIN_DENOMINATOR`` (the
   command line's ``--schwelle`` / ``--mindestnenner`` set them, so that every report kernel
   started by papermill inherits them);
2. the file named by ``$MONITORING_SETTINGS``, else ``monitoring.toml`` in the working folder::

       [geheimhaltung]
       schwelle = 3          # Fallzahlen 1 … schwelle−1 werden nicht ausgewiesen
       mindestnenner = 20    # Quoten mit kleinerem Nenner werden nicht ausgewiesen

3. the defaults of `monitoring.core.privacy` (3 and 20).

The same file may hold a section ``[status_dynamik_index]`` that overrides the shipped
defaults of the Status-Dynamik-Index (``monitoring/data/composite_index.toml``, see
`index_settings` and ``docs/composite_index.md``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from monitoring.core import composite_index, privacy
from monitoring.errors import ConfigError

ENV_FILE = "MONITORING_SETTINGS"
ENV_THRESHOLD = "MONITORING_THRESHOLD"
ENV_MIN_DENOMINATOR = "MONITORING_MIN_DENOMINATOR"


@dataclass(frozen=True)
class Settings:
    threshold: int = privacy.DEFAULT_THRESHOLD
    min_denominator: float = privacy.DEFAULT_MIN_DENOMINATOR
    source: str = "Voreinstellung"


def _number(value: object, what: str, origin: str) -> float:
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise ConfigError(f"{origin}: „{value}“ ist keine Zahl (erwartet für {what}, z. B. 3)."
                          ) from None


def load(path: str | os.PathLike[str] | None = None) -> Settings:
    """The settings in force (see the module docstring)."""
    file = _settings_file(path)
    values: dict[str, float] = {}
    source = "Voreinstellung"
    if file.exists():
        section = _read_toml(file).get("geheimhaltung", {})
        if not isinstance(section, dict):
            section = {}
        for key, name in (("schwelle", "threshold"), ("mindestnenner", "min_denominator")):
            if key in section:
                values[name] = _number(section[key], key, str(file))
        source = str(file)
    for env, name in ((ENV_THRESHOLD, "threshold"), (ENV_MIN_DENOMINATOR, "min_denominator")):
        if os.environ.get(env):
            values[name] = _number(os.environ[env], name, f"${env}")
            source = f"${env}"
    threshold = values.get("threshold", privacy.DEFAULT_THRESHOLD)
    if threshold != int(threshold) or threshold < 2:
        raise ConfigError(f"Die Geheimhaltungsschwelle muss eine ganze Zahl ab 2 sein "
                          f"(erhalten: {threshold:g}, aus {source}).")
    minimum = values.get("min_denominator", privacy.DEFAULT_MIN_DENOMINATOR)
    if minimum < 1:
        raise ConfigError(f"Der Mindestnenner muss mindestens 1 sein (erhalten: {minimum:g}).")
    return Settings(int(threshold), float(minimum), source)


def apply(settings: Settings | None = None) -> Settings:
    """Load (if not given) and put the disclosure rule in force for this process."""
    settings = settings or load()
    privacy.configure(threshold=settings.threshold, min_denominator=settings.min_denominator)
    return settings


INDEX_SECTION = "status_dynamik_index"
INDEX_DEFAULTS = "data/composite_index.toml"


def _settings_file(path: str | os.PathLike[str] | None) -> Path:
    return Path(path or os.environ.get(ENV_FILE) or "monitoring.toml")


def _read_toml(file: Path) -> dict[str, object]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"Die Einstellungsdatei {file} ist kein gültiges TOML. Prüfen Sie "
                          "die genannte Zeile (Texte in Anführungszeichen, Listen in "
                          "eckigen Klammern).", detail=str(err)) from err


def index_settings(path: str | os.PathLike[str] | None = None,
                   ) -> composite_index.IndexSettings:
    """Index indicators and method values of the Status-Dynamik-Index.

    The shipped defaults (``monitoring/data/composite_index.toml``) with every key of the
    section ``[status_dynamik_index]`` of the settings file (see module docstring) replacing
    its default, so a user changes indicators or class bounds without touching code.
    """
    from importlib.resources import files

    shipped = files("monitoring").joinpath(INDEX_DEFAULTS).read_text(encoding="utf-8")
    values = dict(tomllib.loads(shipped)[INDEX_SECTION])
    origin = "Voreinstellung"
    file = _settings_file(path)
    if file.exists():
        section = _read_toml(file).get(INDEX_SECTION)
        if section is not None:
            if not isinstance(section, dict):
                raise ConfigError(f"{file}: [{INDEX_SECTION}] muss ein Abschnitt mit "
                                  "Schlüsseln sein, z. B. indikatoren = [\"A19\", \"A21\"].")
            values.update(section)
            origin = f"{file}, Abschnitt [{INDEX_SECTION}]"
    return composite_index.IndexSettings.from_mapping(values, origin=origin)
