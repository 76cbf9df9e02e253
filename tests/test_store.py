from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitoring.errors import StoreError
from monitoring.store import schema
from monitoring.store.database import create_store_at_version, open_store


def test_old_store_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.duckdb"
    create_store_at_version(path, 1)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO target VALUES ('A19', '16070', '2023-Q4', 15.0, '2027-Q4', 12.0)")
    con.close()

    with pytest.raises(StoreError, match="ältere Schema-Version 1"):
        open_store(path, read_only=True)
    with open_store(path, read_only=False) as store:
        assert store.schema_version == schema.SCHEMA_VERSION == 8
        targets = store.read_targets()
        assert targets.loc[0, "target_value"] == 12.0 and pd.isna(targets.loc[0, "goal_id"])
        assert "sprache" in store.read_vocabulary("field")
    with open_store(path, read_only=True) as store:  # now fine read-only
        assert store.schema_version == 8


def test_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    open_store(path, read_only=False, create=True).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    for read_only in (True, False):
        with pytest.raises(StoreError, match="Schema-Version 99"):
            open_store(path, read_only=read_only)


def test_missing_corrupt_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="nicht gefunden"):
        open_store(tmp_path / "nope.duckdb")
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"PK\x03\x04 this is not a database" * 100)
    with pytest.raises(StoreError, match="keine lesbare"):
        open_store(corrupt)
    foreign = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="keine Integrationsmonitor"):
        open_store(foreign)


def test_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path, read_only=False, create=True) as store:
        frame = pd.DataFrame({"actor_id": ["A1"], "name": ["Verein"], "actor_type": ["verein"],
                              "area_code": ["16070004"], "network_member": [True],
                              "source": ["Test"]})
        with pytest.raises(RuntimeError), store.transaction():
            store.write("actor", frame)
            raise RuntimeError("Abbruch mitten im Import")
        assert store.read_actors().empty
        with pytest.raises(StoreError, match="transaction"):
            store.write("actor", frame)
        with store.transaction():
            store.write("actor", frame)
            store.upsert("actor", frame, ["actor_id"])  # same row again: no duplicate
        assert len(store.read_actors()) == 1


def test_read_only_store_refuses_writes(demo_store_path: Path) -> None:
    with open_store(demo_store_path, read_only=True) as store, pytest.raises(StoreError), \
            store.transaction():
        pass


def test_a_read_only_store_answers_each_query_once_and_hands_out_copies(
        demo_store_path: Path) -> None:
    with open_store(demo_store_path, read_only=True) as store:
        first = store.read_indicators()
        reference = first.copy()
        first["name_de"] = "von einer Notebook-Zelle geändert"
        asked = len(store._answers)
        second = store.read_indicators()
        assert len(store._answers) == asked  # answered from memory, not asked again
        pd.testing.assert_frame_equal(second, reference)  # the change stayed with the caller
        assert store.snapshot_id() == store.snapshot_id()
    # a writable store asks every time: its own writes must show at once (above)
    with open_store(demo_store_path, read_only=False, copy_on_write=True) as store:
        store.read_indicators()
        assert store._answers == {}


def test_snapshot_id_changes_with_imports(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb", read_only=False, create=True) as store:
        before = store.snapshot_id()
        with store.transaction():
            store.log_import("test", "Datei.xlsx", b"abc", 1)
        assert store.snapshot_id() != before


def test_missing_store_points_to_the_demo_store_when_there_is_one(tmp_path: Path) -> None:
    missing = tmp_path / "data" / "monitoring.duckdb"
    with pytest.raises(StoreError) as info:
        open_store(missing)
    assert "monitoring demo" in str(info.value)
    with open_store(tmp_path / "data" / "demo.duckdb", read_only=False, create=True):
        pass
    with pytest.raises(StoreError) as info:
        open_store(missing)
    assert f"--store {tmp_path / 'data' / 'demo.duckdb'}" in str(info.value)
    assert "monitoring demo" not in str(info.value)
