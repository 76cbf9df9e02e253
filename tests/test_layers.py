"""The architecture as a test: which folder may import which, no private names across modules,
no import cycles, no I/O in the pure core.

Layers, lowest first; a module may import its own layer and every layer below it:

    vocabulary (errors, periods, fmt, vocab) ← core ← store ← io ← views ← present ← report ← cli

`demo` may use everything up to `views`, and only `cli` (and the tests) may import `demo`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "monitoring"
ORDER = ["vocabulary", "core", "store", "io", "views", "present", "report", "cli"]
VOCABULARY = {"errors", "periods", "fmt", "vocab"}
ALLOWED: dict[str, set[str]] = {layer: set(ORDER[: i + 1]) for i, layer in enumerate(ORDER)}
ALLOWED["cli"].add("demo")
ALLOWED["demo"] = set(ORDER[: ORDER.index("views") + 1]) | {"demo"}
FACADE = {"monitoring", "monitoring.__main__"}  # lazy re-exports and `python -m monitoring`
IO_MODULES = {"duckdb", "papermill", "nbformat", "nbconvert", "plotly", "os", "pathlib",
              "subprocess", "shutil", "tempfile", "openpyxl", "pyogrio"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str | None:
    """The layer of a `monitoring…` module; None for the facade."""
    if module in FACADE:
        return None
    first = module.split(".")[1]
    return "vocabulary" if first in VOCABULARY else first


def imports(tree: ast.AST, module: str) -> Iterator[tuple[str, list[str], int]]:
    """(imported module, names imported from it, line) for every `monitoring` import."""
    package = module if module.count(".") and (SRC.parent / module.replace(".", "/")).is_dir() \
        else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "monitoring":
                    yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{target}".rstrip(".")
            if target.split(".")[0] != "monitoring":
                continue
            names = [a.name for a in node.names]
            submodules = [f"{target}.{n}" for n in names if _is_module(f"{target}.{n}")]
            if submodules:
                for sub in submodules:
                    yield sub, [], node.lineno
                rest = [n for n in names if not _is_module(f"{target}.{n}")]
                if rest:
                    yield target, rest, node.lineno
            else:
                yield target, names, node.lineno


def _is_module(dotted: str) -> bool:
    path = SRC.parent / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def violations(source: str, module: str) -> list[str]:
    """Every breach of the import rules in one module's source text."""
    found = []
    own = layer(module)
    for target, names, line in imports(ast.parse(source), module):
        if own is not None and target != "monitoring":
            theirs = layer(target)
            if theirs is not None and theirs not in ALLOWED[own]:
                found.append(f"{module}:{line} ({own}) imports {target} ({theirs})")
        elif own is not None and target == "monitoring":
            lazy = [n for n in names if n not in {"__version__"}]
            if lazy:
                found.append(f"{module}:{line} imports {lazy} through the facade `monitoring`; "
                             "name the module in its layer")
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private and target != module:
            found.append(f"{module}:{line} imports private {private} from {target}")
    return found


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    unknown = [m for m in all_modules() if m not in FACADE and layer(m) not in ALLOWED]
    assert not unknown, f"modules outside the layer folders: {unknown}"


def test_imports_follow_the_layers() -> None:
    found = [v for m, p in all_modules().items() for v in violations(p.read_text(), m)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("monitoring.core.coverage", "from monitoring.store import open_store\n", "imports"),
    ("monitoring.core.coverage", "def f():\n    from monitoring.views import context\n",
     "(views)"),
    ("monitoring.views.base", "from monitoring.demo.build import SEED\n", "(demo)"),
    ("monitoring.report.run.runner", "from monitoring.report.run.lock import _pid_alive\n",
     "private"),
    ("monitoring.io.geography", "from monitoring import views\n", "(views)"),
    ("monitoring.io.geography", "from monitoring import coverage\n", "facade"),
])
def test_a_deliberate_violation_is_caught(module: str, source: str, expected: str) -> None:
    found = violations(source, module)
    assert found and expected in found[0]


def test_the_layers_allow_what_the_rules_say() -> None:
    assert not violations("from monitoring.core import areas\nfrom monitoring import fmt\n",
                          "monitoring.views.base")
    assert not violations("from monitoring.demo.build import build_demo_store\n",
                          "monitoring.cli.main")


def test_no_import_cycles() -> None:
    """Modules import each other in one direction only (function-level imports count)."""
    modules = all_modules()
    edges = {m: {t for t, _, _ in imports(ast.parse(p.read_text()), m)
                 if t in modules and t != m and t not in FACADE and m not in FACADE}
             for m, p in modules.items()}
    # a package __init__ that re-exports its submodules is part of them, not a cycle
    for m, targets in edges.items():
        edges[m] = {t for t in targets if not m.startswith(t + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*path[path.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize("path", sorted((SRC / "core").glob("*.py")), ids=lambda p: p.stem)
def test_core_does_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            pytest.fail(f"{path.name} calls open()")
    assert not {m for m in imported if m.split(".")[0] in IO_MODULES}


def test_importing_the_package_is_cheap() -> None:
    code = ("import sys, monitoring; from monitoring import coverage, indicators; "
            "print(sorted(m for m in ('duckdb','papermill','plotly','nbconvert') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_facade_names_real_modules() -> None:
    import monitoring

    for name in monitoring.MODULES:
        assert getattr(monitoring, name).__name__ == monitoring.MODULES[name]


def test_library_never_imports_notebooks_or_tests() -> None:
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        assert "import notebooks" not in text and "from tests" not in text
