"""How the code is put together (issue 8, STYLE.md): no import cycles between the project's
modules — counting imports inside functions, which hide cycles rather than remove them — the
dependency direction between apps, and each access rule defined in one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("casework", "intake", "shelter", "foster", "network", "config")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imports_of(path: Path, modules: dict[str, Path], name: str) -> set[str]:
    """Project modules imported anywhere in the file (top level or inside functions)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, modules, name) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
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
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_not_even_from_inside_a_function():
    assert cycles(graph()) == []


def test_casework_never_imports_the_apps_built_on_it():
    edges = graph()
    wrong = [
        f"{name} -> {target}"
        for name, targets in edges.items()
        if name.startswith("casework")
        for target in targets
        if target.split(".")[0] in ("intake", "shelter", "foster", "network")
    ]
    assert wrong == []


def test_models_never_import_the_access_or_service_layers():
    edges = graph()
    wrong = [
        f"{name} -> {target}"
        for name, targets in edges.items()
        if ".models" in name or name.endswith("models")
        for target in targets
        if target.endswith((".access", ".services", ".views", ".forms"))
    ]
    assert wrong == []


def app_sources() -> dict[str, str]:
    """Application code: no tests, migrations or demo seeding."""
    sources = {}
    for name, path in project_modules().items():
        if "seed" in name or name.startswith("config"):
            continue
        sources[name] = path.read_text(encoding="utf-8")
    return sources


def where(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return sorted(name for name, text in app_sources().items() if regex.search(text))


def test_the_team_supervisor_rule_is_written_once():
    """Who supervises a team: User.supervises(); everything else asks it."""
    assert where(r"is_supervisor\s*=\s*True") == ["casework.models.teams"]


def test_the_no_self_approval_rule_is_written_once():
    assert where(r"requested_by_id\s*==|==\s*\w+\.\w*requested_by_id") == []
    assert where(r"_requested_by_id") == ["casework.models.cases"]


def test_no_superuser_bypass_and_no_second_permission_mechanism():
    assert where(r"\.is_superuser") == []
    assert where(r"\.has_perm\(|get_objects_for_user") == []


def test_every_protected_queryset_defines_its_rules_with_its_model():
    """Scopes live in the models' QuerySets (`rule`), never in a separate access module."""
    defining = where(r"def rule\(self, user, action")
    assert {"casework.models.cases", "casework.models.children", "intake.models"} <= set(defining)
    assert all(name.endswith(".models") or ".models." in name for name in defining), defining


def test_the_cycle_finder_finds_cycles():
    """The checks above can fail: a cycle through a function-level import is found."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    modules = {"pkg.models": Path("m"), "pkg.access": Path("a")}
    source = "def f():\n    from pkg.access import scope\n"
    tmp = ROOT / "var" / "structure_probe.py"
    tmp.parent.mkdir(exist_ok=True)
    tmp.write_text(source, encoding="utf-8")
    try:
        assert imports_of(tmp, modules, "pkg.models") == {"pkg.access"}
    finally:
        tmp.unlink()


def test_template_comments_of_one_line_only():
    """Django's {# … #} ends on its own line: one left open is shown to the user as text (the
    filter forms showed their own comment above every list). Longer ones use {% comment %}."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    open_comments = [
        f"{path.relative_to(templates)}:{number}"
        for path in templates.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert not open_comments, open_comments
