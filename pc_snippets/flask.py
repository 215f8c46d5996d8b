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

Configuration (read once, by :meth:`PersonaClick.init_app`):

``PERSONACLICK_SHOP_ID`` (required while enabled), ``PERSONACLICK_STREAM``,
``PERSONACLICK_ENABLED`` (``True``), ``PERSONACLICK_STRICT`` (``False``: a bad field
is dropped and logged, never a broken page), ``PERSONACLICK_SEND_ONCE`` (``False``),
``PERSONACLICK_COOKIELESS``, ``PERSONACLICK_SPA`` (``False``),
``PERSONACLICK_API_HOST``, ``PERSONACLICK_CDN_HOST``,
``PERSONACLICK_GUARD_DISABLED`` and ``PERSONACLICK_PLACEHOLDER_DOMAINS`` (lists),
``PERSONACLICK_CONSENT`` (a callable returning ``True``/``False``/``None``; anything
else raises ``TypeError``).

While ``app.debug`` is on, each dropped field is also named (path and rule code,
never the value) in a ``console.warn`` on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import (
    Flask,
    Request,
    Response,
    before_render_template,
    current_app,
    has_request_context,
    request,
    session,
    template_rendered,
)
from markupsafe import Markup

from ._integration import (
    DEFAULT,
    SETTING_NAMES,
    ContextLike,
    Hooks,
    SendOnce,
    Settings,
    consent_decision,
    context_value,
    defined,
    make_private,
    nonce_text,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
    settings_from,
    settings_problems,
    streamed_body,
)
from .jinja import hooks_for, set_hooks

__all__ = ["EXTENSION_KEY", "PersonaClick"]

#: Key of this extension's state in ``app.extensions``.
EXTENSION_KEY = "personaclick"

_Loader = TypeVar("_Loader", bound=Callable[[], Any])
_ConsentLoader = TypeVar("_ConsentLoader", bound=Callable[[], "bool | None"])

_UNSET = object()


@dataclass(frozen=True)
class _State:
    """What ``init_app`` stored for one app (``app.extensions["personaclick"]``)."""

    extension: PersonaClick
    settings: Settings
    # The same with debug on, used while app.debug is (it may be switched on after
    # init_app: app.run(debug=True)).
    debug: Settings
    consent: Callable[[], bool | None] | None


# Flask's current_app and request are proxies: every attribute read through one
# costs a context-variable look-up and several calls. The hooks run for every
# tag, so each app's environment gets hooks that know the app (no current_app),
# and the request proxy is unwrapped once, only when it is needed.
#
# Per-request findings (the consent decision, "personal data rendered") are kept
# on the request object itself, not in flask.g: g belongs to the app context,
# which several requests share when one is held around them.
_R_CONSENT = "_personaclick_consent"
_R_PRIVATE = "_personaclick_personal_data"
_R_RENDERING = "_personaclick_templates_rendering"


def _current_request() -> Request | None:
    try:
        return request._get_current_object()  # type: ignore[attr-defined, no-any-return]
    except RuntimeError:  # outside a request: an e-mail, a job, the shell
        return None


