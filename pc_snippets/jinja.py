"""Jinja2 extension: ``{% personaclick_init %}``, ``{% personaclick_profile_set user %}`` ...

>>> from jinja2 import Environment
>>> env = Environment(extensions=[PersonaClickExtension], autoescape=True)
>>> env.extend(personaclick_shop_id="357382bf66ac0ce2f1722677c59511")
>>> page = env.from_string(
...     "{% personaclick_init %}{% personaclick_profile_set user %}"
...     '{{ personaclick_profile_get(callback="shop.onProfile") }}'
... )
>>> html = page.render(user={"email": "jane@mail.com"}, csp_nonce="r4nd0m")
>>> html.count('<script nonce="r4nd0m">')
3

Tags and globals take the same arguments:

- ``personaclick_init`` (``stream``, ``spa``, ``device_id``, ``nonce``, ``consent``)
- ``personaclick_profile_set [profile]`` (``custom``, ``strict``, ``nonce``, ``consent``);
  without a profile, the environment's profile loader (adapters: the current user)
- ``personaclick_profile_get`` (``callback``, ``event``, ``fill``, ``spa``, ``nonce``, ``consent``)
- ``personaclick_call command, args...`` (``nonce``, ``consent``)

Settings are environment attributes, set with ``env.extend(...)``:
``personaclick_shop_id``, ``personaclick_stream``, ``personaclick_enabled``,
``personaclick_strict``, ``personaclick_cookieless``, ``personaclick_spa``,
``personaclick_api_host``, ``personaclick_cdn_host``, ``personaclick_guard``,
``personaclick_consent`` (bool, or a callable taking the template context) and
``personaclick_profile_loader`` (a callable taking the template context).
Framework adapters set ``personaclick_hooks`` instead (a
:class:`~pc_snippets._integration.Hooks`).

The nonce is found without the template passing it: an explicit ``nonce=``
first, then the context's ``csp_nonce`` (value or callable), then
``request.csp_nonce``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.environment import Environment
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context, Undefined
from jinja2.utils import pass_context
from markupsafe import Markup

from ._integration import (
    DEFAULT,
    Hooks,
    Settings,
    context_nonce,
    render_call_for,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
)

__all__ = ["EnvironmentHooks", "PersonaClickExtension", "hooks_for"]

# Environment attributes read as settings, with their defaults (documentation;
# a missing attribute reads as None, which means the same).
_SETTING_ATTRIBUTES: dict[str, Any] = {
    "personaclick_shop_id": None,
    "personaclick_stream": None,
    "personaclick_enabled": True,
    "personaclick_strict": False,
    "personaclick_cookieless": None,
    "personaclick_spa": False,
    "personaclick_api_host": None,
    "personaclick_cdn_host": None,
    "personaclick_guard": None,
}
_SETTING_NAMES = tuple(_SETTING_ATTRIBUTES)

# Keyword arguments each tag accepts (checked at compile time for a clear error).
_TAG_KEYWORDS: dict[str, frozenset[str]] = {
    "personaclick_init": frozenset({"stream", "spa", "device_id", "nonce", "consent"}),
    "personaclick_profile_set": frozenset({"custom", "strict", "nonce", "consent"}),
    "personaclick_profile_get": frozenset(
        {"callback", "event", "fill", "spa", "nonce", "consent"}
    ),
    "personaclick_call": frozenset({"nonce", "consent"}),
}
# How many positional arguments each tag takes (None: any number).
_TAG_POSITIONAL: dict[str, int | None] = {
    "personaclick_init": 0,
    "personaclick_profile_set": 1,
    "personaclick_profile_get": 0,
    "personaclick_call": None,
}


class EnvironmentHooks(Hooks):
    """Hooks for a plain Jinja environment: settings from ``personaclick_*`` attributes."""

    def __init__(self, environment: Environment) -> None:
        self._environment = environment
        # The environment's attribute dict, read with .get: getattr would cost an
        # exception per missing attribute, and vars() a call, on every tag.
        self._get = vars(environment).get
        self._key: tuple[Any, ...] = ()
        self._settings = Settings()

    def settings(self, context: Any) -> Settings:
        # Attributes may change after the environment is built; rebuild only then.
        # (map over dict.get keeps this check cheap: it runs for every tag.)
        key = tuple(map(self._get, _SETTING_NAMES))
        if key != self._key:
            shop_id, stream, enabled, strict, cookieless, spa, api_host, cdn_host, guard = key
            self._settings = Settings(
                shop_id=shop_id, stream=stream, enabled=enabled is not False,
                strict=bool(strict), cookieless=cookieless, spa=bool(spa), api_host=api_host,
                cdn_host=cdn_host, guard=guard,
            )
            self._key = key
        return self._settings

    def nonce(self, context: Any) -> str | None:
        # Jinja resolves a name from the render's own variables, then its parent
        # (render arguments and globals). Reading those dicts directly is the
        # same lookup without Context.get's three calls; anything but a plain
        # non-empty string takes the general path.
        if type(context) is Context:
            own = context.vars
            value = own["csp_nonce"] if "csp_nonce" in own else context.parent.get("csp_nonce")
            if value.__class__ is str and value:
                return value
        return context_nonce(context)

    def consent(self, context: Any) -> bool | None:
        decide = self._get("personaclick_consent")
        if decide is None:
            return None
        if callable(decide):
            return _optional_bool(decide(context))
        return bool(decide)

    def profile(self, context: Any) -> Any:
        loader = self._get("personaclick_profile_loader")
        return loader(context) if callable(loader) else None


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def hooks_for(environment: Environment) -> Hooks:
    """The hooks an environment renders with: an adapter's, else :class:`EnvironmentHooks`."""
    hooks = vars(environment).get("personaclick_hooks")
    if isinstance(hooks, Hooks):
        return hooks
    extension = environment.extensions[PersonaClickExtension.identifier]
    return extension.default_hooks  # type: ignore[attr-defined, no-any-return]


