"""Publishing settings: the disclosure-control rule, read from a small TOML file.

Where the settings come from, first match wins per value:

1. environment variables ``MONITORING_THRESHOLD`` / ``MONITORING_MIN_DENOMINATOR`` (the
   command line's ``--schwelle`` / ``--mindestnenner`` set them, so that every report kernel
   started by papermill inherits them);
2. the file named by ``$MONITORING_SETTINGS``, else ``monitoring.toml`` in the working folder::

       [geheimhaltung]
       schwelle = 3          # Fallzahlen 1 … schwelle−1 werden nicht ausgewiesen
       mindestnenner = 20    # Quoten mit kleinerem Nenner werden nicht ausgewiesen

3. the defaults of `monitoring.privacy` (3 and 20).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from monitoring import privacy
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
    file = Path(path or os.environ.get(ENV_FILE) or "monitoring.toml")
    values: dict[str, float] = {}
    source = "Voreinstellung"
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"Die Einstellungsdatei {file} ist kein gültiges TOML.",
                              detail=str(err)) from err
        section = data.get("geheimhaltung", {})
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
