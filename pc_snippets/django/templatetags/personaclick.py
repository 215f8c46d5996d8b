"""``{% load personaclick %}``: the PersonaClick template tags for Django templates.

.. code-block:: django

    {% personaclick_init %}
    {% personaclick_profile_set %}                 {# request.user #}
    {% personaclick_profile_set order.customer %}  {# another user or a dict #}
    {% personaclick_profile_get callback="shop.onProfile" fill=True %}
    {% personaclick_track "view" product %}       {# checked; a purchase once per order #}
    {% personaclick_events %}                     {# what a view queued: queue_event() #}

Each tag is Django's ``simple_tag`` over the shared pipeline function of the same
name (:mod:`pc_snippets.adapter`), with that function's arguments after its
``hooks``: ``nonce``, ``consent``, ``strict``, ``custom``, ``stream``, ``spa``,
``device_id``, ``callback``, ``event``, ``fill``, ``fill_root``. Write Django's
literals ``True``, ``False``, ``None``: an argument written as ``true``, ``false``,
``null``, ``none``, ``yes`` or ``no`` (any case) is a ``TemplateSyntaxError``,
because Django would read it as a missing variable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django import template  # type: ignore[import-untyped]
from django.template.base import Variable  # type: ignore[import-untyped]
from django.template.library import SimpleNode  # type: ignore[import-untyped]
from django.utils.html import conditional_escape  # type: ignore[import-untyped]
from markupsafe import Markup

from ...adapter import (
    render_call_for,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
    render_queued_events_for,
    render_track_for,
)
from ..hooks import HOOKS

register = template.Library()

# Bare names that are other languages' literals. Django reads them as variables,
# which are missing (None) on almost every page: fill=true would silently mean
# "no fill". Real variables keep Django's convention (missing means None).
_LITERAL_LOOK_ALIKES = frozenset({"true", "false", "null", "none", "yes", "no"})


class _Node(SimpleNode):  # type: ignore[misc]
    """``simple_tag``'s node, rendering with one call of the pipeline function.

    Measured (``benchmarks/bench_templates.py``, Django, three tags):
    ``simple_tag``'s own render (resolving every argument into a new list and dict
    on every render, then a wrapper's call) cost about 3.2 us more per tag than this
    one, which put the tag page at 1.16-1.17x the ``{{ snippet }}`` page, over the
    1.15x target. Parsing stays ``simple_tag``'s.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # Literal keyword values (callback="shop.onProfile") are resolved now, once:
        # Django has made them values already; they cannot change between renders.
        parsed: dict[str, Any] = self.__dict__["kwargs"]  # set by TagHelperNode
        self.constants = {key: value.var for key, value in parsed.items()
                          if not value.filters and not isinstance(value.var, Variable)}
        self.kwargs = {key: value for key, value in parsed.items()
                       if key not in self.constants}

    def render(self, context: Any) -> Any:
        args, kwargs = self.args, self.kwargs
        if args or kwargs:
            output = self.func(HOOKS, context, *[value.resolve(context) for value in args],
                               **self.constants,
                               **{key: value.resolve(context) for key, value in kwargs.items()})
        else:
            output = self.func(HOOKS, context, **self.constants)
        if self.target_var is not None:
            context[self.target_var] = output
            return ""
        # conditional_escape(Markup) is the Markup itself: skip the call for ours.
        if context.autoescape and output.__class__ is not Markup:
            output = conditional_escape(output)
        return output


def _tag(name: str, render_for: Callable[..., Markup]) -> None:
    """Register ``name``: ``render_for(HOOKS, context, ...)`` as a ``simple_tag``."""

    def tag(context: Any, *args: Any, **options: Any) -> Markup:
        return render_for(HOOKS, context, *args, **options)

    # simple_tag parses the tag's arguments against the function's signature:
    # render_for's, without the hooks (context first, as takes_context wants).
    signature = inspect.signature(render_for)
    tag.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:])
    register.simple_tag(tag, takes_context=True, name=name)
    compile_simple = register.tags[name]

    def compile_tag(parser: Any, token: Any) -> Any:
        node = compile_simple(parser, token)
        written = [*((f"argument {i + 1}", v) for i, v in enumerate(node.args)),
                   *((repr(k), v) for k, v in node.kwargs.items())]
        for label, expression in written:
            variable = expression.var  # True/False/None are Variables too (builtins)
            if isinstance(variable, Variable) and variable.var.lower() in _LITERAL_LOOK_ALIKES \
                    and variable.var not in ("True", "False", "None"):
                raise template.TemplateSyntaxError(
                    f"{name}: {label} is {variable.var!r}, which Django reads as a missing "
                    "variable; write True/False (or None), Django's literals")
        return _Node(render_for, True, node.args, node.kwargs, node.target_var)

    register.tag(name, compile_tag)


_tag("personaclick_init", render_init_for)
_tag("personaclick_profile_set", render_profile_set_for)
_tag("personaclick_profile_get", render_profile_get_for)
_tag("personaclick_track", render_track_for)
_tag("personaclick_events", render_queued_events_for)
_tag("personaclick_call", render_call_for)
