"""The one app shape of docs/ARCHITECTURE.md ("One app shape"), checked on the source so that a new app copies it.

Each check reads the files as text and syntax trees; none imports the modules it judges."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "gongzhi"
APPS = ["core", "places", "people", "notifications", "deliberation", "voices", "timebank"]
# The demo is not a product app: it may import anything, and nothing in the product may import it.
DEMO = "gongzhi.demo"
MAX_LINES = 600


def _modules(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_package(module: str) -> bool:
    return (SRC / module.replace(".", "/") / "__init__.py").exists()


def _exists(module: str) -> bool:
    base = SRC / module.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = _name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> Iterator[tuple[str, ast.stmt]]:
    """Every gongzhi module `path` imports, at any depth (a lazy import inside a function still ties the two
    modules), except under `if TYPE_CHECKING:`."""

    tree = _tree(path)
    hidden = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _type_checking(node)
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gongzhi"):
                    yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(path, node)
            if base.startswith("gongzhi"):
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    yield (sub if _exists(sub) else base), node


def _check(app: str, problems: list[str]) -> None:
    assert not problems, f"{app}:\n" + "\n".join(problems)


@pytest.mark.parametrize("app", APPS)
def test_no_star_imports_and_no_facades(app):
    """Explicit imports: a package's `__init__` re-exports nothing, except `models/__init__.py`, which imports each
    model by name because Django registers the models it finds there."""
    problems = []
    for path in _modules(app):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                problems.append(f"{path.relative_to(SRC)}:{node.lineno}: import *")
        reexports = any(
            isinstance(n, ast.Import) or (isinstance(n, ast.ImportFrom) and n.module != "__future__")
            for n in _tree(path).body
        )
        if path.name == "__init__.py" and path.parent.name != "models" and reexports:
            problems.append(f"{path.relative_to(SRC)}: a package's __init__ re-exports; import from the part")
    _check(app, problems)


@pytest.mark.parametrize("app", APPS)
def test_routes_are_declared_in_urls(app):
    problems = [
        f"{path.relative_to(SRC)}: declares urlpatterns outside urls.py"
        for path in _modules(app)
        if path.name != "urls.py"
        and any(
            isinstance(n, ast.Assign | ast.AnnAssign)
            and any(
                isinstance(t, ast.Name) and t.id.endswith("urlpatterns")
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            )
            for n in _tree(path).body
        )
    ]
    _check(app, problems)


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_same_files(app):
    problems = [
        f"{app}: no {part}"
        for part in ("models", "services", "selectors", "predicates", "views", "urls")
        if not _exists(f"gongzhi.{app}.{part}")
    ]
    _check(app, problems)


@pytest.mark.parametrize("app", APPS)
def test_files_fit_in_mind(app):
    problems = []
    for path in _modules(app):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            problems.append(f"{path.relative_to(SRC)}: {lines} lines (split it along its seams)")
    _check(app, problems)


@pytest.mark.parametrize("app", APPS)
def test_no_private_name_crosses_a_module(app):
    """`_name` is a module's own: another module neither imports it nor reaches it as `module._name`."""
    problems = []
    for path in _modules(app):
        modules_bound: set[str] = set()
        for module, node in _imports(path):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        problems.append(f"{path.relative_to(SRC)}:{node.lineno}: imports {alias.name} from {module}")
                    if _exists(f"{_resolve(path, node)}.{alias.name}"):
                        modules_bound.add(alias.asname or alias.name)
            else:
                for alias in node.names:
                    modules_bound.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules_bound
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                problems.append(f"{path.relative_to(SRC)}:{node.lineno}: reaches {node.value.id}.{node.attr}")
    _check(app, problems)


@pytest.mark.parametrize("app", APPS)
def test_actor_is_a_user(app):
    problems = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in _modules(app)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "actor: Any" in line
    ]
    _check(app, problems)


@pytest.mark.parametrize("app", APPS)
def test_error_codes_come_from_the_registry(app):
    """Each app keeps its error codes in one registry, `<app>/errors.py` (`class Code(StrEnum)`), so a code is
    written once and tests and API clients find them all in one place; a raise names `Code.X`, never a string."""
    problems = [
        f"{path.relative_to(SRC)}:{node.lineno}: code={keyword.value.value!r}"
        for path in _modules(app)
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg in ("code", "required_code")
        and isinstance(keyword.value, ast.Constant)
        and isinstance(keyword.value.value, str)
    ]
    if not _exists(f"gongzhi.{app}.errors"):
        problems.append(f"{app}: no errors.py with its Code registry")
    _check(app, problems)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        graph[_name(path)] = {m for m, _node in _imports(path) if m != _name(path)}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _without_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's `__init__` runs before its parts, so `a.b` importing `a` is how Python works, not a circle."""
    return {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in graph.items()}


def test_the_import_graph_has_no_circle():
    cycles = _cycles(_without_packages(_graph()))
    assert not cycles, "\n".join(" ↔ ".join(c) for c in cycles)


def _is_demo(module: str) -> bool:
    return module == DEMO or module.startswith(DEMO + ".") or ".demo." in module + "."


def test_no_product_module_imports_the_demo():
    problems = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if not _is_demo(module)
        for target in targets
        if _is_demo(target)
    ]
    assert not problems, "\n".join(problems)
