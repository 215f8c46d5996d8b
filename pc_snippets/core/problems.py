"""Problems found in profile data, and the error raised for them in strict mode.

A problem names a field path and a stable rule code, never the value: profile
values are personal data and must not end up in logs or exception messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

__all__ = ["FieldProblem", "Problem", "ProfileError"]


class Problem(NamedTuple):
    """One reason a field was refused (immutable; a named tuple, cheap to make
    on the render path).

    >>> Problem("kids[1].birthday", "date_in_future", "the date is in the future")
    Problem(field='kids[1].birthday', code='date_in_future', message='the date is in the future')
    """

    #: Path of the field, e.g. ``"email"``, ``"kids[1].birthday"``, ``"custom.size"``.
    field: str
    #: Stable rule code, e.g. ``"placeholder_email_domain"`` (see ``pc_snippets.RULES``).
    code: str
    #: Human-readable explanation. Never contains the value.
    message: str

    def __str__(self) -> str:
        # An empty path is the data as a whole.
        return f"{self.field or '(the data)'}: {self.message} [{self.code}]"


class FieldProblem(ValueError):
    """Raised by a field normaliser; carries a rule code and a value-free message.

    >>> problem = FieldProblem("invalid_gender", 'PersonaClick only accepts "m" or "f"')
    >>> problem.code, str(problem)
    ('invalid_gender', 'PersonaClick only accepts "m" or "f"')
    """

    # No __init__ of its own: the exception's C initializer keeps (code, message)
    # as its args, which halves the cost of raising one (a refused field raises
    # one on the render path).
    args: tuple[str, str]

    if TYPE_CHECKING:
        def __init__(self, code: str, message: str) -> None: ...

    @property
    def code(self) -> str:
        """The rule code."""
        return self.args[0]

    @property
    def message(self) -> str:
        """The value-free explanation."""
        return self.args[1]

    def __str__(self) -> str:
        return self.args[1]


class ProfileError(ValueError):
    """Strict mode: the profile data has problems. ``problems`` lists all of them.

    >>> err = ProfileError([Problem("email", "invalid_email", "not a valid email address")])
    >>> str(err)
    'invalid profile data (1 problem): email: not a valid email address [invalid_email]'
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        details = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"invalid profile data ({count} {noun}): {details}")
