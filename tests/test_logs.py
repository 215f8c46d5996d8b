"""Problem logging: a budget per rule code and interval, exact summaries, no values."""

from __future__ import annotations

import doctest
import logging
import os
import sys
import threading
from typing import Any

import pytest

import pc_snippets.core.logs
from pc_snippets import EXAMPLE_PROFILE, Problem, check_profile, render_profile_set
from pc_snippets.core.logs import PROBLEM_LOG, ProblemLog


class FakeClock:
    """A clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Keep(logging.Handler):
    """Keeps every record (list.append is safe from several threads)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept(request: pytest.FixtureRequest) -> Any:
    # A logger of the test's own, so records from anything else never mix in.
    logger = logging.getLogger(f"pc_snippets_test.{request.node.name}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = Keep()
    logger.addHandler(handler)
    yield logger, handler
    logger.removeHandler(handler)


def problem(code: str = "age_mismatch", field: str = "age") -> tuple[Problem, ...]:
    return (Problem(field, code, "a fixed, value-free message"),)


def summaries(records: list[logging.LogRecord]) -> list[tuple[str, int]]:
    return [(r.pc_rule, r.pc_suppressed) for r in records if r.pc_suppressed]


def plain(records: list[logging.LogRecord]) -> list[str]:
    return [r.pc_rule for r in records if not r.pc_suppressed]


# ---------------------------------------------------------------- budget


def test_a_code_is_logged_only_up_to_its_budget(kept: Any) -> None:
    logger, handler = kept
    log = ProblemLog(per_interval=3, interval=60, clock=FakeClock(), logger=logger)
    for _ in range(10):
        log.log(problem())
    assert plain(handler.records) == ["age_mismatch"] * 3
    assert summaries(handler.records) == []  # the interval is not over yet


def test_each_code_has_its_own_budget(kept: Any) -> None:
    logger, handler = kept
    log = ProblemLog(per_interval=2, interval=60, clock=FakeClock(), logger=logger)
    for _ in range(10):
        log.log(problem("age_mismatch") + problem("invalid_phone", "phone"))
    log.log(problem("invalid_email", "email"))
    assert sorted(plain(handler.records)) == sorted(
        ["age_mismatch"] * 2 + ["invalid_phone"] * 2 + ["invalid_email"])


def test_problems_of_one_render_share_the_budget(kept: Any) -> None:
    logger, handler = kept
    log = ProblemLog(per_interval=2, interval=60, clock=FakeClock(), logger=logger)
    log.log(problem(field="kids[0].birthday") * 5)
    assert plain(handler.records) == ["age_mismatch"] * 2


def test_summary_count_is_exact_once_the_interval_is_over(kept: Any) -> None:
    logger, handler = kept
    clock = FakeClock()
    log = ProblemLog(per_interval=5, interval=60, clock=clock, logger=logger)
    for _ in range(62):
        log.log(problem())
    clock.now += 59.999
    log.log(problem())  # still the first interval: counted, nothing logged
    assert len(handler.records) == 5
    clock.now += 0.001  # exactly 60 s after the first problem: that interval is over
    log.log(problem())
    assert summaries(handler.records) == [("age_mismatch", 63 - 5)]
    summary = next(r for r in handler.records if r.pc_suppressed)
    assert summary.getMessage() == (
        "PersonaClick: 58 more problems [age_mismatch] not logged (at most 5 per 60 s)")
    # The problem that ended the interval opens the next one with a fresh budget.
    assert plain(handler.records) == ["age_mismatch"] * 6
    for _ in range(4 + 2):
        log.log(problem())
    clock.now += 60
    log.log(problem("invalid_email", "email"))  # any code's problem reports the others
    assert summaries(handler.records) == [("age_mismatch", 58), ("age_mismatch", 2)]


def test_a_single_suppressed_problem_is_worded_in_the_singular(kept: Any) -> None:
    logger, handler = kept
    clock = FakeClock()
    log = ProblemLog(per_interval=1, interval=30, clock=clock, logger=logger)
    log.log(problem() * 2)
    clock.now += 30
    log.log(problem())
    assert handler.records[1].getMessage() == (
        "PersonaClick: 1 more problem [age_mismatch] not logged (at most 1 per 30 s)")


def test_no_summary_when_nothing_was_suppressed(kept: Any) -> None:
    logger, handler = kept
    clock = FakeClock()
    log = ProblemLog(per_interval=3, interval=60, clock=clock, logger=logger)
    for _ in range(3):  # exactly the budget
        log.log(problem())
    clock.now += 600
    log.log(problem())
    log.flush()
    assert summaries(handler.records) == []
    assert len(handler.records) == 4


def test_budget_zero_logs_only_summaries(kept: Any) -> None:
    logger, handler = kept
    clock = FakeClock()
    log = ProblemLog(per_interval=0, interval=10, clock=clock, logger=logger)
    for _ in range(7):
        log.log(problem())
    assert handler.records == []
    clock.now += 10
    log.log(problem("invalid_email", "email"))
    assert summaries(handler.records) == [("age_mismatch", 7)]


def test_flush_reports_open_counts_and_reset_forgets_them(kept: Any) -> None:
    logger, handler = kept
    log = ProblemLog(per_interval=1, interval=60, clock=FakeClock(), logger=logger)
    log.log(problem() * 4 + problem("invalid_phone", "phone") * 2)
    log.flush()
    assert sorted(summaries(handler.records)) == [("age_mismatch", 3), ("invalid_phone", 1)]
    log.flush()  # nothing is reported twice
    assert len(summaries(handler.records)) == 2
    log.log(problem() * 4)  # after a flush, a fresh budget
    assert plain(handler.records).count("age_mismatch") == 2
    log.reset()
    log.flush()
    assert len(summaries(handler.records)) == 2  # the reset dropped the 3 without a word
    log.log(problem())
    assert plain(handler.records).count("age_mismatch") == 3


def test_configure_changes_the_limits_and_refuses_nonsense(kept: Any) -> None:
    logger, handler = kept
    clock = FakeClock()
    log = ProblemLog(per_interval=1, interval=60, clock=clock, logger=logger)
    log.configure(per_interval=4, interval=5)
    assert (log.per_interval, log.interval) == (4, 5.0)
    log.log(problem() * 10)
    assert len(handler.records) == 4
    clock.now += 5
    log.log(problem("invalid_email", "email"))
    assert summaries(handler.records) == [("age_mismatch", 6)]
    for bad in ({"per_interval": -1}, {"per_interval": 1.5}, {"per_interval": True},
                {"interval": 0}, {"interval": -3}, {"interval": float("inf")},
                {"interval": float("nan")}, {"interval": "60"}):
        with pytest.raises(ValueError, match="interval"):
            log.configure(**bad)
        with pytest.raises(ValueError, match="interval"):
            ProblemLog(**bad)
    assert (log.per_interval, log.interval) == (4, 5.0)


# ---------------------------------------------------------------- records


def test_every_record_carries_the_structured_fields(kept: Any) -> None:
    logger, handler = kept
    clock = FakeClock()
    log = ProblemLog(per_interval=1, interval=60, clock=clock, logger=logger)
    log.log(problem("invalid_date", "kids[1].birthday") * 3)
    clock.now += 60
    log.log(problem("invalid_email", "email"))
    first, summary, email = handler.records
    assert (first.pc_field, first.pc_rule, first.pc_suppressed) == (
        "kids[1].birthday", "invalid_date", 0)
    assert (summary.pc_field, summary.pc_rule, summary.pc_suppressed) == (
        None, "invalid_date", 2)
    assert (email.pc_field, email.pc_rule, email.pc_suppressed) == ("email", "invalid_email", 0)
    assert {r.levelno for r in handler.records} == {logging.WARNING}
    assert first.getMessage() == (
        "PersonaClick dropped: kids[1].birthday [invalid_date] "
        "a fixed, value-free message")


def test_the_renderers_log_on_the_pc_snippets_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pc_snippets")
    render_profile_set(EXAMPLE_PROFILE)  # its age disagrees with its birthday
    (record,) = caplog.records
    (expected,) = check_profile(EXAMPLE_PROFILE).problems
    assert record.name == "pc_snippets"
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"PersonaClick dropped: {expected.field} [{expected.code}] "
        f"{expected.message}")
    assert (record.pc_field, record.pc_rule, record.pc_suppressed) == ("age", "age_mismatch", 0)


