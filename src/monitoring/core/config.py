"""The settings of one run as a single frozen, typed value (pure: no files, no environment).

`Settings` holds the disclosure rule (`privacy.DisclosureRule`), the traffic-light limits
(`concept.Thresholds`), the Status-Dynamik-Index settings (`composite_index.IndexSettings`)
and how long an indicator value is carried forward from its Stichtag (`stand`),
and for every value where it came from (a German phrase such as „monitoring.toml im
Arbeitsordner“). `monitoring.io.settings.resolve` builds it once, in the process that starts a
run; the run hands it to every report kernel as JSON (`to_json` / `from_json`, the notebook
parameter ``settings_json``) and to every publication step as this object.

Keys are written as in ``monitoring.toml``: ``geheimhaltung.schwelle``,
``geheimhaltung.mindestnenner``, ``ampel.toleranz``, ``ampel.gefaehrdet``,
``stand.hoechstalter_jahre`` and the section
``status_dynamik_index`` (its keys: `composite_index.KEYS`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from monitoring.core import composite_index, concept, stand
from monitoring.core.privacy import DEFAULT_MIN_DENOMINATOR, DEFAULT_THRESHOLD, DisclosureRule
from monitoring.errors import ConfigError

DISCLOSURE = "geheimhaltung"
TRAFFIC_LIGHT = "ampel"
STAND = "stand"
INDEX = "status_dynamik_index"
STYLE = "darstellung"
ACCESSIBILITY = "barrierefreiheit"
DEFAULT_ORIGIN = "Voreinstellung"

# section → key → (German description for messages, default)
VALUES: dict[str, dict[str, tuple[str, float]]] = {
    DISCLOSURE: {"schwelle": ("die Geheimhaltungsschwelle", DEFAULT_THRESHOLD),
                 "mindestnenner": ("der Mindestnenner für Quoten", DEFAULT_MIN_DENOMINATOR)},
    TRAFFIC_LIGHT: {"toleranz": ("die Toleranz der Ampel (grün)", concept.Thresholds().tolerance),
                    "gefaehrdet": ("die Grenze „gefährdet“ der Ampel (gelb)",
                                   concept.Thresholds().at_risk)},
    STAND: {"hoechstalter_jahre": ("das Höchstalter übernommener Indikatorwerte in Jahren",
                                   stand.DEFAULT_MAX_AGE_YEARS)},
}
# [darstellung]: how the PDF, the deck and the index look (texts, not numbers)
STYLE_KEYS: dict[str, str] = {
    "logo": "Logodatei (PNG oder JPEG), relativ zur Einstellungsdatei",
    "farbe": "Hauptfarbe für Überschriften und Titelbalken (#RRGGBB, weiße Schrift darauf)",
    "akzentfarbe": "Akzentfarbe für Linien und Hervorhebungen (#RRGGBB)",
    "herausgeber": "Name, der als Herausgeber erscheint, z. B. „Landkreis Ilm-Kreis“",
}
# [barrierefreiheit]: the accessibility statement's facts only the county knows (texts)
ACCESSIBILITY_KEYS: dict[str, str] = {
    "stelle": "verantwortliche Stelle, z. B. „Landratsamt Ilm-Kreis, Integrationsmanagement“",
    "email": "E-Mail-Adresse für Rückmeldungen zur Barrierefreiheit, z. B. "
             "„integration@landkreis.example“",
    "telefon": "Telefonnummer für Rückmeldungen (freiwillig), z. B. „01234 567-0“",
    "anschrift": "Postanschrift der Stelle (freiwillig)",
    "stand": "Datum, an dem die Erklärung erstellt oder zuletzt überprüft wurde (JJJJ-MM-TT)",
    "pruefung": "wie die Vereinbarkeit bewertet wurde, z. B. „Selbstbewertung“",
    "durchsetzungsstelle": "Name, Anschrift und Internetadresse der in Thüringen zuständigen "
                           "Ombudsstelle / Schlichtungsstelle (Durchsetzungsverfahren)",
}
SECTIONS = (DISCLOSURE, TRAFFIC_LIGHT, STAND, INDEX, STYLE, ACCESSIBILITY)
KEYS = tuple(f"{section}.{key}" for section, keys in VALUES.items() for key in keys)


def number(value: object, key: str, origin: str) -> float:
    """A setting as a number; German decimal comma accepted in text (store meta, flags)."""
    if isinstance(value, bool):
        value = "ja" if value else "nein"
    try:
        result = float(str(value).strip().replace(",", ".")) if isinstance(value, str) \
            else float(value)  # type: ignore[arg-type]  # anything else: float() decides, errors below
    except (TypeError, ValueError):
        result = math.nan
    if not math.isfinite(result):
        what = VALUES[key.split(".", maxsplit=1)[0]][key.split(".")[1]][0]
        raise ConfigError(f"{origin}: „{value}“ ist keine Zahl (erwartet für `{key}`, "
                          f"{what}, z. B. {_example(key)}).")
    return result


def _example(key: str) -> str:
    section, name = key.split(".")
    default = VALUES[section][name][1]
    return f"{default:g}".replace(".", ",")


def _hex(value: str) -> tuple[int, int, int]:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#RRGGBB`` colour (0 black … 1 white)."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 … 21; text needs ≥ 4.5)."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Style:
    """The look of the PDF, the Kreistag deck and the index (``[darstellung]``).

    `logo_file` is the logo's path as resolved when the settings were read (only used to read
    the image); `logo` is how it is named in registers (relative, never a server path).
    """

    colour: str = "#1B4F72"
    accent: str = "#F0A500"
    publisher: str | None = None
    logo: str | None = None
    logo_file: str | None = None

    @property
    def rgb(self) -> tuple[int, int, int]:
        return _hex(self.colour)

    @property
    def accent_rgb(self) -> tuple[int, int, int]:
        return _hex(self.accent)

    def record(self) -> dict[str, object]:
        values: dict[str, object] = {"farbe": self.colour, "akzentfarbe": self.accent}
        if self.publisher:
            values["herausgeber"] = self.publisher
        if self.logo:
            values["logo"] = self.logo
        return values


def build_style(values: Mapping[str, object], origin: str, *,
                logo_file: str | None = None) -> Style:
    """Check a ``[darstellung]`` section (German messages naming `origin`)."""
    default = Style()
    colours = {}
    for key, fallback in (("farbe", default.colour), ("akzentfarbe", default.accent)):
        value = str(values.get(key, fallback)).strip()
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ConfigError(f"{origin}: [{STYLE}] {key} = „{value}“ ist keine Farbe; "
                              "erwartet #RRGGBB, z. B. \"#1B4F72\".")
        colours[key] = value.upper()
    ratio = contrast_ratio(colours["farbe"], "#FFFFFF")
    if ratio < 4.5:
        shown = f"{ratio:.1f}".replace(".", ",")
        raise ConfigError(
            f"{origin}: [{STYLE}] farbe = „{colours['farbe']}“ ist zu hell für weiße Schrift "
            f"(Kontrast {shown}:1, nötig mindestens 4,5:1). Wählen Sie eine dunklere "
            "Hauptfarbe, z. B. \"#1B4F72\".")
    publisher = values.get("herausgeber")
    logo = values.get("logo")
    return Style(colour=colours["farbe"], accent=colours["akzentfarbe"],
                 publisher=str(publisher).strip() or None if publisher else None,
                 logo=str(logo) if logo else None, logo_file=logo_file)


@dataclass(frozen=True)
class Accessibility:
    """The county's own facts for the accessibility statement and the feedback contact
    (``[barrierefreiheit]``); None where not set: the statement then shows the field as
    still to be filled in (`monitoring.report.publish.statement`)."""

    office: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    stated: str | None = None
    """ISO date (``2026-12-01``) the statement was made or last reviewed."""
    method: str | None = None
    enforcement: str | None = None

    @property
    def has_contact(self) -> bool:
        return bool(self.email or self.phone)

    def record(self) -> dict[str, object]:
        pairs = (("stelle", self.office), ("email", self.email), ("telefon", self.phone),
                 ("anschrift", self.address), ("stand", self.stated),
                 ("pruefung", self.method), ("durchsetzungsstelle", self.enforcement))
        return {key: value for key, value in pairs if value}


_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}")


def build_accessibility(values: Mapping[str, object], origin: str) -> Accessibility:
    """Check a ``[barrierefreiheit]`` section (German messages naming `origin`)."""
    def text(key: str) -> str | None:
        value = values.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ConfigError(f"{origin}: [{ACCESSIBILITY}] {key} muss ein Text in "
                              f"Anführungszeichen sein ({ACCESSIBILITY_KEYS[key]}).")
        return " ".join(value.split()) or None

    email = text("email")
    if email is not None and not _EMAIL.fullmatch(email):
        raise ConfigError(f"{origin}: [{ACCESSIBILITY}] email = „{email}“ ist keine "
                          "E-Mail-Adresse; erwartet z. B. \"integration@landkreis.example\".")
    phone = text("telefon")
    if phone is not None and not re.fullmatch(r"\+?[0-9][0-9 ()/.-]{3,30}", phone):
        raise ConfigError(f"{origin}: [{ACCESSIBILITY}] telefon = „{phone}“ ist keine "
                          "Telefonnummer; erwartet Ziffern mit Leerzeichen, „/“ oder „-“, "
                          "z. B. \"01234 567-0\".")
    stated = text("stand")
    if stated is not None:
        from datetime import date

        try:
            date.fromisoformat(stated)
        except ValueError:
            raise ConfigError(f"{origin}: [{ACCESSIBILITY}] stand = „{stated}“ ist kein "
                              "Datum; erwartet JJJJ-MM-TT, z. B. \"2026-12-01\".") from None
    return Accessibility(office=text("stelle"), email=email, phone=phone,
                         address=text("anschrift"), stated=stated, method=text("pruefung"),
                         enforcement=text("durchsetzungsstelle"))


@dataclass(frozen=True)
class Settings:
    """The resolved settings of a run; ``origins`` names the source of every value."""

    disclosure: DisclosureRule
    traffic_light: concept.Thresholds
    index: composite_index.IndexSettings
    origins: tuple[tuple[str, str], ...] = ()
    max_age_years: float = stand.DEFAULT_MAX_AGE_YEARS
    """An indicator value serves later quarters for at most this many years (`core.stand`)."""
    style: Style = Style()
    """Logo, colours and publisher of the PDF, the deck and the index (``[darstellung]``)."""
    accessibility: Accessibility = Accessibility()
    """Feedback contact and facts of the accessibility statement (``[barrierefreiheit]``)."""

    @property
    def max_age_quarters(self) -> int:
        return stand.max_age_quarters(self.max_age_years)

    def origin(self, key: str) -> str:
        """Where `key` (``geheimhaltung.schwelle`` …, or ``status_dynamik_index``) came from."""
        return dict(self.origins).get(key, DEFAULT_ORIGIN)

    def disclosure_origin_de(self) -> str:
        """The applied values of the disclosure rule and where each came from (German)."""
        threshold = self.origin("geheimhaltung.schwelle")
        minimum = self.origin("geheimhaltung.mindestnenner")
        d = self.disclosure
        if threshold == minimum:
            return (f"Angewandt: Schwelle {d.threshold}, Mindestnenner {d.min_denominator:g} "
                    f"({threshold}).")
        return (f"Angewandt: Schwelle {d.threshold} ({threshold}), Mindestnenner "
                f"{d.min_denominator:g} ({minimum}).")

    def disclosure_note_de(self) -> str:
        """The rule applied and where it came from (report footers, PDF, deck, comparison)."""
        return f"Geheimhaltung: {self.disclosure.text_de()} {self.disclosure_origin_de()}"

    def values(self) -> dict[str, dict[str, object]]:
        """All values by section, as ``monitoring.toml`` writes them."""
        return {DISCLOSURE: {"schwelle": self.disclosure.threshold,
                             "mindestnenner": self.disclosure.min_denominator},
                TRAFFIC_LIGHT: {"toleranz": self.traffic_light.tolerance,
                                "gefaehrdet": self.traffic_light.at_risk},
                STAND: {"hoechstalter_jahre": self.max_age_years},
                INDEX: self.index.to_mapping(),
                STYLE: self.style.record(),
                ACCESSIBILITY: self.accessibility.record()}

    def record(self) -> dict[str, object]:
        """Values and origins for the run's manifest and the publication register (no
        absolute paths: origins name files relative to the working folder)."""
        return {**self.values(), "herkunft": dict(self.origins)}

    def to_json(self) -> str:
        """The settings for a report kernel (notebook parameter ``settings_json``)."""
        return json.dumps(self.record(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        """The settings handed over by `to_json`; refused with a German message when broken."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("kein JSON-Objekt")
            origins = data.get("herkunft", {})
            values = {f"{section}.{key}": data[section][key]
                      for section, keys in VALUES.items() for key in keys}
            index_values = data[INDEX]
            style_values = data.get(STYLE) or {}
            if not isinstance(style_values, dict):
                raise ValueError(f"[{STYLE}] ist kein Abschnitt")
            access_values = data.get(ACCESSIBILITY) or {}
            if not isinstance(access_values, dict):
                raise ValueError(f"[{ACCESSIBILITY}] ist kein Abschnitt")
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError("Der Notebook-Parameter `settings_json` enthält keine gültigen "
                              "Einstellungen. Starten Sie den Bericht mit `monitoring run` "
                              "oder lassen Sie den Parameter leer (dann gilt monitoring.toml "
                              "ab dem Arbeitsordner).", detail=str(err)) from err
        style = build_style(style_values, str(origins.get(STYLE, DEFAULT_ORIGIN)))
        access = build_accessibility(access_values,
                                     str(origins.get(ACCESSIBILITY, DEFAULT_ORIGIN)))
        return build(values, origins, index_values, style, access)

    def summary_de(self) -> str:
        """One German line for the command line: each value with its origin."""
        d, t = self.disclosure, self.traffic_light
        return (f"Geheimhaltung: Schwelle {d.threshold} "
                f"({self.origin('geheimhaltung.schwelle')}), Mindestnenner "
                f"{d.min_denominator:g} ({self.origin('geheimhaltung.mindestnenner')}); "
                f"Ampel: Toleranz {t.tolerance:g} ({self.origin('ampel.toleranz')}), "
                f"gefährdet {t.at_risk:g} ({self.origin('ampel.gefaehrdet')}); "
                f"Höchstalter übernommener Werte: {self.max_age_years:g} Jahre "
                f"({self.origin('stand.hoechstalter_jahre')}); "
                f"Status-Dynamik-Index: {self.origin(INDEX)}")


