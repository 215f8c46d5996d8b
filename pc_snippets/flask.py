"""Flask extension: configuration, current visitor, Talisman nonce, consent, caching.

>>> from flask import Flask, render_template_string
>>> app = Flask(__name__)
>>> app.config.update(PERSONACLICK_SHOP_ID="357382bf66ac0ce2f1722677c59511", SECRET_KEY="dev")
>>> personaclick = PersonaClick(app)
>>> @personaclick.profile_loader
... def current_profile():
...     return {"id": 42, "email": "jane@mail.com"}
>>> with app.test_request_context():
...     html = render_template_string("{% personaclick_init %}{% personaclick_profile_set %}")
>>> html.count("<script>")
2

Configuration (read once, and checked, by :meth:`PersonaClick.init_app`): the
settings table (:data:`pc_snippets.adapter.SETTINGS`) as ``PERSONACLICK_*`` config
keys: ``PERSONACLICK_SHOP_ID`` (required while enabled), ``PERSONACLICK_STRICT``
(``False``: a bad field is dropped and logged, never a broken page) ...
``PERSONACLICK_CONSENT``'s callable takes no arguments (the ``consent_loader``
decorator wins over it).

While ``app.debug`` is on, each dropped field is also named (path and rule code,
never the value) in a ``console.warn`` on the page.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from flask import (
    Flask,
    Request,
    Response,
    before_render_template,
    current_app,
    request,
    session,
    template_rendered,
)
from markupsafe import Markup

from .adapter import (
    CONFIG,
    DEFAULT,
    ContextLike,
    Hooks,
    Settings,
    carries_personal_data,
    make_private,
    queue_event_for,
    read_settings,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
    render_queued_events_for,
    render_track_for,
    settings_from,
    settings_problems,
    streamed_body,
)
from .jinja import hooks_for, set_hooks

__all__ = ["EXTENSION_KEY", "PersonaClick", "queue_event"]

#: Key of this extension's state in ``app.extensions``.
EXTENSION_KEY = "personaclick"

_Loader = TypeVar("_Loader", bound=Callable[[], Any])
_ConsentLoader = TypeVar("_ConsentLoader", bound=Callable[[], "bool | None"])


@dataclass(frozen=True)
class _State:
    """What ``init_app`` stored for one app (``app.extensions["personaclick"]``)."""

    extension: PersonaClick
    settings: Settings
    # The same with debug on, used while app.debug is (it may be switched on after
    # init_app: app.run(debug=True)).
    debug: Settings
    config_consent: Any  # PERSONACLICK_CONSENT
    # The consent_loader the settings were made with (it wins over the config).
    loader: Callable[[], bool | None] | None = None

    def with_loader(self, loader: Callable[[], bool | None] | None) -> _State:
        consent = self.config_consent if loader is None else loader
        return replace(self, settings=replace(self.settings, consent=consent),
                       debug=replace(self.debug, consent=consent), loader=loader)


# Flask's current_app and request are proxies: every attribute read through one
# costs a context-variable look-up and several calls. The hooks run for every
# tag, so each app's environment gets hooks that know the app (no current_app),
# and the request proxy is unwrapped once per tag.
#
# The pipeline keeps its per-request findings (the consent decision, "personal
# data rendered") on the request object itself, not in flask.g: g belongs to the
# app context, which several requests share when one is held around them.
_R_RENDERING = "_personaclick_templates_rendering"


def _current_request() -> Request | None:
    try:
        return request._get_current_object()  # type: ignore[attr-defined, no-any-return]
    except RuntimeError:  # outside a request: an e-mail, a job, the shell
        return None


class _FlaskHooks(Hooks):
    """Inputs from one Flask app (its config as ``init_app`` read it) and the request."""

    naming = CONFIG
    # No request, so no response and no CSP: only a nonce the template was handed
    # as text is used (Talisman's csp_nonce() fails outside a request).
    nonce_needs_request = True

    def __init__(self, app: Flask, state: _State) -> None:
        # The app's own environment holds these hooks, so this is the app whose
        # templates are being rendered (Flask's own extensions keep such
        # references in app-owned objects too).
        self._config = app.config
        self._state = state

    def settings(self, context: ContextLike) -> Settings:
        state = self._state
        loader = state.extension._consent_loader
        if loader is not state.loader:  # a consent_loader registered after init_app wins
            state = self._state = state.with_loader(loader)
        # app.debug without its descriptor (this runs for every tag).
        return state.debug if self._config["DEBUG"] else state.settings

    def request(self, context: ContextLike) -> Request | None:
        return _current_request()

    def request_state(self, request: Request) -> MutableMapping[str, Any]:
        return request.__dict__

    def ask_consent(self, decide: Callable[..., Any], context: ContextLike, request: Any) -> Any:
        return None if request is None else decide()  # Flask's loaders take no arguments

    def user(self, context: ContextLike, request: Any) -> Any:
        loader = self._state.extension._profile_loader
        return None if loader is None or request is None else loader()

    def session(self, request: Any) -> MutableMapping[str, Any] | None:
        return None if request is None else session

    def secret_key(self) -> str | bytes | None:
        return self._config["SECRET_KEY"]  # type: ignore[no-any-return]


def _hooks() -> _FlaskHooks:
    """The current app's hooks (for the Python-side helpers)."""
    return hooks_for(current_app.jinja_env)  # type: ignore[return-value]


