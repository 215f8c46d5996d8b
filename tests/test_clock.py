"""What "today" is for the date rules: the server's local date, at any hour, in any zone.

The date tests once failed from 00:00 to 06:00 UTC because Django moved the test
process to Chicago and the library's cached date did not follow. These tests move
a fake clock across local midnight, change the process's zone the way Django does
(``os.environ["TZ"]`` plus ``time.tzset()``), and run the date-dependent test
modules under the two zones furthest from UTC.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pc_snippets import check_profile, render_profile_set
from pc_snippets.core.clock import today_iso

ROOT = Path(__file__).resolve().parent.parent


def clock_at(seconds: float) -> Callable[[], float]:
    """A fake clock standing still at ``seconds``."""
    return lambda: seconds


def local_midnight(day: datetime.date) -> float:
    """The timestamp of 00:00 local time on ``day``."""
    return datetime.datetime.combine(day, datetime.time()).timestamp()


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lets a test change the process's zone; the original zone is back afterwards."""
    yield
    monkeypatch.undo()
    time.tzset()


def set_zone(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("TZ", name)
    time.tzset()  # what django.setup() does with TIME_ZONE


def test_the_date_turns_over_exactly_at_local_midnight(
    monkeypatch: pytest.MonkeyPatch, zone: None
) -> None:
    for name in ("Pacific/Kiritimati", "Etc/GMT+12", "America/Chicago", "Asia/Kathmandu"):
        set_zone(monkeypatch, name)
        midnight = local_midnight(datetime.date(2026, 12, 2))
        # The cache is warm with the last second of the old day; the first
        # second of the new day must not be served from it.
        assert today_iso(clock_at(midnight - 0.001)) == "2026-12-01", name
        assert today_iso(clock_at(midnight)) == "2026-12-02", name
        assert today_iso(clock_at(midnight + 0.5)) == "2026-12-02", name
        # A clock set back (NTP, a test) is not answered from the newer cache.
        assert today_iso(clock_at(midnight - 3600)) == "2026-12-01", name


def test_a_zone_change_is_seen_at_once(monkeypatch: pytest.MonkeyPatch, zone: None) -> None:
    # 2026-12-02 03:00 UTC: still 1 December in Chicago, already 2 December in Kiritimati.
    instant = datetime.datetime(2026, 12, 2, 3, 0, tzinfo=datetime.timezone.utc).timestamp()
    set_zone(monkeypatch, "Pacific/Kiritimati")
    assert today_iso(clock_at(instant)) == "2026-12-02"
    set_zone(monkeypatch, "America/Chicago")
    assert today_iso(clock_at(instant)) == "2026-12-01"  # same second, new zone, no stale date
    set_zone(monkeypatch, "Etc/GMT+12")
    assert today_iso(clock_at(instant)) == "2026-12-01"


def test_the_default_date_is_the_local_date_after_a_zone_change(
    monkeypatch: pytest.MonkeyPatch, zone: None
) -> None:
    for name in ("Pacific/Kiritimati", "Etc/GMT+12"):
        set_zone(monkeypatch, name)
        before = datetime.date.today()
        accepted = check_profile({"birthday": before}).ok
        refused = check_profile({"birthday": before + datetime.timedelta(days=1)}).problems
        after = datetime.date.today()
        if before == after:  # a real midnight during these lines proves nothing either way
            assert accepted, name
            assert [p.code for p in refused] == ["date_in_future"], name


def test_today_can_be_given() -> None:
    day = datetime.date(2030, 1, 1)
    assert check_profile({"birthday": "2029-12-31"}, today=day).ok
    assert [p.code for p in check_profile({"birthday": "2030-01-02"}, today=day).problems] == [
        "date_in_future"
    ]
    # The renderer takes the same date: tomorrow's birthday is dropped, today's sent.
    assert "2030-01-01" in render_profile_set({"birthday": "2030-01-01"}, today=day)
    assert render_profile_set({"birthday": "2030-01-02"}, today=day) == ""
    # Age is counted on that day too: 30 on the birthday, 29 the day before.
    born = {"birthday": "2000-01-01", "age": 31}
    assert check_profile(born, today=day).ok
    assert not check_profile(born, today=datetime.date(2029, 12, 31)).ok


@pytest.mark.parametrize("bad", [datetime.datetime(2030, 1, 1), "2030-01-01", 20300101])
def test_today_must_be_a_date(bad: object) -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        check_profile({"birthday": "2000-01-01"}, today=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_date_dependent_tests_pass_in_the_zones_furthest_from_utc(name: str) -> None:
    # Between them, these two zones are a day away from UTC for 26 hours of
    # every day, so whatever the hour of this run one of them is on another date.
    modules = [
        "tests/test_clock.py", "tests/test_fields.py", "tests/test_check.py",
        "tests/test_model.py", "tests/test_django.py",
    ]
    env = {**os.environ, "TZ": name, "PYTHONHASHSEED": "0"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not furthest",
         *modules],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
    assert " failed" not in run.stdout