def _absent(value: Any) -> Any:
    # A missing template variable is "no visitor"; StrictUndefined still raises.
    if isinstance(value, StrictUndefined):
        value._fail_with_undefined_error()
    return None if isinstance(value, Undefined) else value


@pass_context
def personaclick_init(context: Context, **options: Any) -> Markup:
    """``{{ personaclick_init() }}``: SDK loader and ``init`` (see the module docs)."""
    return render_init_for(hooks_for(context.environment), context, **_clean(options))


@pass_context
def personaclick_profile_set(context: Context, profile: Any = DEFAULT, **options: Any) -> Markup:
    """``{{ personaclick_profile_set(user) }}``: ``profile set`` for ``user``."""
    if profile is not DEFAULT:
        profile = _absent(profile)
    return render_profile_set_for(
        hooks_for(context.environment), context, profile, **_clean(options)
    )


@pass_context
def personaclick_profile_get(context: Context, **options: Any) -> Markup:
    """``{{ personaclick_profile_get(callback="shop.onProfile") }}``: ``profile get``."""
    return render_profile_get_for(hooks_for(context.environment), context, **_clean(options))


@pass_context
def personaclick_call(context: Context, command: str, *args: Any, **options: Any) -> Markup:
    """``{{ personaclick_call("track", "view", {"id": 42}) }}``: any other SDK command."""
    return render_call_for(
        hooks_for(context.environment), context, command, *args, **_clean(options)
    )


def _clean(options: dict[str, Any]) -> dict[str, Any]:
    # An undefined keyword argument (nonce=missing_var) means "not given".
    for key, value in options.items():
        if isinstance(value, Undefined):
            options[key] = _absent(value)
    return options


# The filter the tags compile to (a private name; using it directly is harmless).
_TAG_FILTER = "_personaclick_tag"

