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
- ``personaclick_profile_get`` (``callback``, ``event``, ``fill``, ``fill_root``, ``spa``,
  ``nonce``, ``consent``)
- ``personaclick_track event, data`` (``strict``, ``nonce``, ``consent``): a checked
  ``track`` event (``view``, ``cart``, ``purchase`` ..., or a custom one); a
  ``purchase`` renders once per order and session where there is a session
- ``personaclick_events`` (``nonce``, ``consent``): the events a view queued in the
  session (framework adapters' ``queue_event``), each once
- ``personaclick_call command, args...`` (``nonce``, ``consent``)

Settings are environment attributes, set with ``env.extend(...)``: the settings
table's (:data:`pc_snippets.adapter.SETTINGS`) spelled ``personaclick_shop_id``,
``personaclick_strict`` ..., checked as every adapter checks them (when first
used and after each change; a bad one raises ``TypeError`` or ``ValueError`` when
a tag renders). ``personaclick_consent``'s callable takes the template context.
Plain Jinja's own: ``personaclick_guard`` (a :class:`~pc_snippets.Guard`, instead of
the two guard lists), ``personaclick_debug`` (``False``; ``True``: dropped fields
are also named in a ``console.warn``, path and rule code only) and
``personaclick_profile_loader`` (a callable taking the template context).
Framework adapters install their own hooks with :func:`set_hooks` (a
:class:`~pc_snippets.adapter.Hooks`).

The nonce is found without the template passing it: an explicit ``nonce=``
first, then the context's ``csp_nonce`` (value or callable), then
``request.csp_nonce``.

In a :class:`~jinja2.sandbox.SandboxedEnvironment` the template is untrusted: the
shop id and hosts come only from the environment's settings (no tag, global or
filter takes them from the template), and a callable the pipeline finds (a
``csp_nonce`` callable) is called through the sandbox's ``environment.call``,
so an ``@unsafe`` one raises :class:`~jinja2.sandbox.SecurityError` there.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.environment import Environment
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context, Undefined
from jinja2.utils import pass_context
from markupsafe import Markup

from .adapter import (
    DEFAULT,
    ENVIRONMENT,
    SANDBOX_CONTEXT,
    SETTINGS,
    ContextLike,
    Hooks,
    Settings,
    absent,
    read_settings,
    render_call_for,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
    render_queued_events_for,
    render_track_for,
    settings_error,
    settings_from,
    settings_problems,
)
from .core.guard import Guard

__all__ = ["EnvironmentHooks", "PersonaClickExtension", "hooks_for", "set_hooks"]

# Environment attributes read as settings: the table's, and two of plain Jinja's own
# (a ready Guard, and the debug flag that the framework adapters take from the app).
_GUARD, _DEBUG = "personaclick_guard", "personaclick_debug"
_WATCHED_NAMES = (*(ENVIRONMENT(setting.name) for setting in SETTINGS), _GUARD, _DEBUG)

# Keyword arguments each tag accepts (checked at compile time for a clear error).
_TAG_KEYWORDS: dict[str, frozenset[str]] = {
    "personaclick_init": frozenset({"stream", "spa", "device_id", "nonce", "consent"}),
    "personaclick_profile_set": frozenset({"custom", "strict", "nonce", "consent"}),
    "personaclick_profile_get": frozenset(
        {"callback", "event", "fill", "fill_root", "spa", "nonce", "consent"}
    ),
    "personaclick_track": frozenset({"strict", "nonce", "consent"}),
    "personaclick_events": frozenset({"nonce", "consent"}),
    "personaclick_call": frozenset({"nonce", "consent"}),
}
# How many positional arguments each tag takes (None: any number).
_TAG_POSITIONAL: dict[str, int | None] = {
    "personaclick_init": 0,
    "personaclick_profile_set": 1,
    "personaclick_profile_get": 0,
    "personaclick_track": 2,
    "personaclick_events": 0,
    "personaclick_call": None,
}


