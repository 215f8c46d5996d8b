"""Shared fixtures for the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pc_snippets.core.logs import DEFAULT_INTERVAL, DEFAULT_PER_INTERVAL, PROBLEM_LOG


@pytest.fixture(autouse=True)
def _fresh_problem_log() -> Iterator[None]:
    # The renderers log at most a few problems per rule code per minute. Tests
    # that expect a first render's warning must not find the budget spent by an
    # earlier test, whatever the order; afterwards nothing is left for atexit.
    PROBLEM_LOG.configure(per_interval=DEFAULT_PER_INTERVAL, interval=DEFAULT_INTERVAL)
    PROBLEM_LOG.reset()
    yield
    PROBLEM_LOG.configure(per_interval=DEFAULT_PER_INTERVAL, interval=DEFAULT_INTERVAL)
    PROBLEM_LOG.reset()
