"""Rendering with Quarto where it is installed; the Jupyter-native path is tested elsewhere."""

import base64
import re
import shutil
from pathlib import Path

import pytest

from monitoring.errors import ReportError
from monitoring.report.run.render import QUARTO_SWITCH, choose_renderer
from quarto_helpers import EMOJI

QUARTO = shutil.which("quarto")


def test_renderer_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_renderer("nbconvert") == "nbconvert"
    monkeypatch.setenv(QUARTO_SWITCH, "0")  # as on a machine without Quarto
    assert choose_renderer("auto") == "nbconvert"
    monkeypatch.delenv(QUARTO_SWITCH)
    assert choose_renderer("auto") == ("quarto" if QUARTO else "nbconvert")
    with pytest.raises(ReportError, match="Unbekannter Renderer"):
        choose_renderer("word")
    if not QUARTO:
        with pytest.raises(ReportError, match="Quarto ist nicht installiert"):
            choose_renderer("quarto")


def test_full_disk_during_render_keeps_the_previous_file(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import nbformat

    from monitoring.report.run.render import render_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Bericht")])
    out = tmp_path / "16070_Ilm-Kreis.html"
    render_html(nb, out, title="Erste Fassung")
    first = out.read_bytes()
    assert b"Bericht" in first
    real_write = Path.write_text

    def full_disk(self: Path, *args: object, **kwargs: object) -> int:
        if self.name.endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(ReportError, match="Kein Speicherplatz mehr") as info:
        render_html(nb, out, title="Zweite Fassung")
    assert "No space left" in str(info.value)  # the technical cause stays attached
    assert out.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def quarto_command(notebook: str, parameters: dict[str, str], *, to: str = "html") -> list[str]:
    """``quarto render`` for one notebook with the same parameters papermill gets
    (``-P name:value`` fills the notebook's ``parameters`` cell, as papermill does)."""
    command = ["quarto", "render", notebook, "--to", to, "--execute"]
    for name, value in parameters.items():
        command += ["-P", f"{name}:{value}"]
    return command


def test_quarto_parameters_are_the_papermill_parameters() -> None:
    """`quarto render -P` must fill the same names the notebooks' parameters cell defines."""
    import ast

    import nbformat

    from monitoring.report.run.compose import notebooks_dir

    params = {"area_code": "16070", "period": "2025-Q4", "store_path": "data/demo.duckdb",
              "settings_json": "", "snapshot_path": ""}
    command = quarto_command("notebooks/10_angebote_abdeckung.ipynb", params)
    assert command[:3] == ["quarto", "render", "notebooks/10_angebote_abdeckung.ipynb"]
    passed = [command[i + 1].split(":", 1)[0] for i, c in enumerate(command) if c == "-P"]
    for path in sorted(notebooks_dir(None).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        names = [t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)]
        assert sorted(names) == sorted(passed), path.name


@pytest.fixture(scope="module")
def facts(demo_store_path: Path):  # type: ignore[no-untyped-def]
    from monitoring.io import settings
    from monitoring.report.publish import evaluation
    from monitoring.store.database import open_store

    with open_store(demo_store_path) as store:
        return evaluation.collect(store, "16072", "2025-Q4",
                                  settings=settings.resolve(store=store))


@pytest.mark.slow  # its fixture collects a whole district publication from the demo store
def test_revealjs_deck_source(facts) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from monitoring.report.publish.reveal import MAP_FILE, deck_qmd

    qmd = deck_qmd(facts, conclusions_text="## Nächste Schritte\n\n- Netzwerktreffen im Mai\n")
    _, front, body = qmd.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["lang"] == "de" and meta["title"] == "Integrationsmonitoring Sonneberg"
    # Quarto writes reveal.js beside the deck; `run.embed` puts it into the deck afterwards
    assert meta["format"]["revealjs"]["embed-resources"] is False
    # slide titles without their attributes (`{.klein}`: smaller type on that slide)
    slides = [re.sub(r" \{[^}]*\}$", "", line[3:]) for line in body.splitlines()
              if line.startswith("## ")]
    assert slides == ["Angebote je 1.000 ausländische Staatsangehörige",
                      "Ziele im Überblick (Ampel)", "Drei Kernaussagen", "Nächste Schritte",
                      "Anhang: Quellen und technische Angaben"]
    assert len(slides) + 1 <= 8  # plus the title slide
    assert f"![]({MAP_FILE})" in body and "- Netzwerktreffen im Mai" in body
    # the map's text alternative states its message, as in the PowerPoint deck (issue 15)
    assert re.search(r'fig-alt="Karte: [^"]+ Sonneberg \(umrandet\): [\d,]+, Rang', body)
    assert "Demodaten – fiktiv" in qmd and body.count("Quelle:") >= 2
    # the demo notice is a line on the title slide, not a slide of its own before the first
    # title (issue 13, "Why" 6); status as text with a colour class, no emoji
    assert "Demodaten – fiktiv: alle Angebote" in meta["subtitle"]
    assert body.lstrip().startswith("## ")
    assert not EMOJI.search(qmd)
    assert "{.ampel .ampel-green}" in body and "im Plan" in body
    # like the PowerPoint deck: one line on the district's place in the Status-Dynamik-Index
    messages = body.split("## Drei Kernaussagen")[1].split("## ")[0]
    assert "Status-Dynamik-Index (Lage im Vergleich von 22 Kreisen" in messages
    assert "relativ zu den anderen Gebieten" in messages


REQUIRE_B64 = base64.b64encode(b"/** vim: et:ts=4:sw=4:sts=4\n * @license RequireJS 2.3.6 "
                               b"Copyright jQuery Foundation and other contributors.\n"
                               b" */\nvar requirejs,require,define;" * 20).decode()
QUARTO_HEAD = (  # what Quarto 1.11 writes into the head of a notebook page with HTML outputs
    '<meta charset="utf-8">\n'
    '<script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js" integrity="sha384-'
    'c9c+LnTb" crossorigin="anonymous"></script>\n'
    '<script src="https://cdn.jsdelivr.net/npm/jquery@3.5.1/dist/jquery.min.js" integrity="sha3'
    '84-ZvpUoO" crossorigin="anonymous" data-relocate-top="true"></script>\n'
    "<script type=\"application/javascript\">define('jquery', [],function() {return window.jQuery;"
    "})</script>\n"
    '<script src="data:application/javascript;base64,Ly8gdGFic2V0cw=="></script>\n'
    '<script src="https://example.org/eigenes.js"></script>\n')
EXPECTED_HEAD = ('<meta charset="utf-8">\n'
                 '<script src="data:application/javascript;base64,Ly8gdGFic2V0cw=="></script>\n'
                 '<script src="https://example.org/eigenes.js"></script>\n')


@pytest.mark.parametrize("embedded", [False, True])
def test_quartos_widget_libraries_are_removed(tmp_path: Path, embedded: bool) -> None:
    """require.js and jQuery go – as CDN links (offline render) or embedded (online render) –
    in the library (`monitoring run --renderer quarto`) and in the post-render script of a
    direct `quarto render` alike; Quarto's own scripts and anything else stay."""
    import os
    import subprocess
    import sys

    from monitoring.report.run.render import without_cdn_scripts

    head = QUARTO_HEAD
    if embedded:
        head = head.replace("https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js",
                            f"data:application/javascript;base64,{REQUIRE_B64}")
    assert without_cdn_scripts(head) == EXPECTED_HEAD
    assert without_cdn_scripts(EXPECTED_HEAD) == EXPECTED_HEAD  # nothing else is touched

    root = Path(__file__).resolve().parents[1]
    project = tmp_path / "projekt"
    (project / "scripts").mkdir(parents=True)
    (project / "scripts" / "q.py").write_text(
        (root / "scripts" / "quarto_keep_sources.py").read_text(encoding="utf-8"))
    page = project / "reports" / "bericht.html"
    page.parent.mkdir()
    page.write_text(head, encoding="utf-8")
    env = {**os.environ, "QUARTO_PROJECT_OUTPUT_FILES": "reports/bericht.html\nreports/x.pdf"}
    env.pop("QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES", None)
    subprocess.run([sys.executable, "scripts/q.py", "nachher"], cwd=project, env=env,
                   check=True, capture_output=True)
    assert page.read_text(encoding="utf-8") == EXPECTED_HEAD


# The renders themselves (report, deck, website) are in test_quarto_render.py: one render
# each per test session, shared by all assertions.


def test_html_headings_join_quartos_contents_where_they_stand() -> None:
    """Headings a notebook output writes as HTML (the brief at the top, the sources at the
    end) are listed in Quarto's contents at their place in the report, not all at the end."""
    from monitoring.report.run.render import with_raw_headings_in_toc

    def li(anchor: str, inner: str = "") -> str:
        return (f'<li><a href="#{anchor}" id="toc-{anchor}" class="nav-link">{anchor}</a>'
                f"{inner}</li>")

    nav = ('<nav id="TOC" role="doc-toc"><h2 id="toc-title">Inhalt</h2><ul>'
           + li("a", '<ul class="collapse">' + li("a1") + "</ul>") + li("b") + "</ul></nav>")
    body = ('<h1>Titel</h1><section><h2 id="kurz">Das <em>Wichtigste</em></h2></section>'
            '<h2 id="a">a</h2><h3 id="a1">a1</h3><section><h2 id="mitte">Mitte</h2></section>'
            '<h2 id="b">b</h2><footer><h2 id="quellen">Quellen</h2></footer>')
    page = with_raw_headings_in_toc(f"<body>{nav}{body}</body>")
    contents = re.search(r'<nav id="TOC".*?</nav>', page, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r'href="#([^"]+)"', contents) == ["kurz", "a", "a1", "mitte", "b", "quellen"]
    assert ">Das Wichtigste</a>" in contents
    assert page.endswith(f"{body}</body>")
    assert with_raw_headings_in_toc(body) == body  # no contents, nothing to add


def test_quarto_gets_the_outputs_as_stand_ins_and_the_page_gets_them_back() -> None:
    import nbformat

    from monitoring.report.run.render import PLOTLY_JSON, held_outputs, with_outputs_returned

    figure = '<figure><div id="p1"></div><script>Plotly.newPlot("p1", [])</script></figure>'
    table = "<table><caption>Angebote</caption><tr><td>3 &lt; 5</td></tr></table>"
    cell = nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": figure,
                                                     PLOTLY_JSON: {"data": []}}),
        nbformat.v4.new_output("stream", name="stdout", text="Hinweis\n"),
        nbformat.v4.new_output("display_data", data={"text/html": table,
                                                     "text/markdown": "| Angebote |"})])
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Titel"), cell])
    light, held = held_outputs(executed)
    assert held == [figure, table]
    outputs = light.cells[1].outputs
    assert [o.get("data", {}).get("text/html") for o in outputs] == [
        '<div id="mon-held-0"></div>', None, '<div id="mon-held-1"></div>']
    assert PLOTLY_JSON not in outputs[0]["data"]  # the HTML carries the figure
    assert outputs[2]["data"]["text/markdown"] == "| Angebote |"  # print targets keep theirs
    assert executed.cells[1].outputs[0]["data"]["text/html"] == figure  # the source untouched
    page = ('<main><div class="cell-output-display"><div id="mon-held-0"></div></div><p>x</p>'
            '<div class="cell-output-display"><div id="mon-held-1"></div></div></main>')
    assert with_outputs_returned(page, held) == (
        f'<main><div class="cell-output-display">{figure}</div><p>x</p>'
        f'<div class="cell-output-display">{table}</div></main>')
    with pytest.raises(ReportError, match="nicht in die Seite übernommen"):
        with_outputs_returned(page.replace('<div id="mon-held-1"></div>', ""), held)


