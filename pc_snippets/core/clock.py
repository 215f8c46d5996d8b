"""What "today" means for the date rules: the server's local date.

A birthday after today is ``date_in_future`` and ``age`` is checked against the
years since the birthday, so the rules need a date. It is the local date of the
process, as :meth:`datetime.date.today` gives it: the ``TZ`` environment variable
or the system's zone (Django sets ``TZ`` from its ``TIME_ZONE`` setting when it
starts, so in a Django process it is ``TIME_ZONE``'s date). Callers that need
another date (a batch job replaying yesterday, a test) pass ``today=`` to
:func:`pc_snippets.check_profile` or :func:`pc_snippets.render_profile_set`.

>>> import datetime
>>> today_iso() == datetime.date.today().isoformat()
True
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

__all__ = ["iso_today", "today_iso"]

# date.today() costs more than checking a whole field, so the date is kept until
# the next whole minute of the clock. Local midnight falls on a whole minute in
# every zone in use (offsets are whole quarter hours), so the date never goes
# stale across midnight. time.tzset() (which Django calls) replaces time.tzname,
# so a zone change made that way is seen at once; one made only through the TZ
# variable is seen within a minute.
_cache: tuple[float, float, object, str] = (0.0, 0.0, None, "")


def today_iso(now: Callable[[], float] = time.time) -> str:
    """Today's local date as ``YYYY-MM-DD``.

    ``now`` is the clock (seconds since the epoch); tests pass a fake one to move
    time across midnight without sleeping.
    """
    global _cache
    seconds = now()
    start, expires, zone, iso = _cache
    if start <= seconds < expires and zone is time.tzname:
        return iso
    zone = time.tzname
    iso = datetime.date.fromtimestamp(seconds).isoformat()
    start = seconds - seconds % 60.0
    # One tuple replaced whole: threads need no lock, and a race only recomputes.
    _cache = (start, start + 60.0, zone, iso)
    return iso


def iso_today(today: datetime.date | None) -> str | None:
    """``today`` as ``YYYY-MM-DD`` for a caller-chosen date; ``None`` means the clock's.

    >>> iso_today(datetime.date(2026, 3, 10))
    '2026-03-10'
    """
    if today is None:
        return None
    if isinstance(today, datetime.datetime) or not isinstance(today, datetime.date):
        raise TypeError("today must be a datetime.date (or None for the server's local date)")
    return today.isoformat()