class _FlaskHooks(Hooks):
    """Inputs from one Flask app (its config as ``init_app`` read it) and the request."""

    def __init__(self, app: Flask, state: _State) -> None:
        # The app's own environment holds these hooks, so this is the app whose
        # templates are being rendered (Flask's own extensions keep such
        # references in app-owned objects too).
        self._config = app.config
        self._state = state

    def settings(self, context: ContextLike) -> Settings:
        state = self._state
        # app.debug without its descriptor (this runs for every tag).
        return state.debug if self._config["DEBUG"] else state.settings

    def inputs(self, context: ContextLike) -> tuple[Settings, bool | None, str | None]:
        # settings(), consent() and nonce() in one go, the request proxy unwrapped
        # at most once (this runs for every tag).
        state = self._state
        settings = self.settings(context)
        if not settings.enabled:  # a disabled integration asks nothing more
            return settings, None, None
        decide = state.extension._consent_loader or state.consent
        value = context_value(context, "csp_nonce")
        if type(value) is str and value and decide is None:
            return settings, None, value  # the template's own nonce: no request needed
        current = _current_request()
        if current is None:
            # No request, so no response and no CSP: only a nonce the template was
            # handed as text is used (Talisman's csp_nonce() fails outside a request).
            return settings, None, value if type(value) is str and value else None
        consent = None if decide is None else _consent(decide, current)
        # The template's csp_nonce (a value, or Talisman's csp_nonce() global) first,
        # as everywhere; then the request's (Flask-Talisman sets request.csp_nonce).
        if type(value) is str and value:
            return settings, consent, value
        nonce = None if value is None else nonce_text(defined(value))
        if nonce is None:
            nonce = nonce_text(getattr(current, "csp_nonce", None))
        return settings, consent, nonce

    def nonce(self, context: ContextLike) -> str | None:
        return self.inputs(context)[2]

    def consent(self, context: ContextLike) -> bool | None:
        return self.inputs(context)[1]

    def profile(self, context: ContextLike) -> Any:
        loader = self._state.extension._profile_loader
        return None if loader is None or not has_request_context() else loader()

    def send_once(self, context: ContextLike) -> SendOnce | None:
        if not has_request_context():
            return None
        return SendOnce(session, self._config["SECRET_KEY"])

    def personal_data_rendered(self, context: ContextLike) -> None:
        try:
            current = request._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:
            return  # no request, no response to mark
        setattr(current, _R_PRIVATE, True)


def _consent(decide: Callable[[], bool | None], current: Request) -> bool | None:
    # Asked once per request, however many tags and templates.
    decision: Any = getattr(current, _R_CONSENT, _UNSET)
    if decision is _UNSET:
        decision = consent_decision(decide(), "the PersonaClick consent callable")
        setattr(current, _R_CONSENT, decision)
    return decision  # type: ignore[no-any-return]


def _hooks() -> _FlaskHooks:
    """The current app's hooks (for the Python-side helpers)."""
    return hooks_for(current_app.jinja_env)  # type: ignore[return-value]


def _private_when_personal(response: Response) -> Response:
    # A shared cache must never hand one visitor's profile snippet to another.
    # A template still being rendered now is streamed (stream_template): its tags
    # run after the headers are sent, so it is private whatever it will contain.
    # So is any other streamed body (a stream_with_context generator rendering
    # templates later): the rule is _integration.streamed_body's. Error pages pass
    # here too (Flask runs after_request for an errorhandler's response).
    current = _current_request()
    if (
        getattr(current, _R_PRIVATE, False)
        or getattr(current, _R_RENDERING, 0)
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
        config = app.config
        values: dict[str, Any] = {
            attribute: config[f"PERSONACLICK_{suffix}"]
            for suffix, attribute in SETTING_NAMES.items()
            if f"PERSONACLICK_{suffix}" in config
        }
        values["guard_disabled"] = config.get("PERSONACLICK_GUARD_DISABLED")
        values["placeholder_domains"] = config.get("PERSONACLICK_PLACEHOLDER_DOMAINS")
        messages = [message for _, message in settings_problems(values)]
        consent = config.get("PERSONACLICK_CONSENT")
        if consent is not None and not callable(consent):
            messages.append("PERSONACLICK_CONSENT must be a callable returning True/False/None")
        if values.get("send_once") is True and not app.secret_key:
            messages.append("PERSONACLICK_SEND_ONCE needs SECRET_KEY (it uses the session)")
        if messages:
            raise RuntimeError("PersonaClick is misconfigured: " + "; ".join(messages))
        state = _State(
            extension=self,
            settings=settings_from(values),
            debug=settings_from({**values, "debug": True}),
            consent=consent,
        )
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