@pytest.mark.quarto
@pytest.mark.slow
@pytest.mark.skipif(QUARTO is None, reason="Quarto-CLI nicht installiert (kein `quarto` im PATH)")
def test_a_batch_quarto_cannot_render_fails_only_the_report_at_fault(tmp_path: Path) -> None:
    # Several reports share one Quarto process; when it fails, each is rendered alone, so that
    # only the report at fault fails – with Quarto's message – and the others are published.
    import nbformat

    from monitoring.report.run.quarto_batch import Batches
    from monitoring.report.run.render import prepare_for_batch as prepare
    from monitoring.report.run.worker import ReportResult

    def executed(text: str) -> nbformat.NotebookNode:
        table = "<table><caption>Angebote je Handlungsfeld</caption><tr><td>7</td></tr></table>"
        return nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell(f"## Abschnitt\n\n{text}"),
            nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
                "display_data", data={"text/html": table, "text/plain": "<table>"})])])

    staging, root = tmp_path / "staging", tmp_path / "stapel"
    (staging / "_notebooks").mkdir(parents=True)
    batches = Batches(root, staging, size=3)
    finished: list[ReportResult] = []
    for code, text in (("16051", "Alles gut."), ("16052", "{{< include fehlt.qmd >}}"),
                       ("16053", "Auch gut.")):
        nb = executed(text)
        nbformat.write(nb, staging / "_notebooks" / f"{code}.ipynb")
        prepare(nb, root, code, f"Bericht {code}")
        job = {"area_code": code, "file": f"{code}_Bericht.html", "title": f"Bericht {code}"}
        finished += batches.add(ReportResult(code, code, "ok", 1.0, job["file"],
                                             rendering=True), job)
    finished += batches.finish()
    by_code = {r.area_code: r for r in finished}
    assert sorted(by_code) == ["16051", "16052", "16053"]
    for code, text in (("16051", "Alles gut."), ("16053", "Auch gut.")):
        page = (staging / f"{code}_Bericht.html").read_text(encoding="utf-8")
        assert by_code[code].status == "ok" and by_code[code].bytes == len(page.encode())
        assert text in page and "<caption>Angebote je Handlungsfeld</caption>" in page
        assert "mon-held" not in page and by_code[code].seconds > 1.0
    assert by_code["16052"].status == "failed" and by_code["16052"].file is None
    assert "Quarto konnte den Bericht nicht rendern" in str(by_code["16052"].error)
    assert not (staging / "16052_Bericht.html").exists()
    assert not list(root.glob("stapel-*"))  # each batch's folder is removed after it