HOSTILE = {
    "email": "zqxw.anonymous@example.com",
    "first_name": "Zqxw-test",
    "last_name": "null",
    "phone": "+7 000 000 00 00",
    "gender": "zqxw\r\nWARNING forged line",
    "birthday": "1899-12-31",
    "jane.zqxw@mail.com": "Zqxw Secret",  # a key that is itself personal data
    "kids": [{"birthday": "2999-01-01", "zqxw\x1b[31m": 1}],
}


# Attributes logging fills in from the clock and the process, not from the data:
# a timestamp can contain "1899" by chance.
_RUNTIME_ATTRIBUTES = {"created", "msecs", "relativeCreated", "thread", "process", "lineno",
                       "taskName", "threadName", "processName"}


def _texts(record: logging.LogRecord) -> list[str]:
    # Everything a handler or formatter could write from the data: the message and
    # every other attribute.
    return [record.getMessage(), *(repr(value) for name, value in vars(record).items()
                                   if name not in _RUNTIME_ATTRIBUTES)]


def test_no_value_is_in_any_record(caplog: pytest.LogCaptureFixture, monkeypatch: Any) -> None:
    clock = FakeClock()
    monkeypatch.setattr(pc_snippets.core.logs, "PROBLEM_LOG", ProblemLog(
        per_interval=2, interval=60, clock=clock))
    caplog.set_level(logging.DEBUG, logger="pc_snippets")
    for _ in range(5):
        render_profile_set(HOSTILE)
    clock.now += 60
    render_profile_set(HOSTILE)
    assert any(r.pc_suppressed for r in caplog.records)  # summaries were searched too
    assert len({r.pc_rule for r in caplog.records}) >= 6
    for record in caplog.records:
        for text in _texts(record):
            assert "zqxw" not in text.casefold(), text
            for fragment in ("anonymous", "000 000", "1899", "2999", "\r", "\x1b"):
                assert fragment not in text, text


