"""The flat-file parser (`genesis.parse`, current GENESIS "ffcsv" layout) read column-wise from
the bytes gives exactly what the former text-based parser gave: the same rows (values, flags,
units, labels, column types), problems (file, row, column, value, expectation), dropped
Germany rows and area codes of rows — on generated files, odd cells and errors included.

`_reference_parse_ffcsv` is the former implementation (main before the import-speed work),
kept here verbatim as the oracle; it reads the decoded text with every column as text.
With `areas`, rows of unwanted areas are left out with their problems, the rest is equal.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.core import genesis
from monitoring.core.genesis import (
    AREA_KEY,
    GERMANY,
    QUALITY_FLAGS,
    REGION_VARIABLES,
    ROWS,
    SYMBOLS,
    TOTAL_CODES,
    TOTAL_LABELS,
    UNIT_FACTORS,
    Parsed,
    parse_period,
    problem,
)

_NUMBER = re.compile(r"^-?\d+(,\d+)?$|^-?\d+(\.\d+)?$")
_EXPECTED_PERIOD = "ein Stichtag (31.12.2024 oder 2024-12-31) oder ein Jahr (2024)"


def _unit_factor(unit: str) -> float:
    return UNIT_FACTORS.get(unit.strip().lower(), 1.0)


def _with_quality(flag: str | None, quality: str) -> str | None:
    quality = quality.strip()
    if not quality:
        return flag
    return ",".join(f for f in (flag, QUALITY_FLAGS.get(quality, quality)) if f)


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ROWS)


# -- the former implementation (verbatim) ------------------------------------------------------
def _ref_region_variable(frame: pd.DataFrame, numbers: list[int], code: str, attribute: str,
                     ) -> int | None:
    """The number of the classifying variable that holds the areas: a known region variable
    code, or (code columns missing) the one whose attribute values all are area keys."""
    for n in numbers:
        if code.format(n) in frame.columns and \
                set(frame[code.format(n)].str.strip()) & REGION_VARIABLES:
            return n
    for n in numbers:
        column = attribute.format(n)
        if column in frame.columns:
            values = frame[column].str.strip()
            if len(values) and values.map(lambda v: bool(AREA_KEY.match(v))).all():
                return n
    return None


def _reference_parse_ffcsv(text: str, name: str) -> Parsed:
    """The current flat file, column by column (a Germany-wide Gemeinde table has hundreds of
    thousands of rows): every text is parsed once per distinct value, the rows are kept or
    reported in file order as a row-by-row reading would."""
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False,
                        quoting=csv.QUOTE_MINIMAL)
    frame.columns = [str(c).strip() for c in frame.columns]
    numbers = sorted({int(m.group(1)) for c in frame.columns
                      if (m := re.fullmatch(r"(\d+)_variable_(?:code|label|attribute_code|"
                                            r"attribute_label)", c))})
    region_n = _ref_region_variable(frame, numbers, "{}_variable_code",
                                "{}_variable_attribute_code")
    if region_n is None:
        region_n = _ref_region_variable(frame, numbers, "{}_variable_code",
                                    "{}_variable_attribute_label")
    stripped: dict[str, pd.Series] = {}

    def get(*columns: str) -> pd.Series:
        """The first of `columns` the file has (stripped), else empty texts."""
        for c in columns:
            if c in frame.columns:
                if c not in stripped:  # each distinct text stripped once
                    codes, uniques = pd.factorize(frame[c])
                    texts = np.array([u.strip() for u in uniques] or [""], dtype=object)
                    stripped[c] = pd.Series(texts[codes], index=frame.index, dtype=object)
                return stripped[c]
        return pd.Series("", index=frame.index, dtype=object)

    lines = pd.Series(range(2, len(frame) + 2), index=frame.index)
    region = pd.Series("", index=frame.index, dtype=object)
    attrs: list[pd.Series] = []
    labels: list[pd.Series] = []
    by_label: list[pd.Series] = []
    for n in numbers:
        var = get(f"{n}_variable_code", f"{n}_variable_label")
        code = get(f"{n}_variable_attribute_code", f"{n}_variable_attribute_label")
        if n == region_n:
            region = code
            continue
        label = get(f"{n}_variable_attribute_label", f"{n}_variable_attribute_code")
        var_label = get(f"{n}_variable_label").where(get(f"{n}_variable_label") != "", var)
        keep = ~code.str.upper().isin(TOTAL_CODES) & ~label.str.lower().isin(TOTAL_LABELS)
        attrs.append((var + "=" + code).where(keep, ""))
        labels.append((var_label + ": " + label).where(keep, ""))
        by_label.append(("LABEL=" + label).where(keep, ""))
    attributes = _joined(attrs, "|", frame.index, sort=True)
    measure_label = get("value_variable_label", "value_variable_code")
    named = _joined(labels, " – ", frame.index)
    label_attributes = _joined(by_label, "|", frame.index, sort=True)
    label_text = measure_label.where(named == "", measure_label + " – " + named)
    problems: list[dict[str, object]] = []
    no_region = region == ""
    problems += [problem(name, line, "n_variable_attribute_code", "—",
                         "eine Gebietsvariable (KREISE, GEMEIN, DLAND …)")
                 for line in lines[no_region]]
    germany = ~no_region & (region.str.upper() == GERMANY)
    dropped = {GERMANY} if germany.any() else set()
    has_area = ~no_region & ~germany
    regions = dict(zip(lines[has_area], region[has_area], strict=True))
    time_code, time = get("time_code"), get("time")
    when = time_code + "|" + time
    periods = {key: _period_or_none_for(*key.split("|", 1)) for key in set(when[has_area])}
    period = when.map(periods)
    bad_period = has_area & period.isna()
    problems += [problem(name, line, "time", t, _EXPECTED_PERIOD)
                 for line, t in zip(lines[bad_period], time[bad_period], strict=True)]
    raw = get("value")
    is_symbol = raw.isin(list(SYMBOLS))
    number = raw.str.fullmatch(_NUMBER.pattern).astype(bool)
    bad_value = has_area & ~bad_period & ~is_symbol & ~number
    problems += [problem(name, line, "value", v,
                         "eine Zahl oder ein Zeichen der amtlichen Zeichenerklärung (- . x / "
                         "...); dieses Zeichen ist nicht erklärt")
                 for line, v in zip(lines[bad_value], raw[bad_value], strict=True)]
    ok = has_area & ~bad_period & ~bad_value
    value = pd.to_numeric(raw.where(number & ok, "").str.replace(",", ".", regex=False),
                          errors="coerce").astype(float)
    value = value.where(number, raw.map({k: v[0] for k, v in SYMBOLS.items()}).astype(float))
    flag = raw.map({k: v[1] for k, v in SYMBOLS.items()}).astype(object)
    flag = flag.where(flag.notna(), None)
    quality = get("value_q")
    if (quality != "").any():
        flag = pd.Series([_with_quality(f, q) for f, q in zip(flag, quality, strict=True)],
                         index=frame.index, dtype=object)
    unit = get("value_unit")
    factors = {u: _unit_factor(u) for u in set(unit[ok])}
    rows = pd.DataFrame({
        "line": lines, "statistic": get("statistics_code"),
        "value_variable": get("value_variable_code", "value_variable_label"),
        "region": region, "period": period, "attributes": attributes, "value": value,
        "flag": flag, "unit": unit, "factor": unit.map(factors), "label": label_text,
        "measure_label": measure_label, "label_attributes": label_attributes})[ok]
    problems.sort(key=lambda p: int(str(p["zeile"])))
    # column types inferred as for rows read one by one (`_frame`)
    rows = pd.DataFrame({c: rows[c].tolist() for c in ROWS}, columns=ROWS) if len(rows) \
        else _frame([])
    return Parsed("ffcsv", None, rows, problems, dropped, regions)


def _period_or_none_for(time_code: str, text: str) -> str | None:
    try:
        return parse_period(time_code, text)
    except (ValueError, OverflowError):
        return None


def _joined(parts: list[pd.Series], separator: str, index: pd.Index, *,
            sort: bool = False) -> pd.Series:
    """Row-wise join of the non-empty texts of `parts` (sorted if `sort`), computed once per
    distinct combination."""
    if not parts:
        return pd.Series("", index=index, dtype=object)
    combined = pd.concat(parts, axis=1)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(combined))
    texts = []
    for combo in uniques:
        items = [t for t in combo if t]
        texts.append(separator.join(sorted(items) if sort else items))
    return pd.Series([texts[c] for c in codes], index=combined.index, dtype=object)




# -- the comparison ----------------------------------------------------------------------------
_CAUGHT = (KeyError, ValueError, IndexError, TypeError, csv.Error, pd.errors.ParserError)


def _reference(content: bytes, name: str) -> Parsed | None:
    """What `genesis.parse` returned before (None: it refused the file)."""
    text, inner = genesis.decode(content, name)
    text = text.lstrip("\ufeff").replace("\x00", "")
    try:
        parsed = _reference_parse_ffcsv(text, inner)
    except _CAUGHT:
        return None
    genesis.finish(parsed, inner)
    return parsed


def _current(content: bytes, name: str, areas: Callable[[str], bool] | None = None,
             ) -> Parsed | None:
    try:
        return genesis.parse(content, name, areas=areas)
    except genesis.DataValidationError:
        return None


def _assert_same(new: Parsed | None, old: Parsed | None,
                 areas: Callable[[str], bool] | None = None) -> None:
    assert (new is None) == (old is None)
    if new is None or old is None:
        return
    expected_rows, expected_problems, expected_regions = old.rows, old.problems, old.regions
    if areas is not None:
        unwanted = {line for line, code in old.regions.items() if not areas(code)}
        expected_problems = [p for p in old.problems if p["zeile"] not in unwanted]
        expected_rows = old.rows[[areas(c) for c in old.rows["region"]]].reset_index(drop=True)
        firsts: dict[str, int] = {}
        for line, code in sorted(old.regions.items()):
            firsts.setdefault(code, line)
        expected_regions = {line: code for code, line in firsts.items()}
    assert new.layout == old.layout and new.table == old.table
    assert new.problems == expected_problems
    assert new.dropped == old.dropped
    assert new.regions == expected_regions
    assert list(new.rows.columns) == ROWS
    if expected_rows.empty:
        assert new.rows.empty
        return
    # a subset of the former rows keeps the column types of all of them (a flag column of
    # texts and NaN); the rows read for the wanted areas alone are typed by their own values
    pd.testing.assert_frame_equal(new.rows, expected_rows, check_exact=True,
                                  check_dtype=areas is None)


HEAD = ["statistics_code", "statistics_label", "time_code", "time_label", "time",
        "1_variable_code", "1_variable_label", "1_variable_attribute_code",
        "1_variable_attribute_label", "2_variable_code", "2_variable_label",
        "2_variable_attribute_code", "2_variable_attribute_label", "value", "value_unit",
        "value_variable_code", "value_variable_label", "value_q"]
_REGION = st.sampled_from(["16053", "16053000", "09162", " 16051 ", "DG", "", "Jena",
                           "160530000000", "031", "16"])
_TIME = st.sampled_from(["2024-12-31", "2024", "31.12.2024", "x", "2023-10P6M", " 2023 ",
                         "1. Halbjahr 2024", "2024-13-01"])
_VALUE = st.sampled_from(["12", "3,5", "1.5", "-", ".", "x", "/", "...", "*", "", " 7 ", "-0",
                          "007", "1,5,5"])
_ATTRIBUTE = st.sampled_from([("NATA", "Ausländer(innen)"), ("NATD", "Deutsche"),
                              ("", "Insgesamt"), ("INSGESAMT", "insgesamt"), ("NATA", " Ausl. ")])
_ROW = st.tuples(_REGION, _TIME, _VALUE, _ATTRIBUTE,
                 st.sampled_from(["Anzahl", "Tsd.", "1000", "Prozent", ""]),
                 st.sampled_from(["", "", "e", "p", "()"]),
                 st.sampled_from([("BEVSTD", "Bevölkerungsstand"), ("BEV030", "")]),
                 st.sampled_from(["GEMEIN", "KREISE", "XYZ"]))


def _flat(rows: list[tuple], *, drop: set[str], region_first: bool) -> str:  # type: ignore[type-arg]
    head = [c for c in HEAD if c not in drop]
    lines = [";".join(head)]
    for region, time, value, (code, label), unit, quality, (measure, measure_label), var in rows:
        cells = {"statistics_code": "12411", "statistics_label": "Bevölkerung",
                 "time_code": "STAG", "time_label": "Stichtag", "time": time,
                 "value": value, "value_unit": unit, "value_variable_code": measure,
                 "value_variable_label": measure_label, "value_q": quality}
        area = {"code": var, "label": "Gemeinden", "attribute_code": region,
                "attribute_label": f"Gebiet {region}"}
        other = {"code": "NAT", "label": "Nationalität", "attribute_code": code,
                 "attribute_label": label}
        for n, values in ((1, area), (2, other)) if region_first else ((1, other), (2, area)):
            for key, text in values.items():
                cells[f"{n}_variable_{key}"] = text
        lines.append(";".join(cells[c] for c in head))
    return "\n".join(lines) + "\n"


_DROPS = st.sampled_from([set(), {"value_q"}, {"statistics_code", "value_variable_code"},
                          {"1_variable_attribute_code", "2_variable_attribute_code"},
                          {"1_variable_code", "2_variable_code"}, {"time_code", "value_unit"}])


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(_ROW, max_size=25), _DROPS, st.booleans(),
       st.sampled_from(["utf-8-sig", "utf-8", "cp1252"]), st.booleans())
def test_flat_file_parses_as_before(rows: list[tuple], drop: set[str],  # type: ignore[type-arg]
                                    region_first: bool, encoding: str, filtered: bool) -> None:
    content = _flat(rows, drop=drop, region_first=region_first).encode(encoding)
    name = "12411-01-01-5_de_flat.csv"
    old = _reference(content, name)
    _assert_same(_current(content, name), old)
    if filtered:
        def areas(code: str) -> bool:
            return code.startswith("16")
        _assert_same(_current(content, name, areas), old, areas)


def test_a_large_flat_file_parses_as_before() -> None:
    """Thousands of rows of a Germany-wide table, newest first, some odd cells."""
    rng = np.random.default_rng(7)
    regions = [f"{land:02d}0{k:02d}{g:03d}" for land in (1, 9, 16) for k in range(1, 6)
               for g in range(1, 30)] + ["DG", "16", "16053"]
    rows = []
    for year in (2024, 2023, 2022):
        for region in regions:
            for code, label in (("", "Insgesamt"), ("NATA", "Ausländer(innen)"),
                                ("NATD", "Deutsche")):
                value = str(int(rng.integers(0, 90_000)))
                odd = rng.random()
                value = "." if odd < 0.01 else "x1" if odd < 0.012 else value
                rows.append((region, f"{year}-12-31" if odd > 0.005 else "Sommer", value,
                             (code, label), "Anzahl", "e" if odd > 0.99 else "",
                             ("BEVSTD", "Bevölkerungsstand"), "GEMEIN"))
    content = _flat(rows, drop=set(), region_first=True).encode("utf-8-sig")
    name = "12411-01-01-5_de_flat.csv"
    old = _reference(content, name)
    assert old is not None and len(old.rows) > 2_000 and old.problems
    _assert_same(_current(content, name), old)

    def thuringia(code: str) -> bool:
        return code.startswith("16")
    _assert_same(_current(content, name, thuringia), old, thuringia)
