"""The layering rules of the package, checked mechanically."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "monitoring"
PURE = ["areas", "coverage", "indicators", "privacy", "periods", "errors", "vocab", "fmt",
        "overlap", "network", "inventory/cells", "inventory/spec",
        "statistik", "catalogue", "concept", "panel_sql",
        "accessibility", "weights", "demand", "area_changes", "composite_index"]
FORBIDDEN = {"duckdb", "papermill", "nbformat", "nbconvert", "plotly", "monitoring.store",
             "monitoring.report", "monitoring.notebook", "os", "pathlib", "subprocess"}


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io(module: str) -> None:
    tree = ast.parse((SRC / f"{module}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            pytest.fail(f"{module} calls open()")
    assert not {m for m in imported if m in FORBIDDEN or m.split(".")[0] in FORBIDDEN}


def test_importing_the_package_is_cheap() -> None:
    code = ("import sys, monitoring, monitoring.coverage, monitoring.indicators; "
            "print(sorted(m for m in ('duckdb','papermill','plotly','nbconvert') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_library_never_imports_notebooks_or_tests() -> None:
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        assert "import notebooks" not in text and "from tests" not in text