def test_a_page_and_the_files_beside_it_become_one_file(tmp_path: Path) -> None:
    # what Quarto writes without embed-resources: scripts, style sheets importing others,
    # fonts, images (reveal.js: data-src); nothing outside the folder is read
    from monitoring.report.run.embed import EmbedError, embedded

    libs = tmp_path / "folien_files" / "libs"
    (libs / "fonts").mkdir(parents=True)
    (libs / "reveal.js").write_text("var Reveal = {}; // </script> inside a string")
    (libs / "theme.css").write_text('@import"./fonts/sans.css";\n.reveal{color:#222}')
    (libs / "fonts" / "sans.css").write_text(
        "@font-face{font-family:S;src:url(./sans.woff) format('woff')}")
    (libs / "fonts" / "sans.woff").write_bytes(b"wOFF-font")
    (tmp_path / "karte.png").write_bytes(b"\x89PNG-map")
    (tmp_path.parent / "geheim.css").write_text("body{}")  # outside the page's folder
    page = ('<head><link href="folien_files/libs/theme.css" rel="stylesheet" id="theme">'
            '<link rel="stylesheet" href="../geheim.css">'
            '<script src="folien_files/libs/reveal.js"></script>'
            '<script src="https://example.org/x.js"></script></head>'
            '<body><img data-src="karte.png" alt="Karte"><img src="fehlt.png" alt="x"></body>')
    out = embedded(page, tmp_path)
    woff = base64.b64encode(b"wOFF-font").decode()
    assert ('<style id="theme">@font-face{font-family:S;src:url("data:font/woff;base64,'
            f'{woff}") format(\'woff\')}}\n.reveal{{color:#222}}</style>') in out
    assert "<script>var Reveal = {}; // <\\/script> inside a string</script>" in out
    png = base64.b64encode(b"\x89PNG-map").decode()
    assert f'<img data-src="data:image/png;base64,{png}" alt="Karte">' in out
    # left as they are: outside the folder, on the network, missing
    assert '<link rel="stylesheet" href="../geheim.css">' in out
    assert '<script src="https://example.org/x.js"></script>' in out
    assert '<img src="fehlt.png" alt="x">' in out
    # Quarto's quarto.js is a module importing its tabsets: written in as an object
    (libs / "quarto.js").write_text('import * as tabsets from "./tabsets/tabsets.js";\n'
                                    "tabsets.init();\n")
    (libs / "tabsets").mkdir()
    (libs / "tabsets" / "tabsets.js").write_text(
        "// grouped tabsets\nexport function init() {\n  return 1;\n}\n"
        "export const version = 2;\n")
    module = embedded('<script src="folien_files/libs/quarto.js" type="module"></script>',
                      tmp_path)
    assert module == (
        '<script type="module">const tabsets = (() => {\n// grouped tabsets\n'
        "function init() {\n  return 1;\n}\nconst version = 2;\n\n"
        "return Object.freeze({ init, version });\n})();\ntabsets.init();\n</script>")
    for imports in ('import { init } from "./tabsets/tabsets.js";',
                    'import * as t from "./fehlt.js";', 'import "./tabsets/tabsets.js";'):
        (libs / "quarto.js").write_text(imports + "\n")
        with pytest.raises(EmbedError):
            embedded('<script src="folien_files/libs/quarto.js" type="module"></script>',
                     tmp_path)


