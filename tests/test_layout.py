"""The folder layout is the architecture: the core depends on nothing of the package's own
outside ``core/``, the command line on the core only, and no integration writes JavaScript."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pc_snippets"
FRAMEWORKS = {"flask", "django", "starlette", "fastapi", "bottle", "flask_talisman", "csp"}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    # The package a relative import starts from: the module's folder.
    package = ".".join(path.parent.relative_to(PACKAGE.parent).parts)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level \
                else str(node.module)
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def modules_under(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def own(names: set[str]) -> set[str]:
    return {name for name in names if name.split(".")[0] == "pc_snippets"}


def test_the_resolver_sees_relative_imports() -> None:
    # The checks below are only as good as this: a relative import must resolve.
    names = imported_modules(PACKAGE / "adapter" / "pipeline.py")
    assert "pc_snippets.core.render" in names
    assert "pc_snippets.adapter.hooks" in names
    assert "pc_snippets.core.render" in imported_modules(PACKAGE / "cli" / "main.py")


@pytest.mark.parametrize("path", modules_under("core"), ids=lambda p: p.name)
def test_the_core_imports_only_the_core(path: Path) -> None:
    names = imported_modules(path)
    assert {n for n in own(names) if not n.startswith("pc_snippets.core")} == set()
    assert {n.split(".")[0] for n in names} & FRAMEWORKS == set()


@pytest.mark.parametrize("path", modules_under("cli"), ids=lambda p: p.name)
def test_the_command_line_is_built_on_the_core_only(path: Path) -> None:
    names = own(imported_modules(path))
    assert {n for n in names if not n.startswith(("pc_snippets.core", "pc_snippets.cli"))} \
        <= {"pc_snippets", "pc_snippets.__version__"}
    assert {n.split(".")[0] for n in imported_modules(path)} & FRAMEWORKS == set()


INTEGRATIONS = sorted(
    [*modules_under("adapter"), *modules_under("django"),
     *(PACKAGE / name for name in ("jinja.py", "flask.py", "starlette.py", "fastapi.py"))]
)


@pytest.mark.parametrize("path", INTEGRATIONS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_integration_writes_javascript_or_reaches_into_the_command_line(path: Path) -> None:
    names = own(imported_modules(path))
    assert not any(n.endswith(".dumps_js") or n.endswith(".serialize") for n in names)
    assert not any(n.startswith("pc_snippets.cli") for n in names)
