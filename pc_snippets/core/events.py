"""Commerce ``track`` events: checked data for ``personaclick("track", EVENT, DATA)``.

Every event the SDK documents (``view``, ``category``, ``cart``,
``remove_from_cart``, ``wish``, ``remove_wish``, ``search``, ``purchase``) and
custom events by name, with the API's own rules applied before the page ships:
no empty optional parameter (it would be answered with 422), ids of at most 255
characters without ``\\``, amounts 1-1000, prices that keep their exact value
(``Decimal("19.90")`` is sent as ``19.9``, never ``19``), a purchase only with a
non-empty product list, and its email and phone through the profile rules and
the placeholder guard. Problems name a field path and a rule code, never a value.

>>> result = check_event("cart", {"id": "SKU-1", "amount": 2, "price": Decimal("19.90")})
>>> result.payload
{'id': 'SKU-1', 'amount': 2, 'price': 19.9}
>>> check_event("purchase", {"order": "A-1", "products": []}).problems[0].code
'empty_products'
>>> print(render_track("view", "SKU-1"))
<script>...personaclick("track","view","SKU-1");</script>
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from . import fields as f
from .check import Checked
from .consent_gate import ConsentSource, renderer_source
from .custom import normalise_custom
from .guard import DEFAULT_GUARD, Guard
from .logs import log_problems
from .phones import check_region
from .problems import FieldProblem, Problem, ProfileError
from .render import consent_decision, nonce_attribute, render_fresh_track
from .sent import generate_entry_test, generate_list_test
from .serialize import MAX_SAFE_INTEGER

__all__ = [
    "EVENT_RULES",
    "STANDARD_EVENTS",
    "TRACK_MAPPING_NAMES",
    "EventError",
    "EventResult",
    "check_event",
    "check_track_mapping",
    "render_track",
]

#: The rule codes of events (part of :data:`pc_snippets.RULES`).
EVENT_RULES: dict[str, str] = {
    "invalid_item_id": "a product or category id that is not non-empty text of at most 255 "
                       "characters without a backslash, or a positive integer",
    "invalid_amount": "an amount that is not a whole number from 1 to 1000",
    "invalid_price": "a price or total that is not a finite number >= 0 that JavaScript "
                     "represents exactly (at most 15 significant digits)",
    "invalid_order_id": "an order id that is not non-empty text of at most 255 characters or a "
                        "positive integer",
    "invalid_segment": 'a purchase segment that is not "A" or "B"',
    "invalid_time": "an event time that is not whole Unix seconds from 1970 up to now",
    "empty_products": "a purchase without one valid product: the purchase is not sent",
    "missing_value": "an event without the value it needs (a product id, a search query): "
                     "the event is not sent",
}

#: The events PersonaClick defines; any other name is a custom event.
STANDARD_EVENTS = ("view", "category", "cart", "remove_from_cart", "wish", "remove_wish",
                   "search", "purchase")

_EVENT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_MAX_ITEMS = 100  # a cart or an order of more lines than this is surely a mistake
_MAX_ID = 255
_EXACT_DIGITS = 15  # every decimal of up to 15 significant digits survives a double
# Numbers as text: ASCII digits only (str.isdigit and \d accept other scripts' digits).
_AMOUNT_TEXT = re.compile(r"[0-9]{1,4}")
_PRICE_TEXT = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,16})?")


def item_id(value: Any, ctx: f.Context) -> str | int:
    """A product or category id: text (<= 255 characters, no ``\\``) or a positive integer."""
    if isinstance(value, str):
        if len(value) > _MAX_ID or "\\" in value:
            raise FieldProblem("invalid_item_id", "an id is at most 255 characters, without \\")
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SAFE_INTEGER:
        return int(value)
    raise FieldProblem("invalid_item_id", "expected text or a positive integer")


def order_id(value: Any, ctx: f.Context) -> str | int:
    """An order id: text of at most 255 characters or a positive integer, never rounded."""
    if isinstance(value, str):
        if len(value) > _MAX_ID:
            raise FieldProblem("invalid_order_id", "an order id is at most 255 characters")
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        # Beyond 2**53 - 1 as text, so JavaScript cannot round an order number.
        return int(value) if value <= MAX_SAFE_INTEGER else str(value)
    raise FieldProblem("invalid_order_id", "expected text or a positive integer")


def amount(value: Any, ctx: f.Context) -> int:
    """How many: a whole number from 1 to 1000 (a whole float or Decimal is accepted,
    and digits as text, as a form posts them: ``"2"``)."""
    if isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value):
        value = int(value)
    if isinstance(value, Decimal):
        value = int(value) if value.is_finite() and value == value.to_integral_value() else None
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return int(value)
    raise FieldProblem("invalid_amount", "expected a whole number from 1 to 1000")


def price(value: Any, ctx: f.Context) -> int | float:
    """A price or total: finite, >= 0, sent with its exact value (19.90 as 19.9).

    Plain decimal text (``"19.90"``, as many shops store prices) is read exactly,
    as a ``Decimal``; any other text is refused (``"19,90"``, ``"$19.90"``, ``"1e3"``).
    """
    if isinstance(value, str) and _PRICE_TEXT.fullmatch(value):
        value = Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        digits = value.normalize().as_tuple().digits
        if len(digits) > _EXACT_DIGITS:
            raise FieldProblem("invalid_price", "more significant digits than JavaScript keeps")
    try:
        return f.number(value, ctx)
    except FieldProblem:
        raise FieldProblem("invalid_price", "expected a finite number >= 0") from None


def segment(value: Any, ctx: f.Context) -> str:
    """A purchase's A/B segment."""
    if value in ("A", "B") and isinstance(value, str):
        return str(value)
    raise FieldProblem("invalid_segment", 'expected "A" or "B"')


