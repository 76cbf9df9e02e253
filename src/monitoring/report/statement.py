"""The Erklärung zur Barrierefreiheit (accessibility statement) of the published reports.

Public bodies in Thuringia must publish one for their websites and the documents offered on
them (ThürBarrWebG; standard: BITV 2.0 / EN 301 549, i.e. WCAG 2.1 AA). Its structure follows
the EU model statement (Durchführungsbeschluss (EU) 2018/1523): Stand der Vereinbarkeit, nicht
barrierefreie Inhalte, Erstellung der Erklärung, Feedback und Kontaktangaben,
Durchsetzungsverfahren. Facts only the county knows – the responsible office, the contact, the
date of its own review, how it assessed conformance, the Durchsetzungsstelle – come from
``[barrierefreiheit]`` in ``monitoring.toml`` (`core.config.Accessibility`); what is not set
shows as „noch einzutragen“ with the key to set, never as an invented fact.

`sections` builds the content once; `html_page` (the file ``barrierefreiheit.html`` in every
period folder, written with the index) and `qmd_page` (the website's page) render it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from monitoring import fmt
from monitoring.core.config import ACCESSIBILITY
from monitoring.present.markup import escape, markdown
from monitoring.present.page import STATEMENT_TITLE, feedback_line, page

if TYPE_CHECKING:
    from monitoring.core.config import Accessibility, Style


@dataclass(frozen=True)
class Part:
    """A piece of statement text: plain text, a link (`href`), or a field still to be filled
    in (`missing`: the ``[barrierefreiheit]`` key that sets it)."""

    text: str
    href: str | None = None
    missing: str | None = None


Paragraph = list[Part]


def _field(value: str | None, key: str, what: str) -> Part:
    if value:
        return Part(value)
    return Part(f"[noch einzutragen: {what}]", missing=f"{ACCESSIBILITY}.{key}")


def sections(acc: Accessibility, *, publisher: str | None, land_name: str,
             created: date) -> list[tuple[str, list[Paragraph]]]:
    """The statement as (heading, paragraphs) in the EU model's order."""
    body = acc.office or publisher
    who = _field(body, "stelle", "verantwortliche Stelle")
    stated = (fmt.day(date.fromisoformat(acc.stated)) if acc.stated else None)
    contact: list[Paragraph] = [[who]]
    if acc.address:
        contact.append([Part(acc.address)])
    contact.append([Part("E-Mail: "), Part(acc.email, href=f"mailto:{acc.email}")]
                   if acc.email else [Part("E-Mail: "), _field(None, "email", "E-Mail-Adresse")])
    if acc.phone:
        contact.append([Part(f"Telefon: {acc.phone}")])
    return [
        ("Geltungsbereich", [[
            who, Part(" ist bemüht, die mit dem Integrationsmonitor erstellten Berichte "
                      f"zum Integrationsmonitoring {fmt.in_area(land_name)} barrierefrei "
                      "zugänglich zu machen. Diese Erklärung gilt für die Quartalsberichte "
                      "(HTML), die Übersichtsseiten der Quartale, den Landesvergleich, die "
                      "Website aller Berichte sowie die dort angebotenen PDF-Berichte und "
                      f"Kreistagsfolien. Rechtsgrundlage ist {_law(land_name)} mit der "
                      "BITV 2.0 bzw. der Norm EN 301 549 (WCAG 2.1, Stufe AA).")]]),
        ("Stand der Vereinbarkeit mit den Anforderungen", [[
            Part("Die HTML-Seiten sind mit den Anforderungen teilweise vereinbar. Die "
                 "nachstehend aufgeführten Inhalte sind nicht oder nicht vollständig "
                 "barrierefrei.")]]),
        ("Nicht barrierefreie Inhalte", [
            [Part("Interaktive Grafiken: Zoomen, Verschieben und das Anzeigen einzelner Werte "
                  "beim Überfahren mit der Maus sind nicht mit der Tastatur bedienbar. Die "
                  "Aussagen der Grafiken stehen im Text und in den Tabellen des Berichts; "
                  "die Bedienelemente der Grafiken werden für die Nutzung nicht benötigt.")],
            [Part("PDF-Evaluationsberichte und Kreistagsfolien (PowerPoint, HTML-Präsentation) "
                  "sind noch nicht vollständig auf Barrierefreiheit geprüft. Die Inhalte der "
                  "PDF-Berichte stehen auch in den HTML-Quartalsberichten.")],
            [Part("Die Karten zeigen Werte zusätzlich zur Farbe in den Tabellen des Berichts; "
                  "ohne Farbwahrnehmung sind die Werte dort ablesbar.")],
        ]),
        ("Erstellung dieser Erklärung zur Barrierefreiheit", [
            [Part("Diese Erklärung wurde am "),
             Part(stated) if stated else _field(None, "stand", "Datum der Erstellung oder "
                                                "letzten Überprüfung (JJJJ-MM-TT)"),
             Part(" erstellt bzw. zuletzt überprüft. Die Bewertung beruht auf: "),
             _field(acc.method, "pruefung", "Methode, z. B. Selbstbewertung"), Part(".")],
            [Part("Die Seitenvorlagen des Integrationsmonitors werden in seiner Testsuite "
                  "automatisch geprüft: axe-core (Regeln WCAG 2.1 A und AA) in einem "
                  "Browser, Bedienung nur mit der Tastatur und die Unterscheidbarkeit von "
                  "Karten- und Ampelfarben bei simulierten Farbsehschwächen. Diese Fassung "
                  f"der Seite wurde am {fmt.day(created)} erzeugt.")],
        ]),
        ("Feedback und Kontaktangaben", [
            [Part("Sind Ihnen Mängel beim barrierefreien Zugang zu Inhalten aufgefallen? "
                  "Oder benötigen Sie einen Inhalt in einer anderen, barrierefreien Form? "
                  "Dann wenden Sie sich bitte an:")],
            *contact]),
        ("Durchsetzungsverfahren", [
            [Part("Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten "
                  f"haben, können Sie sich an die {_enforcement(land_name)} zuständige "
                  "Ombudsstelle bzw. Schlichtungsstelle wenden: "),
             _field(acc.enforcement, "durchsetzungsstelle",
                    "Name, Anschrift und Internetadresse der Ombudsstelle / "
                    "Schlichtungsstelle"), Part(".")]]),
    ]


