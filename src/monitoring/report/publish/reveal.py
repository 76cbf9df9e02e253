"""The Kreistag deck as a Quarto revealjs presentation (where Quarto is installed).

Same content as the PowerPoint deck (`report.deck`): title, map, traffic-light table, three key
messages, next steps (only from the manager's conclusions file), an appendix with the sources and
the technical provenance; slide titles are headings (``##``), the map has the text
alternative of `present.alt_text` (``fig-alt``, as in the PowerPoint deck). The style sheet
(``templates/deck/folien.css``) keeps every slide's content inside its box. `deck_qmd` writes the
Quarto source (pure text; the map is a PNG next to it); `render_deck` and `DeckBatch` run
``quarto render --to revealjs`` – one Quarto process for many decks – and write reveal.js, the
style sheets and the map into each deck (`run.embed`), so the result is one HTML file that
opens offline. Without Quarto the PowerPoint deck is the deck.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from monitoring import fmt
from monitoring.errors import ReportError
from monitoring.io.files import atomic_path
from monitoring.present.markup import markdown as md
from monitoring.present.tables import LIGHTS, indicator_value
from monitoring.report.publish.deck import next_steps
from monitoring.report.publish.evaluation import STATUS_DE, DistrictFacts
from monitoring.report.run.embed import embedded
from monitoring.report.run.render import BATCH_LOG, quarto_wrote_nothing, start_quarto_batch
from monitoring.vocab import DEMO_LABEL

MAP_FILE = "karte.png"
CSS_FILE = "folien.css"
GOALS = 8  # as many as the PowerPoint deck shows; at the table's type size all fit one slide


def _attribute(text: str) -> str:
    """`text` as a quoted pandoc attribute value (``fig-alt="…"``)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(text: str) -> str:
    return md(text)


def _status(status: str) -> str:
    """The status as text in a span whose class draws the colour (no emoji: 🟢🟡🔴 need an
    emoji font and show as empty boxes without one)."""
    return f"[{STATUS_DE[status]}]{{.ampel .ampel-{status}}}"


def deck_css() -> str:
    """The deck's style sheet: the packaged rules plus one colour rule per status."""
    css = resources.files("monitoring").joinpath("templates", "deck", CSS_FILE)
    colours = "".join(f".reveal .ampel-{status}::before {{ background: {colour}; }}\n"
                      for status, (colour, _) in LIGHTS.items())
    return css.read_text(encoding="utf-8") + "\n" + colours


def deck_qmd(facts: DistrictFacts, *, conclusions_text: str | None = None,
             map_file: str = MAP_FILE) -> str:
    """The revealjs source of the deck; the map is referenced as `map_file`, the style
    sheet as ``folien.css`` (`render_deck` and `DeckBatch` put both next to it).

    One idea per slide, everything inside the slide box: the demo notice is a line on the
    title slide (and in the footer), each source line sits in its slide, the traffic-light
    table (at most `GOALS` rows) is set in smaller type so that all rows fit."""
    c = facts.ctx
    # YAML metadata is read as Markdown: store texts escaped (`markup.markdown`) here too
    footer = md(f"{c.area_name} · {c.period.label_de()}" + (f" · {DEMO_LABEL}" if c.is_demo
                                                              else ""))
    subtitle = md(f"Bericht im Kreistag · {c.area_kind} {c.in_state} · "
                  f"{c.period.label_de()} · Stichtag {fmt.day(c.period.end)}")
    if c.is_demo:
        subtitle += (f" [{DEMO_LABEL}: alle Angebote, Indikatorwerte und Ziele sind "
                     "erfunden.]{.demo-hinweis}")
    meta = {"title": md(f"Integrationsmonitoring {c.area_name}"),
            "subtitle": subtitle,
            "lang": "de",
            # no maths on the slides: without html-math-method reveal.js loads MathJax from a CDN
            # embedded afterwards, from the files Quarto writes beside the deck (`embed`)
            "format": {"revealjs": {"embed-resources": False, "slide-number": True,
                                    "footer": footer, "html-math-method": "plain",
                                    "css": CSS_FILE}}}
    parts = ["---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"]
    parts.append(f"\n## Angebote je 1.000 ausländische Staatsangehörige\n\n"
                 f"![]({map_file}){{fig-alt={_attribute(facts.alt['map'])} "
                 'height="400"}\n\n'
                 f"::: {{.quelle}}\nQuelle: {facts.source('Bestandsaufnahme der Angebote')}; "
                 f"{md(c.geo_attribution)}. {md(c.area_name)} schwarz umrandet.\n:::\n")
    goals = facts.overview[facts.overview["status"] != "none"].head(GOALS)
    rows = [f"| {_cell(str(r['name']))} | "
            f"{indicator_value(r['value'], r) if r['value'] == r['value'] else fmt.SUPPRESSED}"
            f"{_stand(r)} | "
            f"{indicator_value(r['target_value'], r)} | {_status(str(r['status']))} |"
            for _, r in goals.iterrows()]
    table = (f"| Indikator | {c.period} | Zielwert | Stand |\n|:---|---:|---:|:---|\n"
             + "\n".join(rows)) if rows else "Für keinen Indikator ist ein Ziel gesetzt."
    parts.append(f"\n## Ziele im Überblick (Ampel) {{.ampel-folie}}\n\n{table}\n\n"
                 f"::: {{.quelle}}\nQuelle: {facts.source('Controlling-Indikatoren')}. "
                 "Ampel: Abstand zum Pfad vom Ausgangs- zum Zielwert.\n:::\n")
    messages = "\n".join(f"{i}. {md(m)}" for i, m in enumerate(facts.key_messages(), 1))
    parts.append(f"\n## Drei Kernaussagen {{.klein}}\n\n{messages}\n\n::: {{.nebensatz}}\n"
                 f"{md(facts.index_line())}\n:::\n")
    steps = next_steps(conclusions_text)
    if steps:  # the manager's own next steps, or no slide (never set-up instructions)
        body = "\n".join(f"- {md(s)}" for s in steps)
        parts.append(f"\n## Nächste Schritte\n\n{body}\n")
    sources = "\n".join(f"- {md(s)}" for s in [*c.sources, c.geo_attribution])
    parts.append(f"\n## Anhang: Quellen und technische Angaben {{.klein}}\n\n{sources}\n\n"
                 f"„.“ = geheim zu halten (zu kleine Fallzahl). {facts.rule}\n\n"
                 f"{facts.repro()}\n")
    return "".join(parts)