def build(values: Mapping[str, object], origins: Mapping[str, str],
          index_values: Mapping[str, object], style: Style | None = None,
          accessibility: Accessibility | None = None) -> Settings:
    """Check and assemble `Settings`; every problem names the value's origin.

    `values` maps each of `KEYS` to its value, `origins` each key (and ``status_dynamik_index``)
    to where it came from, `index_values` is the complete index section (German keys).
    """
    def origin(key: str) -> str:
        return origins.get(key, DEFAULT_ORIGIN)

    numbers = {key: number(values[key], key, origin(key)) for key in KEYS}
    threshold = numbers["geheimhaltung.schwelle"]
    if threshold != int(threshold) or threshold < 2:
        raise ConfigError(f"Die Geheimhaltungsschwelle muss eine ganze Zahl ab 2 sein "
                          f"(erhalten: {threshold:g}, aus {origin('geheimhaltung.schwelle')}).")
    minimum = numbers["geheimhaltung.mindestnenner"]
    if minimum < 1:
        raise ConfigError(f"Der Mindestnenner für Quoten muss mindestens 1 sein (erhalten: "
                          f"{minimum:g}, aus {origin('geheimhaltung.mindestnenner')}).")
    tolerance, at_risk = numbers["ampel.toleranz"], numbers["ampel.gefaehrdet"]
    if not 0 <= tolerance <= at_risk:
        raise ConfigError(
            f"Die Ampelgrenzen passen nicht zusammen: erwartet 0 ≤ toleranz ≤ gefaehrdet, "
            f"z. B. toleranz = 0.1 und gefaehrdet = 0.3 (erhalten: toleranz {tolerance:g} aus "
            f"{origin('ampel.toleranz')}, gefaehrdet {at_risk:g} aus "
            f"{origin('ampel.gefaehrdet')}).")
    max_age = numbers["stand.hoechstalter_jahre"]
    if max_age < 0:
        raise ConfigError(f"Das Höchstalter übernommener Indikatorwerte (hoechstalter_jahre) "
                          f"muss mindestens 0 Jahre sein, z. B. 2 (erhalten: {max_age:g}, aus "
                          f"{origin('stand.hoechstalter_jahre')}).")
    index = composite_index.IndexSettings.from_mapping(index_values, origin=origin(INDEX))
    kept = tuple(sorted((k, str(v)) for k, v in origins.items()
                        if k in (*KEYS, INDEX, STYLE, ACCESSIBILITY)))
    return Settings(DisclosureRule(int(threshold), minimum),
                    concept.Thresholds(tolerance=tolerance, at_risk=at_risk), index, kept,
                    max_age_years=max_age, style=style or Style(),
                    accessibility=accessibility or Accessibility())