class EnvironmentHooks(Hooks):
    """Hooks for a plain Jinja environment: settings from ``personaclick_*`` attributes."""

    naming = ENVIRONMENT

    def __init__(self, environment: Environment) -> None:
        # The environment's attribute dict, read directly: getattr would cost an
        # exception per missing attribute on every tag.
        self._attributes = vars(environment)
        # (attribute count, reader of the watched attributes present, their values,
        # Settings): one tuple, swapped whole, so threads never see half an update.
        self._state: tuple[int, Callable[[dict[str, Any]], Any], Any, Settings] = (
            -1, _read_nothing, (), Settings()
        )

    def settings(self, context: ContextLike) -> Settings:
        # Attributes may change after the environment is built (env.extend, or
        # plain assignment). This runs for every tag, so instead of reading every
        # setting it checks that no attribute was added (the count) and that the
        # ones present are unchanged; only a change rebuilds. (Not seen:
        # deleting some other environment attribute *and* adding a setting
        # between two renders. Jinja never deletes environment attributes.)
        count, read, values, settings = self._state
        attributes = self._attributes
        try:
            if len(attributes) != count or read(attributes) != values:
                settings = self._rebuild()
        except KeyError:  # a setting was deleted
            settings = self._rebuild()
        return settings

    def _rebuild(self) -> Settings:
        # The table's checks and messages, as in every adapter; raised at render
        # time (an environment has no start-up), and the shop id only by init.
        attributes = self._attributes
        present = tuple(name for name in _WATCHED_NAMES if name in attributes)
        read = operator.itemgetter(*present) if present else _read_nothing
        values = read(attributes)
        raw = read_settings(attributes.get, ENVIRONMENT)
        problems = settings_problems(raw, ENVIRONMENT, require_shop_id=False)
        guard, debug = attributes.get(_GUARD), attributes.get(_DEBUG, False)
        if not isinstance(debug, bool):
            problems.append(("E004", f"{_DEBUG} must be True or False"))
        if guard is not None and not isinstance(guard, Guard):
            problems.append(("E005", f"{_GUARD} must be a pc_snippets.Guard or None"))
        elif guard is not None and (raw.get("guard_disabled") or raw.get("placeholder_domains")
                                    or raw.get("guard_opt_in")):
            problems.append(("E005", f"{_GUARD} replaces {ENVIRONMENT('guard_disabled')} and "
                                     f"{ENVIRONMENT('placeholder_domains')}: set one or the other"))
        if raw.get("send_once"):
            problems.append(("E008", f"{ENVIRONMENT('send_once')} needs a session, which a "
                                     "plain Jinja environment has not (use a framework adapter)"))
        if problems:
            raise settings_error(problems, "PersonaClick settings: ")
        settings = settings_from(raw, debug=debug, guard=guard)
        self._state = (len(attributes), read, values, settings)
        return settings

    def ask_consent(self, decide: Callable[..., Any], context: ContextLike, request: Any) -> Any:
        return decide(context)  # plain Jinja has no request: the callable takes the context

    def user(self, context: ContextLike, request: Any) -> Any:
        loader = self._attributes.get("personaclick_profile_loader")
        return loader(context) if callable(loader) else None


def _read_nothing(attributes: dict[str, Any]) -> tuple[()]:
    return ()


def hooks_for(environment: Environment) -> Hooks:
    """The hooks an environment renders with: an adapter's, else :class:`EnvironmentHooks`."""
    return environment.extensions[_EXTENSION_ID].hooks  # type: ignore[attr-defined, no-any-return]


def set_hooks(environment: Environment, hooks: Hooks) -> None:
    """Make ``environment``'s tags and globals find their inputs with ``hooks``.

    What framework adapters call; the extension is added if it is missing.
    """
    if _EXTENSION_ID not in environment.extensions:
        environment.add_extension(PersonaClickExtension)
    environment.extensions[_EXTENSION_ID].hooks = hooks  # type: ignore[attr-defined]


@pass_context
def personaclick_init(context: Context, **options: Any) -> Markup:
    """``{{ personaclick_init() }}``: SDK loader and ``init`` (see the module docs)."""
    return render_init_for(hooks_for(context.environment), context, **_clean(options))


@pass_context
def personaclick_profile_set(context: Context, profile: Any = DEFAULT, **options: Any) -> Markup:
    """``{{ personaclick_profile_set(user) }}``: ``profile set`` for ``user``."""
    if profile is not DEFAULT:
        profile = absent(profile)
    return render_profile_set_for(
        hooks_for(context.environment), context, profile, **_clean(options)
    )


