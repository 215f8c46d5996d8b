"""The examples in the core modules' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "pc_snippets",
    "pc_snippets.serialize",
    "pc_snippets.problems",
    "pc_snippets.guard",
    "pc_snippets.check",
    "pc_snippets.model",
    "pc_snippets.render",
    "pc_snippets.fields",
    "pc_snippets.clock",
    "pc_snippets.errors",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no doctest examples"
