"""The examples in the core modules' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "pc_snippets",
    "pc_snippets.core.serialize",
    "pc_snippets.core.problems",
    "pc_snippets.core.guard",
    "pc_snippets.core.check",
    "pc_snippets.core.model",
    "pc_snippets.core.render",
    "pc_snippets.core.fields",
    "pc_snippets.core.clock",
    "pc_snippets.core.errors",
    "pc_snippets.core.phones",
    "pc_snippets.core.events",
    "pc_snippets.core.navigation",
    "pc_snippets.core.consent_gate",
    "pc_snippets.core.consent_sources",
    "pc_snippets.cli.paths",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no doctest examples"
