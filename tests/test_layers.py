"""The architecture as a test: which folder may import which, no private names across modules,
no import cycles, no I/O in the pure core, SQL only in the store.

Layers, lowest first; a module may import its own layer and every layer below it:

    vocabulary (errors, periods, fmt, vocab) ← core ← store ← io ← views ← present ← report ← cli

`demo` may use everything up to `views`, and only `cli` (and the tests) may import `demo`.
"""

from __future__ import annotations

import ast
import re
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
    ("monitoring.views.scope", "from monitoring.demo.build import SEED\n", "(demo)"),
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
                          "monitoring.views.scope")
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


SQL_START = re.compile(
    r"\s*(SELECT\s+(DISTINCT\s+)?[\w\"*(',]+.*?\bFROM\b|SELECT\s+[\d'(*]"
    r"|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\S+\s+SET\b|DELETE\s+FROM\b"
    r"|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\w*\s+|UNIQUE\s+)?(TABLE|VIEW|INDEX|SEQUENCE|TYPE|MACRO"
    r"|SCHEMA)\b|WITH\s+(RECURSIVE\s+)?\S+\s+AS\s*\(|DROP\s+(TABLE|VIEW|INDEX|SEQUENCE|TYPE"
    r"|MACRO|SCHEMA)\b|ALTER\s+TABLE\b)", re.IGNORECASE | re.DOTALL)
STORE_NAMES = re.compile(r"(^|_)(store|con|connection)$")


def sql_outside_the_store(source: str, module: str) -> list[str]:
    """SQL text (a string constant or f-string that starts like a statement) and calls of
    ``.query(`` / ``.execute(`` on a store or connection in a module outside `monitoring.store`."""
    if module.startswith("monitoring.store"):
        return []
    found = []
    tree = ast.parse(source)
    pieces = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
              for v in node.values}
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.JoinedStr):  # f"SELECT … FROM {table}": placeholders as names
            text = "".join(v.value if isinstance(v, ast.Constant) else "x"
                           for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in pieces:
            text = node.value
        if text is not None and SQL_START.match(text):
            found.append(f"{module}:{node.lineno} SQL outside the store: {text.strip()[:60]!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("query", "execute"):
            receiver = node.func.value
            name = receiver.attr if isinstance(receiver, ast.Attribute) else \
                receiver.id if isinstance(receiver, ast.Name) else ""
            if STORE_NAMES.search(name):
                found.append(f"{module}:{node.lineno} calls {ast.unparse(node.func)}(…) outside "
                             "the store; add a named read or write to monitoring.store")
    return found


def test_sql_only_in_the_store() -> None:
    """Only `monitoring.store` speaks SQL: every other module calls its named functions."""
    found = [v for m, p in all_modules().items() for v in sql_outside_the_store(p.read_text(), m)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("source", "expected"), [
    ('frame = store.query("SELECT * FROM offer")\n', "SQL outside the store"),
    ("def f(store, t):\n    return store.query(f'SELECT count(*) AS n FROM {t}')\n",
     "calls store.query"),
    ("def f(t):\n    return f'SELECT count(*) AS n FROM {t}'\n", "SQL outside the store"),
    ("def f(store):\n    store.execute(UPDATE)\n", "calls store.execute"),
    ("def f(self):\n    return self.store.query(TEXT)\n", "calls self.store.query"),
    ('SQL = """\n    delete from area_change where source = ?"""\n', "SQL outside the store"),
    ('SQL = "  With t AS (SELECT 1) SELECT * FROM t"\n', "SQL outside the store"),
    ('S = "INSERT OR REPLACE INTO meta VALUES (?, ?)"\n', "SQL outside the store"),
    ('S = "UPDATE area SET valid_to = ?"\n', "SQL outside the store"),
    ('S = "CREATE TABLE x (a INT)"\n', "SQL outside the store"),
    ('S = "ALTER TABLE area ADD COLUMN end_reason VARCHAR"\n', "SQL outside the store"),
    ('S = "DROP VIEW v"\n', "SQL outside the store"),
])
def test_a_deliberate_sql_violation_is_caught(source: str, expected: str) -> None:
    found = sql_outside_the_store(source, "monitoring.views.scope")
    assert any(expected in f for f in found), found


def test_sql_rules_leave_words_and_other_queries_alone() -> None:
    source = ('A = "Alter Schlüssel"\nB = "Select the rows with care"\n'
              'C = "Update: nichts geändert"\nD = "with the share, as before"\n'
              "E = frame.query('value > 1')\nF = tree.query(points, k=1)\n"
              'G = "Drop-down-Liste"\nH = "delete the file"\n')
    assert not sql_outside_the_store(source, "monitoring.views.scope")
    assert not sql_outside_the_store('x = store.query("SELECT 1")\n', "monitoring.store.areas")


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
