"""The store's schema as an ordered list of migrations.

The schema version of a store is the number of migrations applied to it. Opening an older store
applies the missing migrations in one transaction; a store written by a newer version of this
package is refused, because we cannot know what its extra tables mean.

Conventions: area codes are strings (leading zeros matter); geometries are WKB in EPSG:25832
(ETRS89 / UTM 32N, metres); ``valid_to`` is the last day on which a row is valid, NULL = still
valid; periods are quarters written ``YYYY-Qn``.
"""

from __future__ import annotations

from monitoring.vocab import PACKAGED_CHANGES_SOURCE, POPULATION_GROUPS


def _label_case(column: str) -> str:
    """SQL: the German label of a population group (else the id itself)."""
    cases = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in POPULATION_GROUPS.items())
    return f"CASE {column} {cases} ELSE {column} END"


MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "Grundschema: Gebiete, Bevölkerung, Akteure, Angebote, Indikatoren, Ziele",
        [
            """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
            """CREATE TABLE import_log (
                import_id INTEGER PRIMARY KEY,
                kind VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                file_hash VARCHAR NOT NULL,
                row_count INTEGER NOT NULL,
                imported_at TIMESTAMP NOT NULL,
                imported_by VARCHAR NOT NULL
            )""",
            """CREATE TABLE area (
                area_code VARCHAR NOT NULL,
                valid_from DATE NOT NULL,
                valid_to DATE,
                name VARCHAR NOT NULL,
                level VARCHAR NOT NULL,
                kind VARCHAR,
                parent_code VARCHAR,
                geometry BLOB,
                source VARCHAR NOT NULL,
                PRIMARY KEY (area_code, valid_from),
                CHECK (valid_to IS NULL OR valid_to >= valid_from)
            )""",
            """CREATE TABLE area_change (
                old_code VARCHAR NOT NULL,
                new_code VARCHAR NOT NULL,
                effective DATE NOT NULL,
                kind VARCHAR NOT NULL,
                note VARCHAR,
                PRIMARY KEY (old_code, new_code, effective)
            )""",
            """CREATE TABLE population (
                area_code VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                population_group VARCHAR NOT NULL,
                value DOUBLE,
                flag VARCHAR,
                reference_date DATE NOT NULL,
                source VARCHAR NOT NULL,
                PRIMARY KEY (area_code, period, population_group)
            )""",
            """CREATE TABLE actor (
                actor_id VARCHAR PRIMARY KEY,
                name VARCHAR NOT NULL,
                actor_type VARCHAR NOT NULL,
                area_code VARCHAR NOT NULL,
                network_member BOOLEAN NOT NULL DEFAULT FALSE,
                source VARCHAR NOT NULL
            )""",
            """CREATE TABLE offer (
                offer_id VARCHAR NOT NULL,
                valid_from DATE NOT NULL,
                valid_to DATE,
                actor_id VARCHAR NOT NULL,
                title VARCHAR NOT NULL,
                fields VARCHAR[] NOT NULL,
                target_groups VARCHAR[] NOT NULL,
                languages VARCHAR[] NOT NULL,
                mode VARCHAR NOT NULL,
                area_code VARCHAR NOT NULL,
                x DOUBLE,
                y DOUBLE,
                capacity INTEGER,
                source VARCHAR NOT NULL,
                PRIMARY KEY (offer_id, valid_from),
                CHECK (capacity IS NULL OR capacity >= 0),
                CHECK (valid_to IS NULL OR valid_to >= valid_from)
            )""",
            """CREATE TABLE indicator (
                indicator_id VARCHAR PRIMARY KEY,
                name_de VARCHAR NOT NULL,
                name_en VARCHAR NOT NULL,
                definition VARCHAR NOT NULL,
                unit VARCHAR NOT NULL,
                scale DOUBLE NOT NULL,
                direction VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                field VARCHAR
            )""",
            """CREATE TABLE observation (
                indicator_id VARCHAR NOT NULL,
                area_code VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                value DOUBLE,
                numerator DOUBLE,
                denominator DOUBLE,
                flags VARCHAR,
                source VARCHAR NOT NULL,
                PRIMARY KEY (indicator_id, area_code, period)
            )""",
            """CREATE TABLE target (
                indicator_id VARCHAR NOT NULL,
                area_code VARCHAR NOT NULL,
                baseline_period VARCHAR NOT NULL,
                baseline_value DOUBLE NOT NULL,
                target_period VARCHAR NOT NULL,
                target_value DOUBLE NOT NULL,
                PRIMARY KEY (indicator_id, area_code)
            )""",
        ],
    ),
    (
        "Versionierte Vokabulare und Ziele des Integrationskonzepts",
        [
            """CREATE TABLE vocabulary (
                kind VARCHAR NOT NULL,
                code VARCHAR NOT NULL,
                label_de VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                PRIMARY KEY (kind, code, version)
            )""",
            """CREATE TABLE goal (
                goal_id VARCHAR PRIMARY KEY,
                area_code VARCHAR NOT NULL,
                field VARCHAR NOT NULL,
                title VARCHAR NOT NULL
            )""",
            """ALTER TABLE target ADD COLUMN goal_id VARCHAR""",
        ],
    ),
    (
        "Bestandsaufnahme: Standorte, Quarantäne, Arbeitsgruppen, Netzwerktreffen, Ehrenamt",
        [
            """ALTER TABLE offer ADD COLUMN location_id VARCHAR""",
            """ALTER TABLE offer ADD COLUMN address VARCHAR""",
            """ALTER TABLE actor ADD COLUMN volunteers INTEGER""",
            """CREATE TABLE inventory_quarantine (
                file_hash VARCHAR NOT NULL,
                file_name VARCHAR NOT NULL,
                sheet VARCHAR NOT NULL,
                row_number INTEGER NOT NULL,
                problems VARCHAR NOT NULL,
                raw_values VARCHAR NOT NULL,
                quarantined_at TIMESTAMP NOT NULL,
                PRIMARY KEY (file_hash, sheet, row_number)
            )""",
            """CREATE TABLE working_group (
                group_id VARCHAR PRIMARY KEY,
                name VARCHAR NOT NULL,
                field VARCHAR,
                area_code VARCHAR NOT NULL,
                source VARCHAR NOT NULL
            )""",
            """CREATE TABLE working_group_member (
                group_id VARCHAR NOT NULL,
                actor_id VARCHAR NOT NULL,
                PRIMARY KEY (group_id, actor_id)
            )""",
            """CREATE TABLE meeting (
                meeting_id VARCHAR PRIMARY KEY,
                meeting_date DATE NOT NULL,
                title VARCHAR NOT NULL,
                group_id VARCHAR,
                area_code VARCHAR NOT NULL,
                source VARCHAR NOT NULL
            )""",
            """CREATE TABLE meeting_participant (
                meeting_id VARCHAR NOT NULL,
                actor_id VARCHAR NOT NULL,
                PRIMARY KEY (meeting_id, actor_id)
            )""",
        ],
    ),
    (
        "Controlling: Indikatorkatalog, amtliche Reihen mit Herkunft, Maßnahmen, "
        "Teilgebietswechsel",
        [
            # Catalogue: which named series make numerator and denominator; availability level.
            """ALTER TABLE indicator ADD COLUMN numerator_series VARCHAR""",
            """ALTER TABLE indicator ADD COLUMN denominator_series VARCHAR""",
            """ALTER TABLE indicator ADD COLUMN availability VARCHAR""",
            """ALTER TABLE indicator ADD COLUMN needs_input BOOLEAN""",
            # Named observation series (counts) from official statistics or own figures.
            """CREATE TABLE series (
                series_id VARCHAR PRIMARY KEY,
                name_de VARCHAR NOT NULL,
                unit VARCHAR NOT NULL,
                source VARCHAR NOT NULL
            )""",
            """CREATE TABLE series_value (
                series_id VARCHAR NOT NULL,
                area_code VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                value DOUBLE,
                flag VARCHAR,
                source VARCHAR NOT NULL,
                source_table VARCHAR,
                download_date DATE,
                file_hash VARCHAR,
                PRIMARY KEY (series_id, area_code, period)
            )""",
            # Provenance with every observation.
            """ALTER TABLE observation ADD COLUMN source_table VARCHAR""",
            """ALTER TABLE observation ADD COLUMN download_date DATE""",
            """ALTER TABLE observation ADD COLUMN file_hash VARCHAR""",
            """CREATE TABLE measure (
                measure_id VARCHAR PRIMARY KEY,
                goal_id VARCHAR NOT NULL,
                title VARCHAR NOT NULL,
                actor VARCHAR,
                start_date DATE,
                end_date DATE,
                status VARCHAR NOT NULL,
                budget DOUBLE,
                CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
                CHECK (budget IS NULL OR budget >= 0)
            )""",
            # A share < 1 means only part of old_code moved (e.g. one Gemeinde changing Kreis).
            """ALTER TABLE area_change ADD COLUMN share DOUBLE""",
        ],
    ),
    (
        "Veröffentlichung: ESF-Projektkennzahlen je Gebiet",
        [
            # One row per ESF project of the integration management (ThILIK), as in the
            # funding database: eligible cost (zuwendungsfähige Ausgaben), total cost and the
            # co-financing rate; amounts in euro as published (two decimals).
            """CREATE TABLE esf_project (
                project_id VARCHAR PRIMARY KEY,
                area_code VARCHAR NOT NULL,
                title VARCHAR NOT NULL,
                start_date DATE NOT NULL,
                end_date DATE NOT NULL,
                eligible_cost DECIMAL(14, 2) NOT NULL,
                total_cost DECIMAL(14, 2) NOT NULL,
                cofinancing_rate DOUBLE NOT NULL,
                source VARCHAR NOT NULL,
                CHECK (end_date >= start_date),
                CHECK (eligible_cost >= 0 AND total_cost >= eligible_cost),
                CHECK (cofinancing_rate > 0 AND cofinancing_rate <= 1)
            )""",
        ],
    ),
    (
        "Gebietsänderungen: Herkunft je Zeile (im Programm enthalten oder Datei des Nutzers)",
        [
            # Where a change comes from: PACKAGED_CHANGES_SOURCE for the packaged reference
            # geography, else the file name of `monitoring import gebietsaenderungen` (a new
            # version of the same file replaces the rows of the earlier one).
            """ALTER TABLE area_change ADD COLUMN source VARCHAR""",
            # Before this version only the packaged geography wrote area changes.
            f"""UPDATE area_change SET source = '{PACKAGED_CHANGES_SOURCE}'""",
        ],
    ),
    (
        "Gebietsfassungen: Grund des Endes (Gebietsänderung, fehlt in neuerer Gebietsdatei)",
        [
            # Why a version ended, so that an ending can be undone exactly when its cause
            # goes away (`monitoring.core.areas.END_REASONS`): 'gebietsaenderung' = a whole-area
            # change of the code takes effect the next day; 'fehlt_in_gebietsdatei' = a
            # boundary file of the next day's stand no longer had the area; NULL = still
            # valid, or followed by a newer version of the same code. After this statement
            # the store applies the changes it holds (versions of merged-away areas end),
            # see `store._settle_area_versions`.
            """ALTER TABLE area ADD COLUMN end_reason VARCHAR""",
        ],
    ),
    (
        "Bevölkerung und Zielgruppen als Reihen: Tabelle population nach series_value",
        [
            # One home for population and target groups: the series of the same id
            # (bevoelkerung, auslaender, schutzsuchende …), read by coverage, gaps, rates,
            # accessibility and the period list. Missing series rows are added; every value
            # keeps its source and flag. Where a series value of the same series, area and
            # quarter already exists (an official import), that one is kept.
            f"""INSERT INTO series (series_id, name_de, unit, source)
                SELECT population_group, {_label_case("population_group")}, 'Anzahl',
                       min(source)
                FROM population
                WHERE population_group NOT IN (SELECT series_id FROM series)
                GROUP BY population_group""",
            """INSERT OR IGNORE INTO series_value
                (series_id, area_code, period, value, flag, source, source_table,
                 download_date, file_hash)
                SELECT population_group, area_code, period, value, flag, source, NULL, NULL, NULL
                FROM population""",
            """DROP TABLE population""",
        ],
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