def _html(paragraph: Paragraph) -> str:
    out = []
    for part in paragraph:
        if part.href:
            out.append(f'<a href="{escape(part.href)}">{escape(part.text)}</a>')
        elif part.missing:
            out.append(f'<strong class="mon-todo">{escape(part.text)}</strong> '
                       f'<span class="mon-note">(monitoring.toml: '
                       f'<code>{escape(part.missing)}</code>)</span>')
        else:
            out.append(escape(part.text))
    return "<p>" + "".join(out) + "</p>"


def html_page(acc: Accessibility, *, publisher: str | None, land_name: str, created: date,
              style: Style | None = None, index_href: str = "index.html") -> str:
    """The statement as a self-contained page of a period folder."""
    body = "".join(f'<section aria-labelledby="s{i}"><h2 id="s{i}">{escape(head)}</h2>'
                   + "".join(_html(p) for p in paragraphs) + "</section>"
                   for i, (head, paragraphs) in enumerate(
                       sections(acc, publisher=publisher, land_name=land_name,
                                created=created), start=1))
    kicker = escape(publisher) + " · " if publisher else ""
    return page(
        title=f"{STATEMENT_TITLE} – Integrationsmonitoring",
        header=(f'<p class="mon-kicker">{kicker}Integrationsmonitoring '
                f"{escape(land_name)}</p><h1>{STATEMENT_TITLE}</h1>"),
        nav=f'<li><a href="{escape(index_href)}">Übersicht aller Berichte</a></li>',
        main=body, footer=feedback_line(acc), style=style)


def qmd_page(acc: Accessibility, *, publisher: str | None, land_name: str,
             created: date) -> str:
    """The statement as a Quarto page of the website (``barrierefreiheit.qmd``)."""
    lines = ["---", f'title: "{STATEMENT_TITLE}"', "lang: de", "---", ""]
    for head, paragraphs in sections(acc, publisher=publisher, land_name=land_name,
                                     created=created):
        lines += [f"## {markdown(head)}", ""]
        for paragraph in paragraphs:
            text = "".join(
                f"[{markdown(p.text)}](<{p.href}>)" if p.href else
                f"**{markdown(p.text)}** (monitoring.toml: `{p.missing}`)" if p.missing else
                markdown(p.text) for p in paragraph)
            lines += [text, ""]
    return "\n".join(lines)


THURINGIA = "Th\u00fcringen"


def _law(land_name: str) -> str:
    """The statement's legal basis: Thuringia's law by name, elsewhere the Land's own law
    (a report for another Land must not cite Thuringian law)."""
    if land_name == THURINGIA:
        return ("das Thüringer Gesetz über den barrierefreien Zugang zu Websites und mobilen "
                "Anwendungen öffentlicher Stellen (ThürBarrWebG)")
    return (f"das Landesrecht über barrierefreie Informationstechnik {fmt.in_area(land_name)} "
            "(Umsetzung der Richtlinie (EU) 2016/2102)")


def _enforcement(land_name: str) -> str:
    """Who handles enforcement, named by the Land's law as `_law` names it."""
    if land_name == THURINGIA:
        return "für Thüringen nach dem ThürBarrWebG"
    return f"nach dem Landesrecht {fmt.in_area(land_name)}"
