"""The built-in report keeps only the JupyterLab style rules that can match its page."""

from __future__ import annotations

from monitoring.report.run.lab_css import END, START, used_rules, without_unused_lab_css

LAB = """
:root { --jp-ui-font-size1: 13px; }
.jp-RenderedHTMLCommon table { border: 0; }
.jp-CommandPalette-item, .jp-OutputArea-output { margin: 0; }
.jp-icon-hover .jp-icon3 { fill: red; }
body :not(.jp-Unused) > p { color: #222; }
@media print { .jp-Cell-inputWrapper { display: none; } .jp-OutputArea { break-inside: avoid; } }
@font-face { font-family: X; src: local(X); }
[data-jp-theme-scrollbars='true'] { scrollbar-color: red; }
.jp-a:is(.jp-b, .jp-c) { color: blue; }
"""


def test_rules_that_cannot_match_the_page_are_dropped_the_others_kept() -> None:
    kept = used_rules(LAB, {"jp-RenderedHTMLCommon", "jp-OutputArea-output", "jp-OutputArea",
                            "jp-a"})
    assert "--jp-ui-font-size1" in kept  # custom properties stay
    assert ".jp-RenderedHTMLCommon table{border: 0;}" in kept.replace("{ ", "{")
    # of a selector list only the selectors that can match
    assert ".jp-OutputArea-output" in kept and "CommandPalette" not in kept
    assert "jp-icon" not in kept  # both classes needed, neither on the page
    assert ":not(.jp-Unused) > p" in kept  # a class under :not() is not required
    assert "@media print" in kept and ".jp-OutputArea{" in kept.replace(" {", "{")
    assert "Cell-inputWrapper" not in kept
    assert "@font-face" in kept and "data-jp-theme-scrollbars" in kept
    assert ".jp-a:is(.jp-b, .jp-c)" in kept  # :is(…) keeps its rule (conservative)


def test_only_the_marked_styles_are_reduced_and_the_marks_go() -> None:
    page = (f"<head>{START}<style>{LAB}</style>{END}<style>.mon-x {{ color: red; }}</style>"
            '</head><body class="jp-Notebook"><div class="jp-OutputArea">x</div></body>')
    out = without_unused_lab_css(page)
    assert START not in out and END not in out
    assert ".mon-x { color: red; }" in out  # our own stylesheet untouched
    assert "CommandPalette" not in out and ".jp-OutputArea{" in out.replace(" {", "{")
    assert without_unused_lab_css("<p>ohne Marken</p>") == "<p>ohne Marken</p>"