@pytest.mark.quarto
@pytest.mark.slow
@pytest.mark.skipif(QUARTO is None, reason="Quarto-CLI nicht installiert (kein `quarto` im PATH)")
def test_batches_render_also_below_a_hidden_folder(facts, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Quarto's search for a project's files skips everything below a hidden folder (and ends
    # well, having rendered nothing) – with TMPDIR in ~/.cache/… every batch would have been
    # empty. The batches name their files, so they render there as anywhere.
    import tempfile

    import nbformat

    from monitoring.report.publish.reveal import deck_qmd, render_deck
    from monitoring.report.run import quarto_batch
    from monitoring.report.run.render import prepare_for_batch
    from monitoring.report.run.worker import ReportResult

    hidden = tmp_path / ".cache"
    hidden.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(hidden))
    deck = tmp_path / "16072_Sonneberg_Kreistag.html"
    render_deck(deck_qmd(facts), facts.figures["map"], deck)
    assert "Integrationsmonitoring Sonneberg" in deck.read_text(encoding="utf-8")

    def alone(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the batch did not render the report")

    monkeypatch.setattr(quarto_batch, "render_html", alone)
    staging, root = tmp_path / "staging", hidden / "stapel"
    staging.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Abschnitt\n\nText.")])
    prepare_for_batch(nb, root, "16072", "Bericht Sonneberg")
    batches = quarto_batch.Batches(root, staging)
    job = {"area_code": "16072", "file": "16072_Sonneberg.html", "title": "Bericht Sonneberg"}
    done = batches.add(ReportResult("16072", "Sonneberg", "ok", 1.0, job["file"],
                                    rendering=True), job) + batches.finish()
    assert [r.status for r in done] == ["ok"], done
    assert "Text." in (staging / "16072_Sonneberg.html").read_text(encoding="utf-8")