_GLOBALS: dict[str, Callable[..., Markup]] = {
    "personaclick_init": personaclick_init,
    "personaclick_profile_set": personaclick_profile_set,
    "personaclick_profile_get": personaclick_profile_get,
    "personaclick_call": personaclick_call,
}


class PersonaClickExtension(Extension):
    """Adds the ``personaclick_*`` tags and globals to an environment.

    >>> from jinja2 import Environment
    >>> env = Environment(extensions=["pc_snippets.jinja.PersonaClickExtension"])
    >>> env.extend(personaclick_shop_id="shop1")
    >>> html = env.from_string("{% personaclick_init %}").render()
    >>> 'personaclick("init","shop1")' in html
    True
    """

    tags = set(_TAG_KEYWORDS)  # noqa: RUF012 (Jinja's own convention)

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        # Settings are read with defaults instead of pre-set here, so that a later
        # env.extend(personaclick_shop_id=...) (which never overwrites) takes effect.
        self.default_hooks = EnvironmentHooks(environment)
        environment.globals.update(_GLOBALS)
        environment.filters[_TAG_FILTER] = _render_tag

    def parse(self, parser: Parser) -> nodes.Node:
        token = next(parser.stream)
        tag = token.value
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        while parser.stream.current.type != "block_end":
            if args or kwargs:
                parser.stream.skip_if("comma")
            if parser.stream.current.type == "name" and parser.stream.look().type == "assign":
                key = next(parser.stream).value
                next(parser.stream)  # the "="
                if key not in _TAG_KEYWORDS[tag]:
                    allowed = ", ".join(sorted(_TAG_KEYWORDS[tag]))
                    raise TemplateSyntaxError(
                        f"{tag} takes no argument {key!r} (allowed: {allowed})",
                        token.lineno, parser.name, parser.filename,
                    )
                kwargs.append(nodes.Keyword(key, parser.parse_expression(), lineno=token.lineno))
                continue
            if kwargs:
                raise TemplateSyntaxError(
                    f"{tag}: positional argument after keyword arguments",
                    token.lineno, parser.name, parser.filename,
                )
            args.append(parser.parse_expression())
        limit = _TAG_POSITIONAL[tag]
        if limit is not None and len(args) > limit:
            raise TemplateSyntaxError(
                f"{tag} takes at most {limit} positional argument(s)",
                token.lineno, parser.name, parser.filename,
            )
        if tag == "personaclick_call" and not args:
            raise TemplateSyntaxError(
                "personaclick_call needs a command: {% personaclick_call 'track', 'view' %}",
                token.lineno, parser.name, parser.filename,
            )
        # Compiled as a filter, not call_method(): Jinja calls filters directly,
        # while a call goes through Context.call's checks (~2 us per tag; a tag
        # runs on every page render, see benchmarks/bench_templates.py).
        call = nodes.Filter(
            nodes.Const(tag), _TAG_FILTER, args, kwargs, None, None, lineno=token.lineno
        )
        return nodes.Output([call], lineno=token.lineno)


@pass_context
def _render_tag(context: Context, tag: str, *args: Any, **kwargs: Any) -> Markup:
    """The tags' entry point: the globals' pipeline minus their wrapper layer."""
    # hooks_for() inlined: this runs for every tag on every page render.
    environment = context.environment
    hooks = environment.__dict__.get("personaclick_hooks")
    if not isinstance(hooks, Hooks):
        hooks = environment.extensions[_EXTENSION_ID].default_hooks  # type: ignore[attr-defined]
    if kwargs:
        _clean(kwargs)
    if args and tag == "personaclick_profile_set":
        return render_profile_set_for(hooks, context, _absent(args[0]), **kwargs)
    return _RENDERERS[tag](hooks, context, *args, **kwargs)


_EXTENSION_ID = PersonaClickExtension.identifier

_RENDERERS: dict[str, Callable[..., Markup]] = {
    "personaclick_init": render_init_for,
    "personaclick_profile_set": render_profile_set_for,
    "personaclick_profile_get": render_profile_get_for,
    "personaclick_call": render_call_for,
}
