"""The examples in the docstrings of the package and its framework-free modules run and hold."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

# Every module with examples in the framework-free packages, found rather than listed:
# a hand-kept list had left the examples of ten modules unrun (one of them broken).
_PACKAGES = ("pc_snippets.core", "pc_snippets.cli", "pc_snippets.adapter")


def _modules_with_examples() -> list[str]:
    names = ["pc_snippets"]
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        names += [package_name] + [f"{package_name}.{info.name}"
                                   for info in pkgutil.iter_modules(package.__path__)]
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        assert spec is not None, name
        assert spec.origin is not None, name
        if ">>> " in Path(spec.origin).read_text(encoding="utf-8"):
            found.append(name)
    return found


MODULES = _modules_with_examples()


def test_the_examples_are_found() -> None:
    # The discovery itself: the modules known to carry examples are among those found.
    assert {"pc_snippets", "pc_snippets.core.serialize", "pc_snippets.cli.readers",
            "pc_snippets.cli.report", "pc_snippets.adapter.settings"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no doctest examples"
