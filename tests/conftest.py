"""Shared fixtures: a real demo store on disk (built once per session) and tiny hand-made worlds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from monitoring.demo.build import build_demo_store

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

# Hypothesis profiles, chosen by the environment variable HYPOTHESIS_PROFILE (default "ci"):
# "ci" runs every property test with the number of examples written at the test, "dev" (the
# quick inner loop) with a tenth of them (at least 5, at most the number written); tests
# without a number get 10 instead of Hypothesis' 100. The properties asserted are the same;
# the full suite (CI) keeps today's numbers, the nightly run its 1,000.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.register_profile("ci")
settings.register_profile("dev", max_examples=10)
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """`count` examples in the "ci" profile; in "dev" a tenth of them, at least 5."""
    return count if PROFILE == "ci" else min(count, max(5, count // 10))


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


@pytest.fixture(scope="session")
def reference_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the packaged geography and indicator catalogue only (no demo data)."""
    from monitoring.io import geography, import_catalogue
    from monitoring.store.database import open_store

    path = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    with open_store(path, read_only=False, create=True) as store:
        geography.load_reference_geography(store)
        import_catalogue.load_catalogue(store)
    return path


@pytest.fixture
def reference_copy(reference_store: Path, tmp_path: Path) -> Path:
    """A writable copy of `reference_store` for one test."""
    target = tmp_path / "s.duckdb"
    shutil.copy(reference_store, target)
    return target


@pytest.fixture
def section_html(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run one section notebook with papermill for an area; return the HTML of its outputs
    and the executed notebook."""
    import nbformat
    import papermill as pm

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"

    def run(name: str, area_code: str, store_path: Path,
            period: str = "2025-Q4") -> tuple[str, nbformat.NotebookNode]:
        out = tmp_path / name
        pm.execute_notebook(str(notebooks / name), str(out), kernel_name="python3",
                            cwd=str(notebooks), progress_bar=False,
                            parameters={"area_code": area_code, "period": period,
                                        "store_path": str(store_path)})
        nb = nbformat.read(out, as_version=4)
        html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells
                       if c.cell_type == "code" for o in c.outputs)
        return html, nb

    return run


NIGHTLY = os.environ.get("MONITORING_NIGHTLY", "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config,  # noqa: ARG001 (hook signature)
                                   items: list[pytest.Item]) -> None:
    """Tests marked `nightly` (thousands of fuzz examples, a publication of every district in
    every format) would take longer than the whole suite: they run only with
    MONITORING_NIGHTLY=1, and skip with that reason otherwise."""
    if NIGHTLY:
        return
    skip = pytest.mark.skip(reason="nur im Nachtlauf: MONITORING_NIGHTLY=1 setzen")
    for item in items:
        if item.get_closest_marker("nightly") is not None:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """With Quarto on PATH (CI) `--renderer auto` and `veroeffentlichen` would render every
    report, deck and website of the suite with Quarto: the tests not marked `quarto` run as on
    a machine without it (what they were written for; it would also double the suite's time).
    The Quarto path has its own tests, marked `quarto`. Set before the test's fixtures."""
    from monitoring.report.run.render import QUARTO_SWITCH

    if item.get_closest_marker("quarto") is None:
        os.environ[QUARTO_SWITCH] = "0"
    else:
        os.environ.pop(QUARTO_SWITCH, None)