def render_deck(qmd: str, map_png: bytes, out: Path) -> int:
    """Render `qmd` with Quarto to one self-contained revealjs HTML file at `out` (a
    `DeckBatch` of one deck)."""
    with tempfile.TemporaryDirectory(prefix="monitoring-reveal-") as tmpdir:
        batch = DeckBatch(Path(tmpdir))
        batch.add(out.stem, lambda map_file: qmd.replace(f"]({MAP_FILE})", f"]({map_file})"),
                  map_png)
        render_batches([batch], out.parent)
    return out.stat().st_size


class DeckBatch:
    """Decks rendered together: their sources are written into `folder` one by one (also from
    several processes), and one ``quarto render`` of the folder makes them all.

    Every Quarto process first spends about a second starting (Deno, Sass, Pandoc's Lua
    filters); one process for many decks saves that for all but the first
    (``benchmarks/bench_reveal_batch.py``: 2.9 → 1.8 s per deck on a quiet machine).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def add(self, name: str, qmd_for: Callable[[str], str], map_png: bytes) -> None:
        """Write the deck `name` (a file stem); `qmd_for(map_file)` is its source."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{name}.png").write_bytes(map_png)
        (self.folder / f"{name}.qmd").write_text(qmd_for(f"{name}.png"), encoding="utf-8")

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.qmd"))

    def start(self) -> subprocess.Popen[bytes]:
        """Start Quarto on the batch (`run.render.start_quarto_batch`)."""
        (self.folder / CSS_FILE).write_text(deck_css(), encoding="utf-8")
        return start_quarto_batch(self.folder, "*.qmd", "revealjs")

    def finish(self, code: int, out_dir: Path, suffix: str) -> list[Path]:
        """After Quarto ended with `code`: move each deck to ``out_dir/<name><suffix>.html``."""
        missing = [n for n in self.names() if not (self.folder / f"{n}.html").is_file()]
        if code != 0 or missing:
            log = (self.folder / BATCH_LOG).read_text(encoding="utf-8", errors="replace")
            raise ReportError("Quarto konnte die Kreistag-Folien (revealjs) nicht erzeugen"
                              + (f" (fehlend: {', '.join(missing)})." if missing else ".")
                              + (" " + quarto_wrote_nothing(self.folder) if code == 0 else ""),
                              detail=log[-2000:])
        made = []
        for name in self.names():
            target = out_dir / f"{name}{suffix}.html"
            page = (self.folder / f"{name}.html").read_text(encoding="utf-8")
            with atomic_path(target) as tmp:
                tmp.write_text(embedded(page, self.folder), encoding="utf-8")
            made.append(target)
        return made


def render_batches(batches: list[DeckBatch], out_dir: Path, *, suffix: str = "") -> list[Path]:
    """Render the batches at the same time (one Quarto process each, one per worker of the
    publication) and move the decks to `out_dir`; a signal meanwhile stops every Quarto."""
    running = [(batch, batch.start()) for batch in batches if batch.names()]
    try:
        codes = [process.wait() for _, process in running]
    except BaseException:
        for _, process in running:
            process.kill()
            process.wait()
        raise
    made: list[Path] = []
    for (batch, _), code in zip(running, codes, strict=True):
        made += batch.finish(code, out_dir, suffix)
    return made


def _stand(row: Any) -> str:
    """„ (Stand 31.12.2024)“ after a value of an earlier Stichtag, else nothing."""
    return f" (Stand {row['stand']})" if row.get("carried") else ""
