"""Shared fixtures: a real demo store on disk (built once per session) and tiny hand-made worlds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitoring.demo import build_demo_store

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built once; tests must not write to it (copy it with `writable_store`)."""
    return build_demo_store(tmp_path_factory.mktemp("demo") / "demo.duckdb")


@pytest.fixture
def writable_store(demo_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.duckdb"
    shutil.copy(demo_store_path, target)
    return target


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
