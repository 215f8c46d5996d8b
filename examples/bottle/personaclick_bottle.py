"""A PersonaClick adapter for Bottle, written with the public adapter API only."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import bottle
from jinja2 import Environment

from pc_snippets.adapter import Hooks, Naming, carries_personal_data, load_settings, make_private
from pc_snippets.jinja import set_hooks

NAMING = Naming("personaclick.")  # Bottle's config keys: app.config["personaclick.shop_id"]


class BottleHooks(Hooks):
    naming = NAMING

    def __init__(self, app: bottle.Bottle, profile_loader: Callable[[Any], Any]) -> None:
        self._settings = load_settings(app.config.get, NAMING, title="PersonaClick (Bottle): ",
                                       debug=app.config.get("personaclick.debug", False))
        self._profile_loader = profile_loader

    def settings(self, context: Any) -> Any:
        return self._settings

    def request(self, context: Any) -> Any:
        try:
            return bottle.request if bottle.request.environ else None  # this thread's request
        except RuntimeError:  # no request: a job, the shell
            return None

    def request_state(self, request: Any) -> MutableMapping[str, Any]:
        return request.environ  # type: ignore[no-any-return]  # one WSGI environ per request

    def user(self, context: Any, request: Any) -> Any:
        return None if request is None else self._profile_loader(request)


def install(app: bottle.Bottle, env: Environment, profile_loader: Callable[[Any], Any]) -> None:
    """Wire ``env``'s PersonaClick tags to ``app``; make responses with profile data private."""
    set_hooks(env, BottleHooks(app, profile_loader))

    @app.hook("after_request")
    def private_when_personal() -> None:
        if carries_personal_data(bottle.request.environ):
            make_private(bottle.response.headers)