def test_the_value_search_would_find_a_leak() -> None:
    # The search above must see a value wherever a handler could print it.
    record = logging.LogRecord("pc_snippets", logging.WARNING, __file__, 1,
                               "dropped: %s", ("Zqxw",), None)
    assert any("zqxw" in text.casefold() for text in _texts(record))
    record = logging.LogRecord("pc_snippets", logging.WARNING, __file__, 1, "x", (), None)
    record.pc_field = "jane.zqxw@mail.com"
    assert any("zqxw" in text for text in _texts(record))


# ---------------------------------------------------------------- threads


def test_threads_lose_no_count(kept: Any) -> None:
    logger, handler = kept
    ticks = iter(range(10**9))
    # Each call moves time on by 1 ms, so intervals end and summaries are
    # reported while the threads are still counting.
    log = ProblemLog(per_interval=3, interval=0.5,
                     clock=lambda: next(ticks) / 1000, logger=logger)
    codes = ["age_mismatch", "invalid_phone", "invalid_email"]
    calls = 4000
    start = threading.Barrier(8)
    errors: list[BaseException] = []
    # Switch threads as often as possible, so a count updated without the lock
    # would be lost.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)

    def work(index: int) -> None:
        try:
            start.wait()
            for i in range(calls):
                log.log(problem(codes[(index + i) % len(codes)]) + problem("invalid_date"))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    log.flush()
    assert errors == []
    assert len(summaries(handler.records)) > len(codes)  # intervals really ended mid-run
    total: dict[str, int] = {}
    for record in handler.records:
        total[record.pc_rule] = total.get(record.pc_rule, 0) + (record.pc_suppressed or 1)
    expected = {"invalid_date": 8 * calls}
    for index in range(8):
        for i in range(calls):
            code = codes[(index + i) % len(codes)]
            expected[code] = expected.get(code, 0) + 1
    assert total == expected


