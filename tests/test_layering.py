"""The architecture, checked: imports flow one way (pages → dashboard → core); inside core each
folder is one domain that imports only the domains below it, and only what their ``__init__``
offers; nothing outside ``core/store`` writes a database query; there are no import cycles.
core never imports streamlit, and the dashboard never loads the deep-learning frameworks."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT

DOMAINS: dict[str, set[str]] = {
    "store": set(),
    "jobs": {"store"},
    "media": {"store", "jobs"},
    "yt8m": {"store", "jobs"},
    "inference": {"store", "jobs", "media"},
    "screentime": {"store", "jobs", "media", "inference"},
    "analysis": {"store", "jobs", "media", "inference"},
    "worker": {"store", "jobs", "media", "yt8m", "inference", "screentime", "analysis"},
    "cli": {"store", "jobs", "media", "yt8m", "inference", "screentime", "analysis", "worker"},
}
"""Domain → the domains it may import. ``config``, ``errors``, ``exports`` and ``_lazy`` are the base every domain may use."""
BASE = {"config", "errors", "exports", "_lazy"}
PACKAGES = sorted(d for d in DOMAINS if (PROJECT_ROOT / "core" / d).is_dir())
RAW_QUERIES = {
    "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one", "find_one_and_update",
    "delete_one", "delete_many", "count_documents", "distinct", "aggregate", "create_index", "bulk_write",
}  # fmt: skip


def _py_files(*folders: str) -> list[Path]:
    files = [p for f in folders for p in sorted((PROJECT_ROOT / f).rglob("*.py"))]
    return files + ([PROJECT_ROOT / "streamlit_app.py"] if "pages" in folders else [])


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _domain(module: str) -> str:
    """``core.media.frames`` → ``media``; ``core.worker`` → ``worker``; ``dashboard.data`` → ``dashboard``."""
    parts = module.split(".")
    return parts[1] if parts[0] == "core" and len(parts) > 1 else parts[0]


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """Every import that runs, nested ones too (not those under ``if TYPE_CHECKING:``):
    ``(module, names imported from it, line)``."""
    found = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}:
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, [], node.lineno) for a in node.names)
    return found


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def _loaded_by(imports: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter holds after ``import <imports>``."""
    result = _run(f"import sys, {imports}; print(','.join(m for m in {watched!r} if m in sys.modules))")
    assert result.returncode == 0, result.stderr
    return [m for m in result.stdout.strip().split(",") if m]


def test_core_imports_without_streamlit() -> None:
    modules = [_module_name(p) for p in _py_files("core") if p.stem != "__main__"]
    result = _run(f"import sys; sys.modules['streamlit'] = None; {'; '.join(f'import {m}' for m in modules)}")
    assert result.returncode == 0, result.stderr
    assert len(modules) >= 30


def test_dashboard_does_not_load_models_or_frameworks() -> None:
    assert (
        _loaded_by("dashboard.data, dashboard.widgets, dashboard.state, core.inference, core.media, core.analysis", ("keras", "tensorflow", "torch", "jax"))
        == []
    )


def test_pages_load_statsmodels_and_matplotlib_only_when_they_fit_or_draw() -> None:
    """Every page imports these; the first page opened after a start paid ~2.5 s for statsmodels,
    matplotlib and wordcloud before they were imported where they are used."""
    every_page = "dashboard.data, dashboard.scope, dashboard.widgets, dashboard.moment, core.analysis.charts, core.analysis.analytics, core.analysis.aggregates"
    assert _loaded_by(every_page, ("statsmodels", "matplotlib", "wordcloud", "patsy")) == []


def test_the_warmup_loads_them_once_in_the_background() -> None:
    result = _run(
        "import sys, dashboard.warmup as w; t = w.start(1.0); loaded_at_start = 'statsmodels' in sys.modules; t.join(60); "
        "print(loaded_at_start, all(m in sys.modules for m in w.MODULES + ('statsmodels', 'wordcloud')), w.start() is None, t.name)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "reelsight-warmup"]


def test_every_domain_is_a_package_that_states_what_it_offers() -> None:
    assert sorted(d for d in DOMAINS if d != "worker") == PACKAGES
    assert not sorted(p.name for p in (PROJECT_ROOT / "core").glob("*.py") if p.stem not in {"__init__", "__main__", "worker", *BASE})
    for name in PACKAGES:
        package = importlib.import_module(f"core.{name}")
        assert package.__doc__ and len(package.__doc__) > 80, name
        assert package.__all__ and all(hasattr(package, n) for n in package.__all__), name


def test_domains_import_only_the_public_api_of_domains_below_them() -> None:
    offered = {name: set(importlib.import_module(f"core.{name}").__all__) for name in PACKAGES}
    problems = []
    for path in _py_files("core", "dashboard", "pages"):
        source = _domain(_module_name(path))
        for module, names, line in _imports(path):
            if module.split(".")[0] in {"dashboard", "pages"} and source not in {"dashboard", "pages", "streamlit_app"}:
                problems.append(f"{path.name}:{line} core imports {module}")
            if module == "core":
                targets = [(n, None) for n in names]
            elif module.startswith("core."):
                parts = module.split(".")
                targets = [(parts[1], parts[2] if len(parts) > 2 else None)]
            else:
                continue
            for target, sub in targets:
                if target == source or target in BASE or target == "__main__":
                    continue
                if source in DOMAINS and target not in DOMAINS[source]:
                    problems.append(f"{path.relative_to(PROJECT_ROOT)}:{line} {source} imports {target}, which is not below it")
                if target in offered:
                    wanted = [sub] if sub else ([] if module == "core" else names)
                    private = [w for w in wanted if w not in offered[target]]
                    if private:
                        problems.append(f"{path.relative_to(PROJECT_ROOT)}:{line} imports {private} from core.{target}, which does not offer them")
    assert problems == [], "\n".join(problems)


def test_nothing_outside_the_store_writes_a_query() -> None:
    problems = []
    for path in _py_files("core", "dashboard", "pages"):
        if path.is_relative_to(PROJECT_ROOT / "core" / "store"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RAW_QUERIES:
                problems.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} .{node.func.attr}()")
            if isinstance(node, ast.Attribute) and node.attr == "db" and "store" in ast.unparse(node.value):
                problems.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {ast.unparse(node)}: the raw database")
    assert problems == [], "\n".join(problems)


def test_there_are_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    modules = {_module_name(p): p for p in _py_files("core", "dashboard")}
    for name, path in modules.items():
        deps = set()
        for module, names, _ in _imports(path):
            submodules = {f"{module}.{n}" for n in names if f"{module}.{n}" in modules}
            deps |= submodules | ({module} & modules.keys() if len(submodules) < max(len(names), 1) else set())
        graph[name] = deps - {name} - {n for n in deps if name.startswith(n + ".")}  # a module needs its package's __init__
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in graph[node]:
            if state.get(dep) == 1:
                pytest.fail("import cycle: " + " → ".join([*trail[trail.index(dep) :], dep] if dep in trail else [node, dep]))
            if dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
