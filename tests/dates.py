"""Today as the library defines it, for tests whose data is relative to today.

Tests that probe a date boundary pass ``today=`` instead (tests/test_fields.py);
these only need a date near today, so a midnight during the run cannot matter.
"""

from __future__ import annotations

import datetime

from pc_snippets.core.clock import today_iso


def local_today() -> datetime.date:
    """The server's local date, read through the library's own clock."""
    return datetime.date.fromisoformat(today_iso())
