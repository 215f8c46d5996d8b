"""Logging refused profile fields without flooding the logs or slowing the page.

Lenient rendering drops a refused field and logs it on the ``pc_snippets``
logger. A store where a fifth of the profiles carry a stale ``age`` would log a
warning on every fifth page view, and pay for the formatting and the handler's
I/O each time. So each rule code has a budget: the first ``per_interval``
problems (default 5) of a code are logged in full; later ones are only counted
until ``interval`` seconds (default 60) have passed since the first. After that,
the next problem of *any* code reports the count in one summary record per
code, and the code's next problem starts a new interval with a fresh budget.
Reporting at any code's problem, not only at the same code's, means a count
is not held back when its problem stops (the shop fixed its data) while others
go on; it costs every render one comparison with the earliest interval end.
Over the budget a problem costs a dict look-up and an increment (the render
reads the clock and takes the lock once for all its problems): no logging
call, no formatting.

Every record carries structured fields (``extra=``) for handlers that count:
``pc_field`` (the field path; ``None`` on a summary, which covers several
problems), ``pc_rule`` (the rule code) and ``pc_suppressed`` (0 on a problem's
own record, the number of problems not logged on a summary). No record holds a
value: only field paths (which never show a key that could be data), rule codes
and the rules' fixed messages.

A count still open when no further problem arrives is reported when the
interpreter exits (``atexit``), or earlier by :meth:`ProblemLog.flush`. A
process that ends without running ``atexit`` handlers (killed, or a forked
worker leaving with ``os._exit``) loses that last count; call
``PROBLEM_LOG.flush()`` in a shutdown hook where that matters. A forked child
starts with empty counters, so a count is never reported by parent and child.

>>> import logging
>>> from pc_snippets.core.problems import Problem
>>> seen = []
>>> class Keep(logging.Handler):
...     def emit(self, record):
...         seen.append((record.pc_rule, record.pc_suppressed))
>>> logger, keep = logging.getLogger("doctest.problem_log"), Keep()
>>> logger.addHandler(keep)
>>> logger.propagate = False
>>> now = [0.0]
>>> log = ProblemLog(per_interval=2, interval=60, clock=lambda: now[0], logger=logger)
>>> stale = (Problem("age", "age_mismatch", "disagrees with the birthday"),)
>>> for _ in range(5):
...     log.log(stale)
>>> now[0] = 60.0
>>> log.log(stale)
>>> seen  # two logged, three counted, then the summary and a new interval's first
[('age_mismatch', 0), ('age_mismatch', 0), ('age_mismatch', 3), ('age_mismatch', 0)]
>>> logger.removeHandler(keep)
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
import time
from collections.abc import Callable

from .problems import Problem

__all__ = ["DEFAULT_INTERVAL", "DEFAULT_PER_INTERVAL", "PROBLEM_LOG", "ProblemLog", "log_problems"]

#: Records logged per rule code per interval, and the interval in seconds.
DEFAULT_PER_INTERVAL = 5
DEFAULT_INTERVAL = 60.0

_MESSAGE = "PersonaClick dropped: %s [%s] %s"
_SUMMARY = "PersonaClick: %d more %s [%s] not logged (at most %d per %g s)"


class ProblemLog:
    """Logs problems with a budget of ``per_interval`` records per rule code per
    ``interval`` seconds, and counts the rest (see the module's docstring).

    ``clock`` gives seconds (monotonic); tests pass a fake one. ``logger``:
    default the ``pc_snippets`` logger. Thread-safe: one lock guards the counters,
    held only while they are read and changed, never while a record is emitted.
    """

    def __init__(
        self,
        per_interval: int = DEFAULT_PER_INTERVAL,
        interval: float = DEFAULT_INTERVAL,
        *,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger | None = None,
    ) -> None:
        self._per_interval, self._interval = _limits(per_interval, interval)
        self._clock = clock
        self._logger = logger or logging.getLogger("pc_snippets")
        self._lock = threading.Lock()
        # code -> [end of its interval, budget left, problems counted, not logged].
        # A list, not an object: the hot path is one item increment.
        self._windows: dict[str, list[float]] = {}
        # The earliest end of an interval whose budget ran out: the one comparison
        # every call makes to know whether a summary may be due.
        self._sweep_at = math.inf

    @property
    def per_interval(self) -> int:
        """Records logged per rule code per interval."""
        return self._per_interval

    @property
    def interval(self) -> float:
        """Length of an interval in seconds; it starts at a code's first problem."""
        return self._interval

    def configure(self, *, per_interval: int | None = None, interval: float | None = None) -> None:
        """Change the limits; intervals already running keep their end and budget."""
        with self._lock:
            self._per_interval, self._interval = _limits(
                self._per_interval if per_interval is None else per_interval,
                self._interval if interval is None else interval,
            )

    def log(self, problems: tuple[Problem, ...]) -> None:
        """Log ``problems`` (one render's) within the budget; count the rest."""
        if not problems:
            return
        now = self._clock()
        # Made only when needed: over the budget (the usual case) a render's
        # problems are counted and nothing is emitted.
        due: list[tuple[str, int]] | None = None
        logged: list[Problem] | None = None
        with self._lock:
            if now >= self._sweep_at:
                due = []
                self._sweep(now, due)
            windows = self._windows
            for problem in problems:
                window = windows.get(problem.code)
                if window is not None and now < window[0]:
                    if not window[1]:
                        window[2] += 1  # over budget: this increment is all it costs
                        continue
                    window[1] -= 1
                    if logged is None:
                        logged = []
                    logged.append(problem)
                    if not window[1]:  # the budget is spent: a summary may follow
                        self._sweep_at = min(self._sweep_at, window[0])
                    continue
                # A first problem of this code, or its interval is over (any count
                # it had was reported by the sweep above).
                budget = self._per_interval
                if budget:
                    if logged is None:
                        logged = []
                    logged.append(problem)
                    budget -= 1
                    suppressed = 0
                else:
                    suppressed = 1
                end = now + self._interval
                windows[problem.code] = [end, budget, suppressed]
                if not budget:
                    self._sweep_at = min(self._sweep_at, end)
        if due or logged:
            self._emit(due or [], logged or [])

    def flush(self) -> None:
        """Report every open count now and start afresh (a shutdown hook; ``atexit``)."""
        due: list[tuple[str, int]] = []
        with self._lock:
            self._sweep(math.inf, due)
        self._emit(due, [])

    def reset(self) -> None:
        """Forget every count and budget without logging (tests; a forked child)."""
        with self._lock:
            self._windows.clear()
            self._sweep_at = math.inf

    def _sweep(self, now: float, due: list[tuple[str, int]]) -> None:
        # Called with the lock held: drop every interval that is over, noting the
        # counts to report, and find the next moment one may be due.
        sweep_at = math.inf
        for code, window in list(self._windows.items()):
            if now >= window[0]:
                del self._windows[code]
                if window[2]:
                    due.append((code, int(window[2])))
            elif not window[1]:
                sweep_at = min(sweep_at, window[0])
        self._sweep_at = sweep_at

    def _emit(self, due: list[tuple[str, int]], logged: list[Problem]) -> None:
        # Outside the lock: a slow handler (a file, a socket) never holds up
        # another thread's counting.
        logger = self._logger
        for code, count in due:
            logger.warning(
                _SUMMARY, count, "problem" if count == 1 else "problems", code,
                self._per_interval, self._interval,
                extra={"pc_field": None, "pc_rule": code, "pc_suppressed": count},
            )
        for problem in logged:
            # Field path and rule code only: never the value (personal data).
            logger.warning(
                _MESSAGE, problem.field, problem.code, problem.message,
                extra={"pc_field": problem.field, "pc_rule": problem.code, "pc_suppressed": 0},
            )

    def _after_fork(self) -> None:
        # The parent reports its own counts; a lock another thread held at the
        # fork would never be released in the child.
        self._lock = threading.Lock()
        self._windows = {}
        self._sweep_at = math.inf


def _limits(per_interval: int, interval: float) -> tuple[int, float]:
    if isinstance(per_interval, bool) or not isinstance(per_interval, int) or per_interval < 0:
        raise ValueError("per_interval must be an integer >= 0")
    if (
        isinstance(interval, bool)
        or not isinstance(interval, (int, float))
        or not math.isfinite(interval)
        or interval <= 0
    ):
        raise ValueError("interval must be a finite number of seconds > 0")
    return per_interval, float(interval)


#: The renderers' log: ``PROBLEM_LOG.configure(per_interval=..., interval=...)``
#: changes its limits, ``PROBLEM_LOG.reset()`` forgets its counts (tests).
PROBLEM_LOG = ProblemLog()
atexit.register(PROBLEM_LOG.flush)
if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=PROBLEM_LOG._after_fork)


def log_problems(problems: tuple[Problem, ...]) -> None:
    """Log one render's problems through :data:`PROBLEM_LOG` (what the renderers call)."""
    PROBLEM_LOG.log(problems)
