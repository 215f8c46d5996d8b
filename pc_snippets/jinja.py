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

import operator
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
_CONSENT_NAME = "personaclick_consent"
_WATCHED_NAMES = (*_SETTING_NAMES, _CONSENT_NAME)

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
        # The environment's attribute dict, read directly: getattr would cost an
        # exception per missing attribute on every tag.
        self._attributes = vars(environment)
        # (attribute count, reader of the watched attributes present, their values,
        # Settings, consent attribute): one tuple, swapped whole, so threads never
        # see half an update.
        self._state: tuple[int, Callable[[dict[str, Any]], Any], Any, Settings, Any] = (
            -1, _read_nothing, (), Settings(), None
        )

    def settings(self, context: Any) -> Settings:
        return self.inputs(context)[0]

    def inputs(self, context: Any) -> tuple[Settings, bool | None, str | None]:
        # Attributes may change after the environment is built (env.extend, or
        # plain assignment). This runs for every tag, so instead of reading every
        # setting it checks that no attribute was added (the count) and that the
        # ones present are unchanged; only a change rebuilds. (Not seen:
        # deleting some other environment attribute *and* adding a setting
        # between two renders. Jinja never deletes environment attributes.)
        count, read, values, settings, decide = self._state
        attributes = self._attributes
        try:
            if len(attributes) != count or read(attributes) != values:
                settings, decide = self._rebuild()
        except KeyError:  # a setting was deleted
            settings, decide = self._rebuild()
        if decide is None:
            consent = None
        elif callable(decide):
            consent = _optional_bool(decide(context))
        else:
            consent = bool(decide)
        if context.__class__ is Context:
            # context_nonce()'s first step, inlined for the common case: a plain
            # csp_nonce string among the render's variables (own, then parent).
            own = context.vars
            nonce = own["csp_nonce"] if "csp_nonce" in own else context.parent.get("csp_nonce")
            if nonce.__class__ is str and nonce:
                return settings, consent, nonce
        return settings, consent, context_nonce(context)

    def _rebuild(self) -> tuple[Settings, Any]:
        attributes = self._attributes
        present = tuple(name for name in _WATCHED_NAMES if name in attributes)
        read = operator.itemgetter(*present) if present else _read_nothing
        values = read(attributes)
        shop_id, stream, enabled, strict, cookieless, spa, api_host, cdn_host, guard = map(
            attributes.get, _SETTING_NAMES
        )
        settings = Settings(
            shop_id=shop_id, stream=stream, enabled=enabled is not False,
            strict=bool(strict), cookieless=cookieless, spa=bool(spa), api_host=api_host,
            cdn_host=cdn_host, guard=guard,
        )
        decide = attributes.get(_CONSENT_NAME)
        self._state = (len(attributes), read, values, settings, decide)
        return settings, decide

    def consent(self, context: Any) -> bool | None:
        return self.inputs(context)[1]

    def profile(self, context: Any) -> Any:
        loader = self._attributes.get("personaclick_profile_loader")
        return loader(context) if callable(loader) else None