def test_records_are_emitted_outside_the_lock(kept: Any) -> None:
    # The lock guards the counters only: a slow handler must not hold up other
    # threads, and a handler that itself renders (and so logs) must not deadlock.
    logger, handler = kept
    clock = FakeClock()
    log = ProblemLog(per_interval=1, interval=60, clock=clock, logger=logger)
    held: list[bool] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(log._lock.locked())
            if record.pc_rule == "age_mismatch" and not held[-1]:
                log.log(problem("invalid_phone", "phone"))

    watch = Watch()
    logger.addHandler(watch)
    try:
        log.log(problem() * 3)
        clock.now += 60
        log.log(problem("invalid_email", "email"))
    finally:
        logger.removeHandler(watch)
    # The age record and the phone record its handler logged; a minute later the
    # age summary and, again, a phone record (a new interval); then the email record.
    assert held == [False] * len(handler.records)
    assert [(r.pc_rule, r.pc_suppressed) for r in handler.records] == [
        ("age_mismatch", 0), ("invalid_phone", 0), ("age_mismatch", 2), ("invalid_phone", 0),
        ("invalid_email", 0)]


# ---------------------------------------------------------------- through the renderer


def test_a_thousand_stale_renders_log_the_budget_and_one_summary(
    caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    clock = FakeClock()
    log = ProblemLog(clock=clock)  # the default limits
    monkeypatch.setattr(pc_snippets.core.logs, "PROBLEM_LOG", log)
    caplog.set_level(logging.WARNING, logger="pc_snippets")
    renders = 1000
    for _ in range(renders):
        html = render_profile_set(EXAMPLE_PROFILE)
        assert '"email":"john.doe@examplemail.com"' in html  # the rest is still sent
    assert len(caplog.records) == log.per_interval
    clock.now += log.interval
    render_profile_set(EXAMPLE_PROFILE)
    assert summaries(caplog.records) == [("age_mismatch", renders - log.per_interval)]
    assert len(caplog.records) == log.per_interval + 2  # the summary, then a new interval's


def test_the_suite_starts_each_test_with_a_spent_budget_forgotten_1(
    caplog: pytest.LogCaptureFixture
) -> None:
    # With the default log and real clock: spend the whole budget here...
    caplog.set_level(logging.WARNING, logger="pc_snippets")
    for _ in range(PROBLEM_LOG.per_interval + 3):
        render_profile_set(EXAMPLE_PROFILE)
    assert len(caplog.records) <= PROBLEM_LOG.per_interval


def test_the_suite_starts_each_test_with_a_spent_budget_forgotten_2(
    caplog: pytest.LogCaptureFixture
) -> None:
    # ... and the next test's first render still warns (tests/conftest.py resets).
    caplog.set_level(logging.WARNING, logger="pc_snippets")
    render_profile_set(EXAMPLE_PROFILE)
    assert [r.pc_rule for r in caplog.records] == ["age_mismatch"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_starts_with_fresh_counts() -> None:
    # Without the reset at fork the child would find the budget spent (no
    # warning) and report the parent's count a second time.
    for _ in range(PROBLEM_LOG.per_interval + 4):
        render_profile_set(EXAMPLE_PROFILE)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            logger = logging.getLogger("pc_snippets")
            handler = Keep()
            logger.addHandler(handler)
            render_profile_set(EXAMPLE_PROFILE)
            PROBLEM_LOG.flush()
            code = 0 if [(r.pc_rule, r.pc_suppressed) for r in handler.records] == [
                ("age_mismatch", 0)] else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_module_docstring_example_runs() -> None:
    result = doctest.testmod(pc_snippets.core.logs, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