def unix_time(value: Any, ctx: f.Context) -> int:
    """An event time in whole Unix seconds, not in the future (a day of clock skew allowed)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise FieldProblem("invalid_time", "a datetime needs a time zone")
        value = int(value.timestamp())
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= now + 86400:
        return int(value)
    raise FieldProblem("invalid_time", "expected whole Unix seconds from 1970 up to now")


def event_value(value: Any, ctx: f.Context) -> int:
    """A custom event's value: an integer."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    raise FieldProblem("invalid_number", "expected an integer")


_ATTRIBUTION: dict[str, f.Normaliser] = {"recommended_by": f.text, "recommended_code": f.text}
VIEW_RULES: dict[str, f.Normaliser] = {"id": item_id, **_ATTRIBUTION}
CART_ITEM_RULES: dict[str, f.Normaliser] = {
    "id": item_id, "amount": amount, "price": price, "line_id": f.text, "fashion_size": f.text,
    **_ATTRIBUTION,
}
PRODUCT_RULES: dict[str, f.Normaliser] = {
    "id": item_id, "price": price, "amount": amount, "line_id": f.text,
}
#: A purchase's own fields; its ``products`` and ``custom`` are read apart.
PURCHASE_RULES: dict[str, f.Normaliser] = {
    "order": order_id, "order_price": price,
    "email": f.email, "phone": f.phone, "promocode": f.text, "delivery_type": f.text,
    "payment_type": f.text, "delivery_address": f.text, "tax_free": f.flag,
    "order_cash": price, "order_bonuses": price, "order_delivery": price,
    "order_discount": price, "channel": f.text, "segment": segment,
}
_PURCHASE_NAMES = (*PURCHASE_RULES, "products", "custom")
#: The product fields a ``track_mapping`` may rename (a product of view, cart, purchase).
TRACK_MAPPING_NAMES = tuple(CART_ITEM_RULES)
CUSTOM_EVENT_RULES: dict[str, f.Normaliser] = {
    "category": f.text, "label": f.text, "value": event_value, "time": unix_time,
}