def _read_nothing(attributes: dict[str, Any]) -> tuple[()]:
    return ()


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def hooks_for(environment: Environment) -> Hooks:
    """The hooks an environment renders with: an adapter's, else :class:`EnvironmentHooks`."""
    hooks = vars(environment).get("personaclick_hooks")
    if isinstance(hooks, Hooks):
        return hooks
    extension = environment.extensions[_EXTENSION_ID]
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
        # The hooks live on the environment (one attribute read per tag); framework
        # adapters replace them with their own (env.personaclick_hooks = ...).
        self.default_hooks = EnvironmentHooks(environment)
        environment.personaclick_hooks = self.default_hooks  # type: ignore[attr-defined]
        environment.globals.update(_GLOBALS)
        environment.filters.update(_TAG_FILTERS)

    def bind(self, environment: Environment) -> PersonaClickExtension:
        # An overlay (env.overlay()) copies the parent's attributes and gets a bound
        # copy of the extension: its default hooks must read the overlay's own
        # personaclick_* attributes, not the parent's. An adapter's hooks stay.
        bound = super().bind(environment)
        bound.default_hooks = EnvironmentHooks(environment)
        if vars(environment).get("personaclick_hooks") is self.default_hooks:
            environment.personaclick_hooks = bound.default_hooks  # type: ignore[attr-defined]
        return bound

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
                if any(keyword.key == key for keyword in kwargs):
                    raise TemplateSyntaxError(
                        f"{tag}: argument {key!r} given twice",
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
        # Compiled as a filter, not call_method(): Jinja looks a filter up once per
        # template and calls it directly, while a call goes through Context.call's
        # checks (~2 us per tag; a tag runs on every page render, see
        # benchmarks/bench_templates.py). One filter per tag, so no dispatch on the
        # name, and every argument positional, so no keyword packing: the filtered
        # value is the first positional argument (or an ignored None), then the
        # keyword arguments as one dict (None without any), then the rest.
        lineno = token.lineno
        name = _TAG_FILTER_NAMES[tag]
        if args:
            subject, args = args[0], args[1:]
        else:
            subject = nodes.Const(None, lineno=lineno)
            if tag == "personaclick_profile_set":
                name = _CURRENT_VISITOR_FILTER
        options: nodes.Expr = nodes.Const(None, lineno=lineno)
        if kwargs:
            options = nodes.Dict(
                [nodes.Pair(nodes.Const(kw.key), kw.value, lineno=lineno) for kw in kwargs],
                lineno=lineno,
            )
        call = nodes.Filter(subject, name, [options, *args], [], None, None, lineno=lineno)
        return nodes.Output([call], lineno=token.lineno)


# The tags' entry points: the globals' pipeline minus their wrapper layer. Each
# takes the tag's first positional argument as the filtered value (an ignored
# None when there is none), so a tag without arguments packs none.

@pass_context
def _init_tag(context: Context, _: None, options: dict[str, Any] | None) -> Markup:
    hooks = context.environment.personaclick_hooks  # type: ignore[attr-defined]
    if options is None:
        return render_init_for(hooks, context)
    return render_init_for(hooks, context, **_clean(options))


@pass_context
def _profile_set_tag(context: Context, profile: Any, options: dict[str, Any] | None) -> Markup:
    hooks = context.environment.personaclick_hooks  # type: ignore[attr-defined]
    if isinstance(profile, Undefined):
        profile = _absent(profile)
    if options is None:
        return render_profile_set_for(hooks, context, profile)
    return render_profile_set_for(hooks, context, profile, **_clean(options))


@pass_context
def _current_visitor_tag(context: Context, _: None, options: dict[str, Any] | None) -> Markup:
    # {% personaclick_profile_set %} without a profile: the hooks' current visitor.
    hooks = context.environment.personaclick_hooks  # type: ignore[attr-defined]
    return render_profile_set_for(hooks, context, DEFAULT, **_clean(options or {}))


@pass_context
def _profile_get_tag(context: Context, _: None, options: dict[str, Any] | None) -> Markup:
    hooks = context.environment.personaclick_hooks  # type: ignore[attr-defined]
    if options is None:
        return render_profile_get_for(hooks, context)
    return render_profile_get_for(hooks, context, **_clean(options))


@pass_context
def _call_tag(
    context: Context, command: Any, options: dict[str, Any] | None, *args: Any
) -> Markup:
    hooks = context.environment.personaclick_hooks  # type: ignore[attr-defined]
    return render_call_for(hooks, context, command, *args, **_clean(options or {}))


_EXTENSION_ID = PersonaClickExtension.identifier

# Filter names are private (using them directly is harmless: they are the tags).
_TAG_FILTER_NAMES = {tag: f"_{tag}_tag" for tag in _TAG_KEYWORDS}
_CURRENT_VISITOR_FILTER = "_personaclick_profile_set_current_tag"
_TAG_FILTERS: dict[str, Callable[..., Markup]] = {
    _CURRENT_VISITOR_FILTER: _current_visitor_tag,
    _TAG_FILTER_NAMES["personaclick_init"]: _init_tag,
    _TAG_FILTER_NAMES["personaclick_profile_set"]: _profile_set_tag,
    _TAG_FILTER_NAMES["personaclick_profile_get"]: _profile_get_tag,
    _TAG_FILTER_NAMES["personaclick_call"]: _call_tag,
}