@pass_context
def personaclick_profile_get(context: Context, **options: Any) -> Markup:
    """``{{ personaclick_profile_get(callback="shop.onProfile") }}``: ``profile get``."""
    return render_profile_get_for(hooks_for(context.environment), context, **_clean(options))


@pass_context
def personaclick_track(context: Context, event: str, data: Any = None, **options: Any) -> Markup:
    """``{{ personaclick_track("view", product) }}``: a checked ``track`` event."""
    return render_track_for(
        hooks_for(context.environment), context, event, absent(data), **_clean(options)
    )


@pass_context
def personaclick_events(context: Context, **options: Any) -> Markup:
    """``{{ personaclick_events() }}``: the events the session queued, once."""
    return render_queued_events_for(hooks_for(context.environment), context, **_clean(options))


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
            options[key] = absent(value)
    return options


_GLOBALS: dict[str, Callable[..., Markup]] = {
    "personaclick_init": personaclick_init,
    "personaclick_profile_set": personaclick_profile_set,
    "personaclick_profile_get": personaclick_profile_get,
    "personaclick_track": personaclick_track,
    "personaclick_events": personaclick_events,
    "personaclick_call": personaclick_call,
}


class PersonaClickExtension(Extension):
    """Adds the ``personaclick_*`` tags and globals to an environment.

    >>> from jinja2 import Environment
    >>> env = Environment(extensions=["pc_snippets.jinja.PersonaClickExtension"])
    >>> env.extend(personaclick_shop_id="357382bf66ac0ce2f1722677c59511")
    >>> html = env.from_string("{% personaclick_init %}").render()
    >>> 'personaclick("init","357382bf66ac0ce2f1722677c59511")' in html
    True
    """

    tags = set(_TAG_KEYWORDS)  # noqa: RUF012 (Jinja's own convention)

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        # Settings are read with defaults instead of pre-set here, so that a later
        # env.extend(personaclick_shop_id=...) (which never overwrites) takes effect.
        # Framework adapters replace the hooks with their own (set_hooks()).
        self.default_hooks: Hooks = EnvironmentHooks(environment)
        self.hooks: Hooks = self.default_hooks
        if environment.sandboxed:
            # A sandboxed template is untrusted, and it can call any filter by name
            # ({{ [x]|map("name", y) }}): the fast tag filters, which take the hooks
            # and the context as arguments, would let it choose both (and so the
            # shop id, the hosts, and callables to be called). They are not
            # registered here; see _SANDBOXED_TAG_FILTERS.
            environment.globals.update(_SANDBOXED_GLOBALS)
            environment.filters.update(_SANDBOXED_TAG_FILTERS)
        else:
            environment.globals.update(_GLOBALS)
            environment.filters.update(_TAG_FILTERS)

    def bind(self, environment: Environment) -> PersonaClickExtension:
        # An overlay (env.overlay()) copies the parent's attributes and gets a bound
        # copy of the extension: its default hooks must read the overlay's own
        # personaclick_* attributes, not the parent's. An adapter's hooks stay.
        bound = super().bind(environment)
        bound.default_hooks = EnvironmentHooks(environment)
        if self.hooks is self.default_hooks:
            bound.hooks = bound.default_hooks
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
        if tag == "personaclick_track" and not args:
            raise TemplateSyntaxError(
                "personaclick_track needs an event: {% personaclick_track 'view', product %}",
                token.lineno, parser.name, parser.filename,
            )
        # Compiled as a call of the shared pipeline function itself, dressed as a
        # filter: Jinja looks a filter up once per template and calls it directly
        # (a call through Context.call costs ~2 us more per tag, and a tag runs on
        # every page render: benchmarks/bench_templates.py). The filtered value is
        # the hooks (an attribute of this extension), the first argument the
        # render's context: render_init_for(hooks, context, ...). Keyword values
        # known only at render time may be undefined, meaning "not given": those
        # tags go through a wrapper that drops them first.
        lineno = token.lineno
        if self.environment.sandboxed:
            # The filter finds the hooks and the context itself (see
            # _SANDBOXED_TAG_FILTERS); the filtered value is a placeholder.
            call = nodes.Filter(
                nodes.Const(None, lineno=lineno), _SANDBOXED_TAG_NAMES[tag], args, kwargs,
                None, None, lineno=lineno,
            )
            return nodes.Output([call], lineno=lineno)
        hooks = nodes.ExtensionAttribute(self.identifier, "hooks", lineno=lineno)
        if all(isinstance(keyword.value, nodes.Const) for keyword in kwargs):
            name = _PIPELINE_FILTERS[tag]
        else:
            name = _CLEANING_FILTERS[tag]
        call = nodes.Filter(
            hooks, name, [nodes.ContextReference(lineno=lineno), *args], kwargs, None, None,
            lineno=lineno,
        )
        return nodes.Output([call], lineno=token.lineno)


