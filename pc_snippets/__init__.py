"""pc-snippets: validated, XSS-safe PersonaClick JavaScript snippets.

>>> from pc_snippets import render_profile_set
>>> html = render_profile_set({"email": "jane@mail.com", "gender": "female"})
>>> html.endswith('{"email":"jane@mail.com","gender":"f"});</script>')
True

Framework adapters live in ``pc_snippets.jinja``, ``pc_snippets.flask``,
``pc_snippets.django`` and ``pc_snippets.starlette`` and are imported on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core.check import CheckResult, check_profile
from .core.consent_gate import ConsentSource
from .core.events import EventError, EventResult, check_event, render_track
from .core.example import EXAMPLE_PROFILE
from .core.guard import GUARD_RULES, Guard
from .core.navigation import HxTriggerError, hx_trigger_header, render_htmx_config
from .core.problems import Problem, ProfileError
from .core.render import render_call, render_init, render_profile_get, render_profile_set
from .core.rules import RULES
from .core.serialize import UnsafeValueError, dumps_js

__all__ = [
    "EXAMPLE_PROFILE",
    "GUARD_RULES",
    "RULES",
    "CheckResult",
    "ConsentSource",
    "EventError",
    "EventResult",
    "Guard",
    "HxTriggerError",
    "Kid",
    "Problem",
    "Profile",
    "ProfileError",
    "UnsafeValueError",
    "Vehicle",
    "check_event",
    "check_profile",
    "dumps_js",
    "hx_trigger_header",
    "render_call",
    "render_htmx_config",
    "render_init",
    "render_profile_get",
    "render_profile_set",
    "render_track",
]

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .core.model import Kid, Profile, Vehicle


def __getattr__(name: str) -> Any:
    # The pydantic models load on first use: importing pydantic is most of the
    # package's import time, and rendering and checking never need it.
    if name in ("Kid", "Profile", "Vehicle"):
        from .core import model

        return getattr(model, name)
    raise AttributeError(f"module 'pc_snippets' has no attribute {name!r}")
