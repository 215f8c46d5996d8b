"""The README's examples run, and it documents every rule code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pc_snippets import RULES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_readme_has_runnable_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 5


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_python_example_runs(block: str) -> None:
    exec(compile(block, "README.md", "exec"), {})  # the examples assert their own results


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_code_is_documented(code: str) -> None:
    assert f"| `{code}` |" in README


def test_readme_gives_the_two_commands() -> None:
    assert "pip install . && pc-snippets page" in README
    assert "python -m pip install -e '.[test]' && python -m pytest" in README
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pip install -e '.[test]' && python -m pytest" in ci
