"""The shape of the package, read from its source: which module imports which.

Every import counts, at the top of a module or inside a function (a function-local
import still makes the modules depend on each other; it only hides the cycle until the
function runs), and those under TYPE_CHECKING too.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "decisions"

# The modules that put the app together may know notifications: the factory connects
# its subscribers and blueprint, the model registry and the command line list it, the
# sweep sends its emails, the demo data writes its history, and the one visibility rule
# per kind (permissions) names the notification model among the others.
WIRING = {"decisions", "decisions.app", "decisions.models", "decisions.cli",
          "decisions.sweep", "decisions.demo.data", "decisions.demo.scale",
          "decisions.demo.cli", "decisions.permissions"}


def _module_names(package: Path) -> dict[str, Path]:
    names = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports."""
    modules = _module_names(package)
    graph = {}
    for name, path in modules.items():
        parent = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = parent.split(".")
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                imported.add(base)
                # `from decisions.x import y` imports the module y when y is one
                imported.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in imported if m in modules and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_function_local_and_type_checking_imports(tmp_path):
    package = tmp_path / "decisions"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from decisions import b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub.c import X\n")
    (package / "sub" / "c.py").write_text("from ..a import f\n")
    assert cycles(import_graph(package)) == [["decisions.a", "decisions.b", "decisions.sub.c"]]


def test_no_import_cycle_among_the_modules_of_decisions():
    """Through the package root is the next test's: the factory is leaving it."""
    graph = {name: deps - {"decisions"} for name, deps in import_graph().items()
             if name != "decisions"}
    assert cycles(graph) == []


def test_no_import_cycle_through_the_package_root():
    assert cycles(import_graph()) == []


def test_only_notifications_and_the_wiring_import_notifications():
    graph = import_graph()
    outside = {name: sorted(m for m in deps if m.startswith("decisions.notifications"))
               for name, deps in graph.items()
               if name not in WIRING and not name.startswith("decisions.notifications")}
    assert {name: deps for name, deps in outside.items() if deps} == {}


def test_the_domains_send_events_instead_of_calling_notifications():
    graph = import_graph()
    for domain in ("decisions.proposals.services", "decisions.meetings.agenda",
                   "decisions.meetings.minutes"):
        assert "decisions.signals" in graph[domain]
    assert "decisions.signals" in graph["decisions.notifications.subscribers"]