# The fast path (as for profiles, pc_snippets.core.sent): for each event rule an
# expression true only for a value the rule sends unchanged with no problem. A
# record all of whose fields pass is copied as it is; any other goes through the
# rules. A float price of 1e-4 or more and below 2**53 is written alike by both of
# dumps_js's encoders, so the fast path needs no "holds a float" flag for it;
# tests/test_events.py proves the two paths equal.
_ID_AS_SENT = (
    "(type(v) is int and 0 < v <= MAX_SAFE_INTEGER) or (type(v) is str and 0 < len(v) <= 255"
    ' and v.isprintable() and v[0] != " " and v[-1] != " " and "\\\\" not in v)'
)
EVENT_AS_SENT: dict[f.Normaliser, str] = {
    item_id: _ID_AS_SENT,
    order_id: ("(type(v) is int and 0 < v <= MAX_SAFE_INTEGER) or (type(v) is str"
               ' and 0 < len(v) <= 255 and v.isprintable() and v[0] != " " and v[-1] != " ")'),
    segment: '(v == "A" or v == "B") and type(v) is str',
    amount: "type(v) is int and 1 <= v <= 1000",
    price: ("(type(v) is int and 0 <= v <= MAX_SAFE_INTEGER) or (type(v) is float"
            " and 0.0001 <= v < MAX_SAFE_INTEGER and not v.is_integer())"),
}
_RECORD_TESTS = {
    id(rules): generate_entry_test(rules, EVENT_AS_SENT)
    for rules in (VIEW_RULES, CART_ITEM_RULES, PRODUCT_RULES, PURCHASE_RULES)
}
# A whole list of clean lines (a cart, an order's products) in one call.
_LIST_TESTS = {
    id(rules): generate_list_test(rules, EVENT_AS_SENT, required="id")
    for rules in (VIEW_RULES, CART_ITEM_RULES, PRODUCT_RULES)
}


class EventResult(Checked):
    """What :func:`check_event` found: the payload to send (``None``: nothing) and problems."""

    __slots__ = ("event",)

    def __init__(self, event: str, payload: Any, problems: tuple[Problem, ...]) -> None:
        super().__init__(payload, problems)
        self.event = event

    @property
    def sendable(self) -> bool:
        """Whether there is an event to send (an emptied cart ``[]`` is one)."""
        return self.payload is not None

    def __repr__(self) -> str:
        # Codes only: the payload holds ids, emails and phones.
        return (f"<EventResult {self.event!r} sendable={self.sendable} "
                f"problems={[p.code for p in self.problems]}>")


