"""``{% load personaclick %}``: the PersonaClick template tags for Django templates.

.. code-block:: django

    {% personaclick_init %}
    {% personaclick_profile_set %}                 {# request.user #}
    {% personaclick_profile_set order.customer %}  {# another user or a dict #}
    {% personaclick_profile_get callback="shop.onProfile" fill=True %}
    {% personaclick_call "track" "view" product_data %}

Keyword arguments are those of the Jinja tags (``nonce``, ``consent``, ``strict``,
``custom``, ``stream``, ``spa``, ``device_id``, ``callback``, ``event``, ``fill``).
Write Django's literals ``True``, ``False``, ``None``: an argument written as
``true``, ``false``, ``null``, ``none``, ``yes`` or ``no`` (any case) is a
``TemplateSyntaxError``, because Django would read it as a missing variable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django import template  # type: ignore[import-untyped]
from django.template.base import Variable  # type: ignore[import-untyped]
from django.template.library import parse_bits  # type: ignore[import-untyped]
from django.utils.html import conditional_escape  # type: ignore[import-untyped]
from markupsafe import Markup

from ..._integration import (
    render_call_for,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
)
from ..hooks import HOOKS

register = template.Library()


class PersonaClickNode(template.Node):  # type: ignore[misc]
    """One tag in a compiled template: what ``simple_tag``'s node does, minus its layers.

    It resolves the arguments written in the tag and calls the shared pipeline
    function with just those (no wrapper passing every default on). A tag
    runs on every page render (see ``benchmarks/bench_templates.py``).
    """

    child_nodelists = ()

    def __init__(
        self,
        render: Callable[..., Markup],
        args: list[Any],
        kwargs: dict[str, Any],
        target_var: str | None,
    ) -> None:
        self.render_for = render
        self.args = args
        # Literal keyword values (callback="shop.onProfile") are resolved now, once.
        self.constants = {
            name: value.var for name, value in kwargs.items() if _is_literal(value)
        }
        self.kwargs = {
            name: value for name, value in kwargs.items() if name not in self.constants
        }
        self.target_var = target_var

    def render(self, context: Any) -> Any:
        # Plain calls for the common shapes (no packing of empty argument lists).
        args, kwargs = self.args, self.kwargs
        if kwargs or len(args) > 1:
            output = self.render_for(
                HOOKS, context, *[var.resolve(context) for var in args], **self.constants,
                **{name: var.resolve(context) for name, var in kwargs.items()},
            )
        elif args:
            output = self.render_for(HOOKS, context, args[0].resolve(context), **self.constants)
        else:
            output = self.render_for(HOOKS, context, **self.constants)
        if self.target_var is not None:
            context[self.target_var] = output
            return ""
        # conditional_escape(Markup) is the Markup itself: skip the call for ours.
        if context.autoescape and output.__class__ is not Markup:
            output = conditional_escape(output)
        return output


# Bare names that are other languages' literals. Django reads them as variables,
# which are missing (None) on almost every page: fill=true would silently mean
# "no fill". Real variables keep Django's convention (missing means None).
_LITERAL_LOOK_ALIKES = frozenset({"true", "false", "null", "none", "yes", "no"})
_DJANGO_LITERALS = frozenset({"True", "False", "None"})


def _refuse_literal_look_alikes(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """``TemplateSyntaxError`` for an argument like ``fill=true`` (checked at compile time)."""
    arguments = [(f"argument {i + 1}", value) for i, value in enumerate(args)]
    for label, expression in [*arguments, *((repr(k), v) for k, v in kwargs.items())]:
        variable = expression.var
        # True/False/None are Variables too, resolved from Context.builtins.
        if (isinstance(variable, Variable) and variable.var.lower() in _LITERAL_LOOK_ALIKES
                and variable.var not in _DJANGO_LITERALS):
            raise template.TemplateSyntaxError(
                f"{name}: {label} is {variable.var!r}, which Django reads as a missing "
                "variable; write True/False (or None), Django's literals"
            )


def _is_literal(expression: Any) -> bool:
    # A FilterExpression of a literal ("text", 42, True) with no filters: Django has
    # already turned it into its value; it cannot change from one render to the next.
    return not expression.filters and not isinstance(expression.var, Variable)


_PARSE_BITS_TAKES_CONTEXT = "takes_context" in inspect.signature(parse_bits).parameters


def _register(name: str, render: Callable[..., Markup]) -> None:
    """Register the tag ``name``, whose arguments are those of ``render`` (the shared
    pipeline function) after its ``hooks`` and ``context``: parsed exactly as
    ``simple_tag`` would parse them."""
    spec = inspect.getfullargspec(render)
    # hooks and context are passed by the node, never written in the tag.
    params = spec.args[2:]
    # parse_bits() lost its takes_context argument in Django 6.0 (the caller strips
    # the context parameter now); pass False where it still exists.
    old_style = {"takes_context": False} if _PARSE_BITS_TAKES_CONTEXT else {}

    def compile_tag(parser: Any, token: Any) -> PersonaClickNode:
        bits = token.split_contents()[1:]
        target_var = None
        if len(bits) >= 2 and bits[-2] == "as":
            target_var = bits[-1]
            bits = bits[:-2]
        args, kwargs = parse_bits(
            parser, bits, params, spec.varargs, spec.varkw, spec.defaults,
            spec.kwonlyargs, spec.kwonlydefaults, name=name, **old_style,
        )
        _refuse_literal_look_alikes(name, args, kwargs)
        return PersonaClickNode(render, args, kwargs, target_var)

    register.tag(name, compile_tag)


_register("personaclick_init", render_init_for)
_register("personaclick_profile_set", render_profile_set_for)
_register("personaclick_profile_get", render_profile_get_for)
_register("personaclick_call", render_call_for)