def _cleaning(render_for: Callable[..., Markup]) -> Callable[..., Markup]:
    """``render_for`` with undefined keyword values dropped (they mean "not given")."""

    def render_cleaned(hooks: Hooks, context: Context, *args: Any, **options: Any) -> Markup:
        return render_for(hooks, context, *args, **_clean(options))

    return render_cleaned


_EXTENSION_ID = PersonaClickExtension.identifier

# Filter names are private. A template that names one directly chooses the hooks
# and context it is called with; only a trusted (non-sandboxed) template can, and
# such a template can run any code anyway. Sandboxed environments never get these.
_PIPELINE: dict[str, Callable[..., Markup]] = {
    "personaclick_init": render_init_for,
    "personaclick_profile_set": render_profile_set_for,
    "personaclick_profile_get": render_profile_get_for,
    "personaclick_track": render_track_for,
    "personaclick_events": render_queued_events_for,
    "personaclick_call": render_call_for,
}
_PIPELINE_FILTERS = {tag: f"_{tag}_tag" for tag in _PIPELINE}
_CLEANING_FILTERS = {tag: f"_{tag}_tag_cleaned" for tag in _PIPELINE}
_TAG_FILTERS: dict[str, Callable[..., Markup]] = {
    **{_PIPELINE_FILTERS[tag]: render_for for tag, render_for in _PIPELINE.items()},
    **{_CLEANING_FILTERS[tag]: _cleaning(render_for) for tag, render_for in _PIPELINE.items()},
}


def _in_sandbox(function: Callable[..., Markup]) -> Callable[..., Markup]:
    """A global for a sandboxed environment: ``function`` with :data:`SANDBOX_CONTEXT` set.

    While it is set, a callable the pipeline finds (a nonce) is called through the
    sandbox's ``environment.call`` (see :func:`~pc_snippets.adapter.context.call_value`).
    """

    @pass_context
    def sandboxed(context: Context, *args: Any, **options: Any) -> Markup:
        token = SANDBOX_CONTEXT.set(context)
        try:
            return function(context, *args, **options)
        finally:
            SANDBOX_CONTEXT.reset(token)

    return sandboxed


def _sandboxed_tag(function: Callable[..., Markup]) -> Callable[..., Markup]:
    """A tag filter for a sandboxed environment: ``function`` (a global), value ignored.

    The filter takes the render's context from Jinja (``pass_context``, which
    ``map("...")`` honours too), and the global finds the hooks from that context's
    environment: nothing a template passes can stand in for either. The filtered
    value is ``None`` from a tag and ignored from anywhere else, so reaching this
    filter by name does exactly what the tag does.
    """

    run = _in_sandbox(function)

    @pass_context
    def tag(context: Context, value: Any, *args: Any, **options: Any) -> Markup:
        return run(context, *args, **options)

    return tag


_SANDBOXED_GLOBALS: dict[str, Callable[..., Markup]] = {
    name: _in_sandbox(function) for name, function in _GLOBALS.items()
}
# Names a template cannot type (a space): a tag is the way to use them.
_SANDBOXED_TAG_NAMES = {tag: f"{tag} (sandboxed tag)" for tag in _GLOBALS}
_SANDBOXED_TAG_FILTERS: dict[str, Callable[..., Markup]] = {
    _SANDBOXED_TAG_NAMES[tag]: _sandboxed_tag(function) for tag, function in _GLOBALS.items()
}