class EventError(ProfileError):
    """Strict mode: the event data has problems (a :class:`~pc_snippets.ProfileError`)."""

    def __init__(self, problems: Any) -> None:
        super().__init__(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        details = "; ".join(str(problem) for problem in self.problems)
        ValueError.__init__(self, f"invalid event data ({count} {noun}): {details}")


def _mapped(value: Any, rules: Mapping[str, f.Normaliser], mapping: Mapping[str, str] | None,
            ) -> Any:
    # An object (model instance, dataclass) is read by attribute, through the
    # shop's names (track_mapping={"id": "sku"}); a mapping is read as it is.
    if mapping is None or isinstance(value, (Mapping, str, int, list)):
        return value
    return {name: getattr(value, mapping.get(name, name), None) for name in rules}


def _one_id(value: Any, ctx: f.Context, path: str) -> Any:
    """An id (text cleaned as every text is), or ``None`` with the problem reported."""
    try:
        cleaned = f.apply(item_id, value, ctx)
    except FieldProblem as problem:
        ctx.report(path, problem.code, problem.message)
        return None
    if cleaned is None:
        ctx.report(path, "missing_value", "the event needs an id")
    return cleaned


def _item(value: Any, rules: Mapping[str, f.Normaliser], ctx: f.Context, path: str,
          mapping: Mapping[str, str] | None) -> Any:
    """One product: an id, or a record with an id (else nothing, reported)."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return _one_id(value, ctx, path or "id")
    if type(value) is dict and "id" in value and _RECORD_TESTS[id(rules)](value, ctx):
        return value.copy()  # an id, and every field as it is sent: nothing to decide
    id_path = f"{path}.id" if path else "id"
    record = f.read_record(_mapped(value, rules, mapping), rules, ctx, path)
    if "id" not in record:
        if not any(p.field == id_path for p in ctx.problems):
            ctx.report(id_path, "missing_value", "a product needs an id")
        return None
    return record


def _items(value: Any, rules: Mapping[str, f.Normaliser], ctx: f.Context, label: str,
           mapping: Mapping[str, str] | None, ids_only: bool = False) -> list[Any] | None:
    """A list that replaces (a cart, a wishlist, an order's products); ``[]`` is data."""
    if len(value) > _MAX_ITEMS:
        ctx.report(label, "too_many", f"more than {_MAX_ITEMS} entries")
        return None
    if not ids_only:
        clean = _LIST_TESTS[id(rules)](value, ctx)
        if clean is not None:  # every line as it is sent: nothing to decide
            return clean
    out = []
    test = None if ids_only else _RECORD_TESTS[id(rules)]
    for index, entry in enumerate(value):
        if test is not None and type(entry) is dict and "id" in entry and test(entry, ctx):
            out.append(entry.copy())  # the common clean line, as _item's fast path
            continue
        path = f"{label}[{index}]"
        found = (_one_id(entry, ctx, path) if ids_only
                 else _item(entry, rules, ctx, path, mapping))
        if found is not None:
            out.append(found)
    return out


def _purchase(data: Any, ctx: f.Context, mapping: Mapping[str, str] | None) -> Any:
    if type(data) is not dict and not isinstance(data, Mapping):
        data = {name: getattr(data, name, None) for name in _PURCHASE_NAMES}
    rest = {key: value for key, value in data.items() if key != "products" and key != "custom"}
    # The order's own fields as they are sent (a fresh dict already), or the rules.
    payload = rest if _RECORD_TESTS[id(PURCHASE_RULES)](rest, ctx) else f.read_record(
        rest, PURCHASE_RULES, ctx)
    products = data.get("products")
    if isinstance(products, (list, tuple)) and products:
        items = _items(products, PRODUCT_RULES, ctx, "products", mapping)
    else:
        items = None
        if products is not None and not isinstance(products, (list, tuple)):
            ctx.report("products", "invalid_type", "expected a list of products")
    if not items:
        ctx.report("products", "empty_products",
                   "a purchase needs at least one valid product; it is not sent")
        return None
    # The products where the API expects them, after the order's own fields.
    ordered = {}
    if "order" in payload:
        ordered["order"] = payload["order"]
    if "order_price" in payload:
        ordered["order_price"] = payload["order_price"]
    ordered["products"] = items
    for key, value in payload.items():
        if key not in ordered:
            ordered[key] = value
    custom = data.get("custom")
    if custom is not None:
        properties = normalise_custom(custom, ctx)
        if properties:
            ordered["custom"] = properties
    return ordered


def _custom_event(data: Any, ctx: f.Context) -> Any:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        ctx.report("", "invalid_type", "a custom event's data must be a mapping")
        return None
    known = {key: value for key, value in data.items() if key in CUSTOM_EVENT_RULES}
    payload = f.read_record(known, CUSTOM_EVENT_RULES, ctx)
    extra = {key: value for key, value in data.items() if key not in CUSTOM_EVENT_RULES}
    if extra:
        payload.update(normalise_custom(extra, ctx))
    return payload or None


def check_track_mapping(mapping: Any, what: str = "track_mapping") -> None:
    """Raise ``TypeError`` / ``ValueError`` unless ``mapping`` maps product field names
    (:data:`TRACK_MAPPING_NAMES`) to attribute names.

    >>> check_track_mapping({"id": "sku"})
    >>> check_track_mapping({"sku": "id"})
    Traceback (most recent call last):
    ValueError: track_mapping: 'sku' is not a product field (id, amount, price, ...)
    """
    if mapping is None:
        return
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{what} must be a mapping of product field names to attribute "
                        "names, or None")
    for key, value in mapping.items():
        if key not in TRACK_MAPPING_NAMES:
            shown = repr(key) if isinstance(key, str) and key.isidentifier() else "a key"
            raise ValueError(f"{what}: {shown} is not a product field "
                             f"({', '.join(TRACK_MAPPING_NAMES[:3])}, ...)")
        if not isinstance(value, str) or not value.isidentifier():
            raise ValueError(f"{what}: the attribute for {key!r} must be a Python "
                             "attribute name")


def check_event(
    event: str,
    data: Any = None,
    *,
    guard: Guard | None = None,
    phone_region: str | None = None,
    track_mapping: Mapping[str, str] | None = None,
    strict: bool = False,
) -> EventResult:
    """Check a ``track`` event's data; return the payload to send and every problem.

    ``data`` is what the SDK takes for ``event`` (an id, an item, a list that
    replaces the cart or wishlist, a query, a purchase), as dicts, dataclasses,
    pydantic models or ORM objects; ``track_mapping`` names a product object's
    attributes once (``{"id": "sku", "price": "unit_price"}``). ``guard`` and
    ``phone_region`` apply to a purchase's email and phone as in
    :func:`~pc_snippets.check_profile`. ``strict=True`` raises :class:`EventError`.
    A wrong *event name* is a programming error: ``ValueError`` in every mode.

    >>> check_event("wish", []).payload
    []
    >>> [(p.field, p.code) for p in check_event("cart", {"id": "S", "amount": 0}).problems]
    [('amount', 'invalid_amount')]
    """
    if not isinstance(event, str) or not _EVENT_NAME.fullmatch(event):
        raise ValueError("event must be an event name such as 'view' or 'purchase' "
                         "(letters, digits, _ . -; at most 64 characters)")
    if track_mapping is not None:
        check_track_mapping(track_mapping)
    ctx = f.Context(guard or DEFAULT_GUARD, None, check_region(phone_region))
    payload: Any
    if event in ("view", "cart"):
        rules = VIEW_RULES if event == "view" else CART_ITEM_RULES
        if event == "cart" and isinstance(data, (list, tuple)):
            payload = _items(data, rules, ctx, "", track_mapping)
            if payload == [] and data:  # every item refused: never empty the cart by mistake
                payload = None
        elif data is None or data == "":
            ctx.report("id", "missing_value", "the event needs a product id")
            payload = None
        else:
            payload = _item(data, rules, ctx, "", track_mapping)
    elif event == "wish" and isinstance(data, (list, tuple)):
        payload = _items(data, {"id": item_id}, ctx, "", None, ids_only=True)
        if payload == [] and data:
            payload = None
    elif event in ("category", "remove_from_cart", "wish", "remove_wish"):
        payload = _one_id(data, ctx, "id")
    elif event == "search":
        out: dict[str, Any] = {}
        f.read_field("query", data, {"query": f.text}, ctx, "", out)
        payload = out.get("query")
        if payload is None and not ctx.problems:
            ctx.report("query", "missing_value", "a search needs its query text")
    elif event == "purchase":
        payload = _purchase(data, ctx, track_mapping) if data is not None else None
        if data is None:
            ctx.report("products", "empty_products", "a purchase needs its order and products")
    else:
        payload = _custom_event(data, ctx)
    # Paths of list entries are "[0].id": shown as "cart[0].id" for the reader.
    problems = tuple(
        p._replace(field=f"{event}{p.field}") if p.field.startswith("[") else p
        for p in ctx.problems
    )
    if strict and problems:
        raise EventError(problems)
    result = EventResult(event, payload, problems)
    result._floats = ctx.floats
    return result


def render_track(
    event: str,
    data: Any = None,
    *,
    nonce: str | None = None,
    strict: bool = False,
    consent: bool | None = None,
    guard: Guard | None = None,
    phone_region: str | None = None,
    track_mapping: Mapping[str, str] | None = None,
    navigation: str | None = None,
    consent_source: ConsentSource | str | None = None,
) -> Markup:
    """``<script>personaclick("track", EVENT, DATA);</script>`` for checked event data.

    Lenient (default): refused fields are dropped and logged (path and rule code);
    an event left without what it needs (a purchase without a valid product) is
    not rendered at all, and the log says why. ``strict=True`` raises
    :class:`EventError`. ``consent=False`` renders nothing. ``navigation="turbo"``
    or ``"htmx"``: the call runs once per page render, never from Turbo's cache
    (see :mod:`pc_snippets.core.navigation`). ``consent_source``: as
    :func:`~pc_snippets.render_profile_set`'s (the call waits for the visitor's
    agreement in that consent manager).

    >>> print(render_track("purchase", {"order": "A-1", "order_price": Decimal("39.80"),
    ...                                 "products": [{"id": 7, "price": 19.9, "amount": 2}]}))
    <script>...personaclick("track","purchase",{"order":"A-1","order_price":39.8,"products":[{"id":7,"price":19.9,"amount":2}]});</script>
    """
    if consent is not None and consent is not True and consent_decision(consent) is False:
        return Markup()
    attribute = nonce_attribute(nonce)  # a bad nonce is a bug: fail before any work
    if navigation is not None:
        from .navigation import check_navigation  # imports this module: on first use

        check_navigation(navigation)  # so is an unknown navigation
    source = None
    if consent_source is not None:  # and a bad consent source
        source = renderer_source(consent_source, consent, navigation)
    result = check_event(event, data, guard=guard, phone_region=phone_region,
                         track_mapping=track_mapping, strict=strict)
    if result.problems:
        log_problems(result.problems)
    if result.payload is None:
        return Markup()
    if source is not None:
        return render_fresh_track(event, result.payload, attribute, result._floats, None,
                                  source)
    if navigation is None:
        return render_fresh_track(event, result.payload, attribute, result._floats)
    return render_fresh_track(event, result.payload, attribute, result._floats, navigation)

