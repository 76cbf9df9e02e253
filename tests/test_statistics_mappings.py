"""Shipped mappings for the tables an integration manager downloads (issue 11, item 5).

Every test writes a download in the real layout of its table — the current flat file
(``…_flat.csv``: UTF-8 with BOM, ``;``, one value per row, totals with an empty attribute
code; FORMATS.md §1a) — imports it into a real DuckDB store made like a user makes one and
checks that the values land in the right series, area and period. Expected values are sums
written out by hand from the rows below. Codes and labels are those cited in
``data/series.csv`` (column ``reference``).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from monitoring.core import genesis
from monitoring.core.areas import Scope
from monitoring.errors import DataValidationError
from monitoring.io import import_statistics
from monitoring.io.new_store import create_store
from monitoring.store.areas import write_scope
from monitoring.store.database import open_store

DATA = Path(genesis.__file__).parents[1] / "data"
KREISE = ("KREISE", "Kreise und kreisfreie Städte")


def flat(statistic: tuple[str, str], time: tuple[str, str, str], measure: tuple[str, str],
         variables: list[tuple[str, str]], rows: list[tuple[str, list[tuple[str, str]], str]],
         *, unit: str = "Anzahl", region: tuple[str, str] = KREISE) -> bytes:
    """A current flat file (ffcsv, language=de) as the portals deliver it.

    `rows`: (area code, [(attribute code, attribute label) per variable], value); a total is
    ("", "Insgesamt").
    """
    head = ["statistics_code", "statistics_label", "time_code", "time_label", "time"]
    for n in range(1, len(variables) + 2):
        head += [f"{n}_variable_code", f"{n}_variable_label", f"{n}_variable_attribute_code",
                 f"{n}_variable_attribute_label"]
    head += ["value", "value_unit", "value_variable_code", "value_variable_label"]
    lines = [";".join(head)]
    for code, attributes, value in rows:
        cells = [*statistic, *time, *region, code, f"Gebiet {code}"]
        for (var, var_label), (attr, attr_label) in zip(variables, attributes, strict=True):
            cells += [var, var_label, attr, attr_label]
        lines.append(";".join([*cells, value, unit, *measure]))
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def zipped(content: bytes, inner: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(inner, content)
    return buffer.getvalue()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "thueringen.duckdb"
    create_store(path, land="16")
    return path


def _import(store_path: Path, path: Path, **kw):
    with open_store(store_path, read_only=False) as store:
        return import_statistics.import_statistics(store, path, download_date=date(2025, 6, 15),
                                                   **kw)


def _series(store_path: Path, series_id: str) -> dict[tuple[str, str], tuple[float | None, str]]:
    with open_store(store_path) as store:
        rows = store.query("SELECT area_code, period, value, flag FROM series_value "
                           "WHERE series_id = ?", [series_id])
    return {(r.area_code, r.period): (None if pd.isna(r.value) else r.value,
                                      None if pd.isna(r.flag) else r.flag)
            for r in rows.itertuples()}


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


# -- the mapping file itself ---------------------------------------------------------------------
NOT_MAPPED = {  # series of catalogue indicators with an official source that no portal table
    # at Kreis level gives as such (BA-only figures, values of the previous year, Land-only)
    "auslaender_8j_vorjahr", "drittstaatler", "drittstaatler_unbefristet", "svb_ausl_azubi",
    "svb_asylherkunft_15_65", "asylherkunft_15_65", "bezugsgroesse_ausl", "arbeitslose_flucht",
    "schutzsuchende_15_65", "sgb2_ausl_u15", "anerkennungen_positiv"}


def test_every_official_catalogue_series_has_a_mapping_with_its_reference() -> None:
    mapping = pd.read_csv(DATA / "series.csv", sep=";", dtype=str, keep_default_na=False)
    catalogue = pd.read_csv(DATA / "indicators.csv", sep=";", dtype=str, keep_default_na=False)
    official = catalogue[~catalogue["source"].str.contains("eigen|Angebotsdaten|Landratsamt|"
                                                           "Gesundheitsamt|Integrationskonzept")]
    wanted = (set(official["numerator_series"]) | set(official["denominator_series"])) - {""}
    assert wanted - set(mapping["series_id"]) == NOT_MAPPED
    assert set(mapping["verification"]) == {"verified", "unverified"}
    assert (mapping["reference"].str.len() > 20).all()
    # an entry whose codes were not found maps by label or says why in its reference
    unverified = mapping[mapping["verification"] == "unverified"]
    assert unverified["reference"].str.contains("nicht|angenommen").all()


# -- 12531 Schutzsuchende: the GENESIS-Online table 12531-0043 has no totals at all ---------------
SCHUTZ = [("SCHST2", "Schutzstatuskategorie"), ("GES", "Geschlecht"),
          ("STAAG5", "Staatsangehörigkeit")]
OFFEN, ANERKANNT, BEFRISTET, OHNE = (
    ("SCHUTZST-OF", "Offener Schutzstatus"), ("SCHUTZST-AK-1", "Anerkannter Schutzstatus"),
    ("SCHUTZST-AK-2", "Befristet anerkannter Schutzstatus"), ("SCHUTZST-X", "Ohne Schutzsstatus"))
MEN, WOMEN = ("GESM", "männlich"), ("GESW", "weiblich")
SYRIA, AFGHANISTAN = ("ST475", "Syrien"), ("ST423", "Afghanistan")


def schutzsuchende_0043() -> bytes:
    rows = []
    for code, numbers in (
            # offen: M/SY, W/SY, M/AF, W/AF; anerkannt: same; befristet (part of anerkannt); ohne
            ("16053", ([100, 55, 20, 5], [1500, 1200, 700, 460], [1400, 1100, 500, 270],
                       [120, 60, 30, 10])),
            ("09162", ([900, 500, 300, 100], [9000, 8000, 1000, 500], [8000, 7000, 900, 400],
                       [800, 400, 100, 50]))):
        for status, values in zip((OFFEN, ANERKANNT, BEFRISTET, OHNE), numbers, strict=True):
            for (sex, nation), value in zip([(MEN, SYRIA), (WOMEN, SYRIA), (MEN, AFGHANISTAN),
                                             (WOMEN, AFGHANISTAN)], values, strict=True):
                rows.append((code, [status, sex, nation], str(value)))
    # Erfurt: one secret cell in the open status
    rows.append(("16051", [OFFEN, MEN, SYRIA], "."))
    rows.append(("16051", [OFFEN, WOMEN, SYRIA], "15"))
    rows.append(("16051", [ANERKANNT, MEN, SYRIA], "400"))
    rows.append(("16051", [OHNE, MEN, SYRIA], "-"))
    return flat(("12531", "Statistik über Schutzsuchende"), ("STAG", "Stichtag", "2024-12-31"),
                ("BEV030", "Schutzsuchende"), SCHUTZ, rows)


def test_protection_seekers_summed_from_a_table_without_totals(store_path: Path,
                                                               tmp_path: Path) -> None:
    path = _write(tmp_path, "12531-0043_175879554.zip",
                  zipped(schutzsuchende_0043(), "12531-0043_175879554_flat.csv"))
    result = _import(store_path, path)
    total = _series(store_path, "schutzsuchende")
    open_ = _series(store_path, "schutzsuchende_offen")
    # Jena: offen 100+55+20+5 = 180; anerkannt 1500+1200+700+460 = 3860; ohne 120+60+30+10 =
    # 220; befristet (a part of anerkannt) is not added again: 180 + 3860 + 220 = 4260
    assert open_[("16053", "2024-Q4")] == (180.0, None)
    assert total[("16053", "2024-Q4")] == (4260.0, None)
    # Erfurt: a secret part withholds the sum and keeps the flag; „-“ adds nothing
    assert open_[("16051", "2024-Q4")] == (None, "geheim")
    assert total[("16051", "2024-Q4")] == (None, "geheim")
    assert "09162" not in {a for a, _ in total}
    assert "1 Kreis außerhalb" in result.skipped_areas
    # the sub-category is listed with its labels and the way to map it
    assert "Befristet anerkannter Schutzstatus" in result.unassigned
    assert "--zuordnung" in result.unassigned
    with open_store(store_path) as store:
        share = store.read_observations(indicator_ids=["A03"], area_codes=["16053"],
                                        periods=["2024-Q4"])
    assert share["value"].tolist() == [pytest.approx(180 / 4260 * 100)]


def test_a_total_row_wins_over_the_sum_of_its_parts(store_path: Path, tmp_path: Path) -> None:
    """AZR figures are rounded to 5 per cell: where the table has a total, it is used."""
    rows = [("16053", [("", "Insgesamt"), ("", "Insgesamt")], "4585"),
            ("16053", [OFFEN, ("", "Insgesamt")], "505"),
            ("16053", [OFFEN, MEN], "300"), ("16053", [OFFEN, WOMEN], "200"),
            ("16053", [ANERKANNT, MEN], "2000"), ("16053", [ANERKANNT, WOMEN], "1865"),
            ("16053", [OHNE, MEN], "150"), ("16053", [OHNE, WOMEN], "70")]
    path = _write(tmp_path, "12531-01-01-4_flat.csv",
                  flat(("12531", "Statistik über Schutzsuchende"),
                       ("STAG", "Stichtag", "2024-12-31"), ("BEV030", "Schutzsuchende"),
                       SCHUTZ[:2], rows))
    _import(store_path, path)
    assert _series(store_path, "schutzsuchende")[("16053", "2024-Q4")][0] == 4585
    assert _series(store_path, "schutzsuchende_offen")[("16053", "2024-Q4")][0] == 505


# -- 12411 foreigners by age (12411-03-03-4, Altersgruppen (21)) ---------------------------------
AGES = {"ALT000B03": "unter 3 Jahre", "ALT003B06": "3 bis unter 6 Jahre",
        "ALT006B10": "6 bis unter 10 Jahre", "ALT010B15": "10 bis unter 15 Jahre",
        "ALT015B18": "15 bis unter 18 Jahre", "ALT018B20": "18 bis unter 20 Jahre",
        "ALT020B25": "20 bis unter 25 Jahre", "ALT025B30": "25 bis unter 30 Jahre",
        "ALT030B35": "30 bis unter 35 Jahre", "ALT035B40": "35 bis unter 40 Jahre",
        "ALT040B45": "40 bis unter 45 Jahre", "ALT045B50": "45 bis unter 50 Jahre",
        "ALT050B55": "50 bis unter 55 Jahre", "ALT055B60": "55 bis unter 60 Jahre",
        "ALT060B65": "60 bis unter 65 Jahre", "ALT065B70": "65 bis unter 70 Jahre",
        "ALT090UM": "90 Jahre und mehr"}


def test_foreign_population_by_age_groups(store_path: Path, tmp_path: Path) -> None:
    rows = []
    for n, (code, label) in enumerate(AGES.items(), start=1):
        for nat, factor in ((("", "Insgesamt"), 10), (("NATA", "Ausländer(innen)"), 1)):
            rows.append(("16053", [nat, ("", "Insgesamt"), (code, label)], str(n * factor)))
            rows.append(("16053", [nat, ("GESM", "männlich"), (code, label)], str(n)))
    path = _write(tmp_path, "12411-03-03-4_de_flat.csv",
                  flat(("12411", "Fortschreibung des Bevölkerungsstandes"),
                       ("STAG", "Stichtag", "2024-12-31"), ("BEVSTD", "Bevölkerungsstand"),
                       [("NAT", "Nationalität"), ("GES", "Geschlecht"),
                        ("ALTX21", "Altersgruppen (21)")], rows))
    _import(store_path, path)
    key = ("16053", "2024-Q4")
    # foreigners, both sexes: the n-th age group holds n
    assert _series(store_path, "auslaender_3_6")[key][0] == 2
    assert _series(store_path, "auslaender_u15")[key][0] == 1 + 2 + 3 + 4
    assert _series(store_path, "auslaender_15_25")[key][0] == 5 + 6 + 7
    assert _series(store_path, "auslaender_15_65")[key][0] == sum(range(5, 16))
    assert _series(store_path, "auslaender_unter_rag")[key][0] == sum(range(1, 16))


# -- Bundesagentur für Arbeit, Sozialberichterstattung -------------------------------------------
def test_unemployed_foreigners_annual_average(store_path: Path, tmp_path: Path) -> None:
    rows = [("16053", [("", "Insgesamt")], "3012"), ("16053", [("ARBEITSLOS08", "Ausländer")],
                                                       "851"),
            ("16053", [("ARBEITSLOS05", "langzeitarbeitslos")], "1020")]
    path = _write(tmp_path, "13211-02-05-4_de_flat.csv",
                  flat(("13211", "Arbeitsmarktstatistik der Bundesagentur für Arbeit"),
                       ("JAHR", "Jahr", "2024"), ("ERWP06", "Arbeitslose"),
                       [("ERWAQ7", "Arbeitslose nach ausgewählten Personengruppen")], rows))
    result = _import(store_path, path)
    assert _series(store_path, "arbeitslose_ausl") == {("16053", "2024-Q4"): (851.0, None)}
    assert "langzeitarbeitslos" in result.unassigned


def test_sgb2_foreign_beneficiaries(store_path: Path, tmp_path: Path) -> None:
    rows = [("16053", [("INSGESAMT", "Insgesamt")], "7400"),
            ("16053", [("NATA", "Ausländer(innen)")], "2310"),
            ("16053", [("GESW", "weiblich")], "3700")]
    path = _write(tmp_path, "22811-01-01-4_de_flat.csv",
                  flat(("22811", "Sozialberichterstattung"), ("STAG", "Stichtag", "2024-12-31"),
                       ("PER100", "Regelleistungsberechtigte nach dem SGB II"),
                       [("EFLB01", "Regelleistungsberechtigte insgesamt")], rows))
    _import(store_path, path)
    assert _series(store_path, "sgb2_ausl") == {("16053", "2024-Q4"): (2310.0, None)}


# -- Kinder- und Jugendhilfestatistik ------------------------------------------------------------
KITA = [("ALT544", "Altersgruppen (unter 3 bis unter 6 Jahre)"),
        ("KINTE5", "Art der Kindertagesbetreuung")]
ALL_CARE, CENTRE = ("INSGESAMT3", "Insgesamt (ohne Doppelzählungen)"), \
    ("ARTDHILFE69", "Tageseinrichtung")
UNDER_3, FROM_3 = ("ALT000B03", "unter 3 Jahre"), ("ALT003B06", "3 bis unter 6 Jahre")


def test_children_in_day_care_by_codes_and_by_labels(store_path: Path, tmp_path: Path) -> None:
    rows = [("16053", [UNDER_3, ALL_CARE], "1810"), ("16053", [UNDER_3, CENTRE], "1700"),
            ("16053", [FROM_3, ALL_CARE], "2950"), ("16053", [FROM_3, CENTRE], "2900")]
    path = _write(tmp_path, "22543-01-01-4_de_flat.csv",
                  flat(("22543", "Kinder und tätige Personen in Tageseinrichtungen"),
                       ("STAG", "Stichtag", "2024-03-01"), ("KIND35", "Kinder"), KITA, rows))
    _import(store_path, path)
    assert _series(store_path, "kita_u3") == {("16053", "2024-Q1"): (1810.0, None)}
    assert _series(store_path, "kita_3_6") == {("16053", "2024-Q1"): (2900.0, None)}
    # the measure of children of foreign origin is mapped by its labels (unverified code)
    origin = [("16053", [UNDER_3, ALL_CARE], "320"), ("16053", [FROM_3, ALL_CARE], "610")]
    path = _write(tmp_path, "22543-02-01-4_de_flat.csv",
                  flat(("22543", "Kinder und tätige Personen in Tageseinrichtungen"),
                       ("STAG", "Stichtag", "2024-03-01"),
                       ("KIND99", "Kinder, Herkunft mind. 1 Elternteil ausländisch"), KITA,
                       origin))
    _import(store_path, path)
    assert _series(store_path, "kita_u3_ausl_herkunft")[("16053", "2024-Q1")][0] == 320
    assert _series(store_path, "kita_3_6_ausl_herkunft")[("16053", "2024-Q1")][0] == 610
    with open_store(store_path) as store:
        share = store.read_observations(indicator_ids=["A08"], area_codes=["16053"],
                                        periods=["2024-Q1"])
    assert share["value"].tolist() == [pytest.approx(320 / 1810 * 100)]


# -- 21111 school leavers -------------------------------------------------------------------------
def test_foreign_school_leavers_by_qualification(store_path: Path, tmp_path: Path) -> None:
    foreign, total = ("NATA", "Ausländer(innen)"), ("", "Insgesamt")
    rows = [("16053", [foreign, ("BILABS11", "ohne Hauptschulabschluss")], "14"),
            ("16053", [foreign, ("BILABS12", "mit Hauptschulabschluss")], "20"),
            ("16053", [foreign, ("BILABS13", "mit Mittlerem Abschluss")], "31"),
            ("16053", [foreign, ("BILABS14", "mit Fachhochschulreife")], "2"),
            ("16053", [foreign, ("BILABS14D", "dar. schulischer Teil der Fachhochschulreife")],
             "2"),
            ("16053", [foreign, ("BILABS15", "mit allgemeiner Hochschulreife")], "25"),
            ("16053", [total, ("BILABS15", "mit allgemeiner Hochschulreife")], "600")]
    path = _write(tmp_path, "21111-02-06-4_de_flat.csv",
                  flat(("21111", "Statistik der allgemeinbildenden Schulen"),
                       ("JAHR", "Jahr", "2024"), ("BILABS", "Absolventen/Abgänger"),
                       [("NAT", "Nationalität"), ("BILAG2", "Schulabschluss")], rows))
    _import(store_path, path)
    key = ("16053", "2024-Q4")
    # no total over the qualifications in this file: 14 + 20 + 31 + 2 + 25 (14D is a part)
    assert _series(store_path, "abgaenger_ausl")[key][0] == 92
    assert _series(store_path, "abgaenger_ausl_ohne_abschluss")[key][0] == 14
    assert _series(store_path, "abgaenger_ausl_hochschulreife")[key][0] == 25


# -- 12521 AZR by length of residence (unverified: mapped by label) -------------------------------
def test_foreigners_with_eight_years_by_label(store_path: Path, tmp_path: Path) -> None:
    rows = [("16053", [("", "Insgesamt")], "12000"),
            ("16053", [("X1", "Aufenthaltsdauer unter 8 Jahren")], "8000"),
            ("16053", [("X2", "Aufenthaltsdauer 8 bis unter 15 Jahren")], "2500"),
            ("16053", [("X3", "Aufenthaltsdauer 15 bis unter 20 Jahren")], "900"),
            ("16053", [("X4", "Aufenthaltsdauer 20 Jahre und mehr")], "600")]
    path = _write(tmp_path, "12521-0009_de_flat.csv",
                  flat(("12521", "Ausländerstatistik"), ("STAG", "Stichtag", "2024-12-31"),
                       ("BEV999", "Ausländer"), [("AUFDAX", "Aufenthaltsdauer")], rows))
    _import(store_path, path)
    assert _series(store_path, "auslaender_8j") == {("16053", "2024-Q4"): (4000.0, None)}


# -- periods: SEMEST and half years ---------------------------------------------------------------
def test_semester_and_half_year_periods() -> None:
    content = flat(("21311", "Statistik der Studierenden"), ("SEMEST", "Semester", "2023-10P6M"),
                   ("BIL002", "Studierende"), [], [("16053", [], "17000")])
    assert genesis.parse(content, "21311-01-01-4_de_flat.csv").rows["period"].tolist() == \
        ["2024-Q1"]                                # winter semester October–March
    summer = content.replace(b"2023-10P6M", b"2024-04P6M")
    assert genesis.parse(summer, "x_flat.csv").rows["period"].tolist() == ["2024-Q3"]
    table = "\n".join(["GENESIS-Tabelle: 13211-01-01-4", "Arbeitslose (Anzahl);;",
                       ";;1. Halbjahr 2024;2. Halbjahr 2024", "16053;Jena;800;790"])
    parsed = genesis.parse(table.encode("cp1252"), "13211-01-01-4.csv")
    assert parsed.rows["period"].tolist() == ["2024-Q2", "2024-Q4"]
    with pytest.raises(ValueError):
        genesis.parse_period("SEMEST", "2024-13P6M")


# -- units of new series and the store's scope ----------------------------------------------------
def test_a_new_series_takes_its_unit_from_the_file_or_the_mapping(store_path: Path,
                                                                 tmp_path: Path) -> None:
    rate = flat(("13211", "Arbeitsmarktstatistik"), ("JAHR", "Jahr", "2024"),
                ("ERWP10", "Arbeitslosenquote bez. auf alle zivile Erwerbsp."), [],
                [("16053", [], "5,4")], unit="Prozent")
    path = _write(tmp_path, "13211-01-03-4_de_flat.csv", rate)
    _import(store_path, path, series_id="alq")
    mapping = tmp_path / "zuordnung.csv"
    mapping.write_text("series_id;statistic;value_variable;attributes;unit\n"
                       "helfende;99999;HELF01;;Personen\n", encoding="utf-8")
    people = flat(("99999", "Ehrenamt"), ("JAHR", "Jahr", "2024"), ("HELF01", "Helfende"), [],
                  [("16053", [], "210")])
    _import(store_path, _write(tmp_path, "99999_de_flat.csv", people), mapping=mapping)
    with open_store(store_path) as store:
        units = dict(store.query("SELECT series_id, unit FROM series "
                                 "WHERE series_id IN ('alq', 'helfende')").to_numpy())
    assert units == {"alq": "Prozent", "helfende": "Personen"}
    assert _series(store_path, "alq")[("16053", "2024-Q4")][0] == pytest.approx(5.4)


def test_areas_the_store_knows_outside_its_land_are_skipped(tmp_path: Path) -> None:
    store_path = tmp_path / "s.duckdb"
    create_store(store_path, land="16")
    with open_store(store_path, read_only=False) as store, store.transaction():
        # a neighbouring Kreis that came with a boundary file
        store.write("area", pd.DataFrame({
            "area_code": ["09475"], "valid_from": [date(2016, 1, 1)], "name": ["Hof"],
            "level": ["kreis"], "kind": ["Landkreis"], "parent_code": ["09"],
            "source": ["Grenzdatei"]}))
    rows = [("16053", [], "110000"), ("09475", [], "95000")]
    content = flat(("12411", "Fortschreibung des Bevölkerungsstandes"),
                   ("STAG", "Stichtag", "2024-12-31"), ("BEVSTD", "Bevölkerungsstand"), [], rows)
    path = _write(tmp_path, "12411-01-01-4_de_flat.csv", content)
    result = _import(store_path, path)
    assert set(_series(store_path, "bevoelkerung")) == {("16053", "2024-Q4")}
    assert result.skipped_areas == "übersprungen: 1 Kreis außerhalb des Gebiets der Datenbank"
    with open_store(store_path, read_only=False) as store, store.transaction():
        write_scope(store, Scope(None))                      # a national store keeps it
    _import(store_path, _write(tmp_path, "12411-01-01-4_2_de_flat.csv", content + b"\n"))
    assert set(_series(store_path, "bevoelkerung")) == {("16053", "2024-Q4"),
                                                        ("09475", "2024-Q4")}


def test_a_file_no_mapping_knows_lists_its_labels_and_the_hint(store_path: Path,
                                                                 tmp_path: Path) -> None:
    rows = [("16053", [("ZZ1", "Geduldet")], "145")]
    path = _write(tmp_path, "12531-0099_de_flat.csv",
                  flat(("12531", "Statistik über Schutzsuchende"),
                       ("STAG", "Stichtag", "2024-12-31"), ("BEV030", "Schutzsuchende"),
                       [("SCHST9", "Kategorie")], rows))
    with pytest.raises(DataValidationError) as info:
        _import(store_path, path)
    problem = info.value.problems[0]
    assert "Schutzsuchende – Kategorie: Geduldet" in str(problem["wert"])
    assert "12531;BEV030;SCHST9=ZZ1" in str(problem["wert"])
    assert "--zuordnung" in str(problem["erwartet"])
