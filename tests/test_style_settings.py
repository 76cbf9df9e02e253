"""The style setting ``[darstellung]`` of monitoring.toml (logo, colours, publisher) and the
district map of the index; fast (no publication)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring.core.config import contrast_ratio
from monitoring.errors import ConfigError
from monitoring.io import settings as mon_settings
from monitoring.io.geography import read_reference_layer
from monitoring.report.run.index import district_map

PNG = bytes.fromhex(  # a 1×1 white PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408"
    "d763f8ffff3f0005fe02fea7d6a4ea0000000049454e44ae426082")


def _file(folder: Path, text: str) -> Path:
    path = folder / "monitoring.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_style_is_read_with_the_logo_relative_to_the_settings_file(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "wappen.png").write_bytes(PNG)
    path = _file(conf, '[darstellung]\nlogo = "wappen.png"\nfarbe = "#7a1f2b"\n'
                       'herausgeber = "Landkreis Sonneberg"\n')
    style = mon_settings.resolve(file=path, cwd=tmp_path, meta={}, environ={}).style
    assert style.colour == "#7A1F2B" and style.publisher == "Landkreis Sonneberg"
    assert Path(style.logo_file or "") == (conf / "wappen.png").resolve()
    # the register names the logo as written, never the server path
    settings = mon_settings.resolve(file=path, cwd=tmp_path, meta={}, environ={})
    assert settings.record()["darstellung"]["logo"] == "wappen.png"
    assert str(tmp_path) not in settings.to_json()
    # without the section: the reports' blue, no logo, no publisher
    default = mon_settings.resolve(cwd=tmp_path, meta={}, environ={}).style
    assert (default.colour, default.logo_file, default.publisher) == ("#1B4F72", None, None)


@pytest.mark.parametrize(("text", "message"), [
    ('[darstellung]\nfarbe = "#9ecae1"\n', "zu hell für weiße Schrift"),
    ('[darstellung]\nfarbe = "blau"\n', "ist keine Farbe"),
    ('[darstellung]\nlogo = "fehlt.png"\n', "Die Logodatei „fehlt.png“ gibt es nicht"),
    ('[darstellung]\nlogo = "wappen.svg"\n', "PNG- oder JPEG-Datei"),
    ('[darstellung]\nfarbe_text = "#000000"\n', "unbekannter Schlüssel `farbe_text`"),
])
def test_a_bad_style_is_refused_with_a_german_message(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        mon_settings.resolve(file=path, cwd=tmp_path, meta={}, environ={})


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    # the reports' accent carries white text
    assert contrast_ratio("#1B4F72", "#FFFFFF") >= 4.5


def test_district_map_links_every_district_by_name() -> None:
    districts = read_reference_layer("kreis")
    districts = districts[districts["area_code"] != "16056"]  # joined 16063 in 2021
    links = {r.area_code: (r.name, f"{r.area_code}_x.html") for r in districts.itertuples()}
    links["16054"] = ("Suhl", None)  # a report that failed: drawn, not linked
    svg = district_map(districts, links)
    assert svg.count("<a ") == len(links) - 1 == 21
    assert 'aria-label="Sömmerda (16068)"' in svg and 'href="16068_x.html"' in svg
    assert "<title>Suhl (16054)</title>" in svg and 'href="16054_x.html"' not in svg
    assert len(svg) < 60_000  # simplified: a small part of the index page
    # the store keeps geometry in metres (ETRS89/UTM): the same picture, not a sliver
    width, height = (float(v) for v in svg.split('viewBox="0 0 ')[1].split('"')[0].split())
    metric = district_map(districts.to_crs(25832), links)
    m_width, m_height = (float(v) for v in
                         metric.split('viewBox="0 0 ')[1].split('"')[0].split())
    assert width == m_width and abs(height - m_height) <= 0.03 * height
    assert 0.5 < height / width < 1.2  # Thuringia is a little wider than high