def _private_when_personal(response: Response) -> Response:
    # A shared cache must never hand one visitor's profile snippet to another.
    # A template still being rendered now is streamed (stream_template): its tags
    # run after the headers are sent, so it is private whatever it will contain.
    # So is any other streamed body (a stream_with_context generator rendering
    # templates later): the rule is adapter.headers.streamed_body's. Error pages
    # pass here too (Flask runs after_request for an errorhandler's response).
    current = _current_request()
    state = None if current is None else current.__dict__
    if (
        carries_personal_data(state)
        or (state is not None and state.get(_R_RENDERING, 0))
        or streamed_body(response.status_code, response.is_streamed,
                         response.headers.get("Content-Length"))
    ):
        make_private(response.headers)
    return response


def _template_started(sender: Flask, **extra: Any) -> None:
    # Flask's before_render_template: sent by render_template and stream_template.
    current = _current_request()
    if current is not None:
        setattr(current, _R_RENDERING, getattr(current, _R_RENDERING, 0) + 1)


def _template_finished(sender: Flask, **extra: Any) -> None:
    # Flask's template_rendered: sent when a render ends, for a stream only when
    # the last chunk has been produced (after the response's headers).
    current = _current_request()
    if current is not None:
        setattr(current, _R_RENDERING, getattr(current, _R_RENDERING, 0) - 1)


class PersonaClick:
    """The Flask extension. ``PersonaClick(app)`` or ``PersonaClick()`` + ``init_app(app)``.

    Keeps no reference to an app: per-app state is ``app.extensions["personaclick"]``,
    so one instance can serve several apps (application factories).
    """

    def __init__(self, app: Flask | None = None) -> None:
        self._profile_loader: Callable[[], Any] | None = None
        self._consent_loader: Callable[[], bool | None] | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read and check ``PERSONACLICK_*`` config; fail now, not at render time."""
        values = read_settings(app.config.get, CONFIG)
        messages = [message for _, message in settings_problems(values, CONFIG)]
        if values.get("send_once") is True and not app.secret_key:
            messages.append("PERSONACLICK_SEND_ONCE needs SECRET_KEY (it uses the session)")
        if messages:
            raise RuntimeError("PersonaClick is misconfigured: " + "; ".join(messages))
        settings = settings_from(values)
        state = _State(extension=self, settings=settings, debug=replace(settings, debug=True),
                       config_consent=settings.consent)
        app.extensions[EXTENSION_KEY] = state
        set_hooks(app.jinja_env, _FlaskHooks(app, state))
        app.after_request(_private_when_personal)
        # Signals connected for this app only (weak references to module functions).
        before_render_template.connect(_template_started, app)
        template_rendered.connect(_template_finished, app)

    def profile_loader(self, loader: _Loader) -> _Loader:
        """Register how to get the current visitor's profile.

        The loader takes no arguments and returns a user object (attributes
        ``id``, ``email``, ``first_name`` ...), a mapping, or ``None``. Anonymous
        users (``is_authenticated`` false, e.g. Flask-Login's) render nothing.

        >>> personaclick = PersonaClick()
        >>> @personaclick.profile_loader
        ... def load():
        ...     return None  # e.g. flask_login.current_user
        """
        self._profile_loader = loader
        return loader

    def consent_loader(self, loader: _ConsentLoader) -> _ConsentLoader:
        """Register the per-request consent decision (overrides ``PERSONACLICK_CONSENT``).

        ``False``: no personal data is rendered and ``init`` carries
        ``consent: false``; ``None``: no decision needed; ``True``: consent given.

        >>> personaclick = PersonaClick()
        >>> @personaclick.consent_loader
        ... def consent():
        ...     return request.cookies.get("tracking") == "yes"
        """
        self._consent_loader = loader
        return loader

    # Python-side helpers for views that build snippets themselves; they go through
    # the same pipeline as the template tags (consent, send-once, private caching).

    def init(self, **options: Any) -> Markup:
        """The SDK loader and ``init`` for the current app and request."""
        return render_init_for(_hooks(), {}, **options)

    def profile_set(self, profile: Any = DEFAULT, **options: Any) -> Markup:
        """``profile set`` for ``profile`` (default: the registered profile loader's)."""
        return render_profile_set_for(_hooks(), {}, profile, **options)

    def profile_get(self, **options: Any) -> Markup:
        """``profile get`` (``callback``, ``event``, ``fill``, ``spa``)."""
        return render_profile_get_for(_hooks(), {}, **options)

    def track(self, event: str, data: Any = None, **options: Any) -> Markup:
        """A checked ``track`` event (``strict``, ``nonce``, ``consent``); a ``purchase``
        renders once per order and session."""
        return render_track_for(_hooks(), {}, event, data, **options)

    def queued_events(self, **options: Any) -> Markup:
        """The events :func:`queue_event` kept for this page, each once."""
        return render_queued_events_for(_hooks(), {}, **options)


def queue_event(event: str, data: Any = None, *, strict: bool | None = None,
                consent: bool | None = None) -> bool:
    """Check a ``track`` event now and send it from the next page with
    ``{% personaclick_events %}`` (after a redirect), as ``flask.flash`` does for
    messages. Keeps the checked data in the session, never JavaScript; returns
    whether the event was queued (not without consent, not when nothing valid
    remains, not when the queue is full: each logged).

    >>> from flask import Flask
    >>> app = Flask(__name__)
    >>> app.config.update(PERSONACLICK_SHOP_ID="357382bf66ac0ce2f1722677c59511", SECRET_KEY="dev")
    >>> _ = PersonaClick(app)
    >>> with app.test_request_context():
    ...     queue_event("cart", {"id": "SKU-1", "amount": 2})
    True
    """
    current = _current_request()
    if current is None:
        raise RuntimeError("queue_event needs a request (it keeps the event in the session)")
    return queue_event_for(_hooks(), current, event, data, strict=strict, consent=consent)
