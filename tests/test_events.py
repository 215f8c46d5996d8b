"""Commerce ``track`` events: every event and shape, the API's rules, hostile text.

Each rendered snippet goes through both WHATWG parsers (html5lib, lexbor) and V8
with a recording ``personaclick`` (``run_snippet``); the expected calls are
written by hand from the SDK's documented shapes (../shared/reference/commerce-events.md).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pc_snippets import (
    RULES,
    EventError,
    Guard,
    ProfileError,
    check_event,
    render_call,
    render_track,
)
from pc_snippets.core import fields
from pc_snippets.core.events import EVENT_RULES, STANDARD_EVENTS
from tests.oracles import run_snippet

from .test_serialize import HOSTILE_STRINGS

PURCHASE = {
    "order": "N-000123", "order_price": Decimal("59.70"),
    "products": [{"id": "SKU-1", "price": Decimal("19.90"), "amount": 3, "line_id": "L1"}],
    "email": "Jane@Mail.COM", "phone": "+7 912 954 96 56", "promocode": "SPRING",
    "delivery_type": "courier", "payment_type": "card", "delivery_address": "Main St 1",
    "tax_free": False, "order_cash": 50, "order_bonuses": Decimal("9.70"), "order_delivery": 0,
    "order_discount": Decimal("0.00"), "channel": "web", "segment": "A",
    "custom": {"gift_wrap": True},
}

# (event, data, what the SDK must receive): every documented shape.
SHAPES: list[tuple[str, Any, Any]] = [
    ("view", "SKU-1", "SKU-1"),
    ("view", 42, 42),
    ("view", {"id": "SKU-1", "recommended_by": "dynamic", "recommended_code": "r1"},
     {"id": "SKU-1", "recommended_by": "dynamic", "recommended_code": "r1"}),
    ("category", "shoes-42", "shoes-42"),
    ("cart", "SKU-1", "SKU-1"),
    ("cart", {"id": "SKU-1", "amount": 2, "price": 19.9, "line_id": "L1", "fashion_size": "M",
              "recommended_by": "full_search", "recommended_code": "q"},
     {"id": "SKU-1", "amount": 2, "price": 19.9, "line_id": "L1", "fashion_size": "M",
      "recommended_by": "full_search", "recommended_code": "q"}),
    ("cart", [{"id": "A", "amount": 1}, {"id": "B", "amount": 2}],
     [{"id": "A", "amount": 1}, {"id": "B", "amount": 2}]),
    ("cart", [], []),  # empties the cart: data, not an empty parameter
    ("remove_from_cart", "SKU-1", "SKU-1"),
    ("wish", "SKU-1", "SKU-1"),
    ("wish", ["A", "B"], ["A", "B"]),
    ("wish", [], []),
    ("remove_wish", "SKU-1", "SKU-1"),
    ("search", "  red shoes ", "red shoes"),
    ("purchase", PURCHASE, {
        "order": "N-000123", "order_price": 59.7,
        "products": [{"id": "SKU-1", "price": 19.9, "amount": 3, "line_id": "L1"}],
        "email": "Jane@mail.com", "phone": "79129549656", "promocode": "SPRING",
        "delivery_type": "courier", "payment_type": "card", "delivery_address": "Main St 1",
        "tax_free": False, "order_cash": 50, "order_bonuses": 9.7, "order_delivery": 0,
        "order_discount": 0, "channel": "web", "segment": "A", "custom": {"gift_wrap": True},
    }),
    ("signup_done", {"category": "onboarding", "label": "step 3", "value": 5,
                     "time": 1700000000, "plan": "pro"},
     {"category": "onboarding", "label": "step 3", "value": 5, "time": 1700000000,
      "plan": "pro"}),
]


@pytest.mark.parametrize(("event", "data", "sent"), SHAPES,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(SHAPES)])
def test_every_event_and_shape_reaches_the_sdk_as_documented(event: str, data: Any,
                                                             sent: Any) -> None:
    html = render_track(event, data, nonce="cjRuZDBt", strict=True)
    assert html.startswith('<script nonce="cjRuZDBt">')
    assert run_snippet(html) == [["track", event, sent]]
    # The checked payload is written by dumps_js's fast encoder: the same text as
    # the generic (unchecked) render_call writes.
    assert html == render_call("track", event, sent, nonce="cjRuZDBt")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6) | st.decimals(
    min_value=0, max_value=10**6, places=2, allow_nan=False), min_size=1, max_size=4))
def test_prices_are_written_as_the_stdlib_writes_them(prices: list[Any]) -> None:
    data = {"order": "N-1", "products": [{"id": f"P{i}", "price": p}
                                         for i, p in enumerate(prices)]}
    result = check_event("purchase", data)
    assert render_track("purchase", data) == render_call("track", "purchase", result.payload)


def test_the_standard_events_are_all_covered() -> None:
    assert {event for event, _, _ in SHAPES} >= set(STANDARD_EVENTS)


# ---------------------------------------------------------------- the API's rules

TRIGGERS: list[tuple[str, Any, str, str]] = [
    ("view", "a\\b", "id", "invalid_item_id"),
    ("view", "x" * 256, "id", "invalid_item_id"),
    ("view", -3, "id", "invalid_item_id"),
    ("cart", {"id": "A", "amount": 0}, "amount", "invalid_amount"),
    ("cart", {"id": "A", "amount": 1001}, "amount", "invalid_amount"),
    ("cart", {"id": "A", "price": float("nan")}, "price", "invalid_price"),
    ("cart", {"id": "A", "price": Decimal("1.2345678901234567")}, "price", "invalid_price"),
    ("purchase", {"order": "x" * 256, "products": ["A"]}, "order", "invalid_order_id"),
    ("purchase", {"segment": "C", "products": ["A"]}, "segment", "invalid_segment"),
    ("signup_done", {"time": 10**12}, "time", "invalid_time"),
    ("purchase", {"order": "A-1", "products": []}, "products", "empty_products"),
    ("search", "   ", "query", "missing_value"),
]


@pytest.mark.parametrize(("event", "data", "field", "code"), TRIGGERS)
def test_each_rule_has_its_code_and_path(event: str, data: Any, field: str, code: str) -> None:
    result = check_event(event, data)
    assert (field, code) in [(p.field, p.code) for p in result.problems]


def test_every_event_rule_is_triggered_and_listed() -> None:
    assert {code for _, _, _, code in TRIGGERS} == set(EVENT_RULES)
    assert set(EVENT_RULES) <= set(RULES)


def test_no_empty_optional_parameter_is_sent() -> None:
    result = check_event("cart", {"id": "A", "amount": None, "price": "", "line_id": "  ",
                                  "recommended_by": None})
    assert (result.payload, result.problems) == ({"id": "A"}, ())


def test_prices_keep_their_exact_value_and_order_ids_are_never_cast() -> None:
    result = check_event("purchase", {"order": "000123", "order_price": Decimal("1234567.89"),
                                      "products": [{"id": 7, "price": Decimal("19.90")}]})
    assert result.payload == {"order": "000123", "order_price": 1234567.89,
                              "products": [{"id": 7, "price": 19.9}]}
    big = check_event("purchase", {"order": 2**60, "products": ["A"]}).payload
    assert big["order"] == str(2**60)  # JavaScript would round it as a number


def test_a_purchase_without_a_valid_product_is_not_rendered_and_the_log_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "pc_snippets")
    data = {"order": "N-7", "email": "jane@mail.com", "products": [{"id": ""}, {"amount": 2}]}
    assert render_track("purchase", data) == ""
    codes = [getattr(record, "code", None) for record in caplog.records]
    assert "empty_products" in codes or "empty_products" in caplog.text
    assert "jane@mail.com" not in caplog.text
    assert "N-7" not in caplog.text


def test_a_list_whose_every_item_is_refused_never_empties_the_cart() -> None:
    result = check_event("cart", [{"id": ""}, "a\\b"])
    assert result.payload is None
    assert render_track("cart", [{"id": "a\\b"}]) == ""
    assert render_track("wish", ["a\\b"]) == ""


def test_one_bad_item_of_a_cart_is_dropped_the_rest_sent() -> None:
    result = check_event("cart", [{"id": "A", "amount": 1}, {"id": "B", "amount": -1}])
    assert result.payload == [{"id": "A", "amount": 1}, {"id": "B"}]
    assert [(p.field, p.code) for p in result.problems] == [("cart[1].amount", "invalid_amount")]


def test_a_purchases_email_and_phone_obey_the_profile_rules_and_the_guard() -> None:
    data = {"order": "N-1", "products": ["A"], "email": "anonymous@example.com",
            "phone": "8 (912) 954-96-56"}
    result = check_event("purchase", data, phone_region="RU")
    assert result.payload == {"order": "N-1", "products": ["A"], "phone": "79129549656"}
    assert [(p.field, p.code) for p in result.problems] == [("email", "placeholder_email_domain")]
    relaxed = check_event("purchase", data, guard=Guard(
        disabled=["placeholder_email_domain", "placeholder_email_local"]))
    assert relaxed.payload["email"] == "anonymous@example.com"


def test_unknown_fields_are_reported_with_a_suggestion() -> None:
    result = check_event("cart", {"id": "A", "ammount": 2})
    assert [(p.field, p.code) for p in result.problems] == [("ammount", "unknown_field")]
    assert "amount" in result.problems[0].message


def test_strict_raises_a_profile_error_sibling_without_values() -> None:
    with pytest.raises(EventError) as raised:
        render_track("purchase", {"order": "N-1", "email": "jane@nowhere", "products": ["A"]},
                     strict=True)
    assert isinstance(raised.value, ProfileError)
    assert isinstance(raised.value, ValueError)
    assert str(raised.value).startswith("invalid event data (1 problem): email:")
    assert "jane@nowhere" not in str(raised.value)
    assert "jane" not in repr(check_event("purchase", {"email": "jane@nowhere"}))


def test_consent_false_renders_nothing() -> None:
    assert render_track("view", "SKU-1", consent=False) == ""
    with pytest.raises(TypeError):
        render_track("view", "SKU-1", consent="no")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "<script>", 42, None])
def test_a_bad_event_name_is_a_programming_error(name: Any) -> None:
    with pytest.raises(ValueError, match="event must be an event name"):
        check_event(name, "A")


# ------------------------------------------------------------ input as shops have it


@dataclasses.dataclass
class Product:
    sku: str
    unit_price: Decimal
    qty: int


class Line(BaseModel):
    id: str
    amount: int
    price: float


class Order:  # an ORM-like object
    order = "N-9"
    order_price = Decimal("39.80")
    products = (Product("SKU-1", Decimal("19.90"), 2),)
    email = "jane@mail.com"


def test_models_dataclasses_and_objects_with_a_mapping_of_attribute_names() -> None:
    mapping = {"id": "sku", "price": "unit_price", "amount": "qty"}
    result = check_event("purchase", Order(), track_mapping=mapping)
    assert (result.payload, result.problems) == ({
        "order": "N-9", "order_price": 39.8,
        "products": [{"id": "SKU-1", "price": 19.9, "amount": 2}], "email": "jane@mail.com",
    }, ())
    line = check_event("cart", Line(id="A", amount=2, price=5.5))
    assert line.payload == {"id": "A", "amount": 2, "price": 5.5}


# ---------------------------------------------------------------- hostile text

texts = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_STRINGS))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["view", "category", "remove_from_cart", "wish", "search"]), texts)
def test_hostile_ids_and_queries(event: str, text: str) -> None:
    result = check_event(event, text)
    html = render_track(event, text)
    if result.payload is None:
        assert html == ""
    else:
        assert run_snippet(html) == [["track", event, result.payload]]
        assert html == render_call("track", event, result.payload)  # the unchecked path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, texts, texts, texts)
def test_hostile_text_in_every_field_of_a_purchase(order: str, product: str, promocode: str,
                                                   note: str) -> None:
    data = {"order": order, "products": [{"id": product, "line_id": note}, "fallback"],
            "promocode": promocode, "delivery_address": note, "custom": {"note": note}}
    result = check_event("purchase", data)
    html = render_track("purchase", data)
    assert result.payload is not None  # "fallback" is always a valid product
    assert run_snippet(html) == [["track", "purchase", result.payload]]
    assert html == render_call("track", "purchase", result.payload)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), texts, max_size=4))
def test_hostile_custom_event_properties(properties: dict[str, str]) -> None:
    result = check_event("my_event", properties)
    html = render_track("my_event", properties)
    if result.payload is None:
        assert html == ""
    else:
        assert run_snippet(html) == [["track", "my_event", result.payload]]
        assert html == render_call("track", "my_event", result.payload)


def test_a_datetime_time_needs_a_zone() -> None:
    aware = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    assert check_event("e", {"time": aware}).payload == {"time": 1704067200}
    naive = check_event("e", {"time": datetime.datetime(2024, 1, 1)})
    assert [p.code for p in naive.problems] == ["invalid_time"]


# ------------------------------------------------- the fast path == the reference rules

def reference_event(event: str, data: Any) -> Any:
    """check_event with the record fast path switched off: the rules alone."""
    from pc_snippets.core import events

    saved, saved_lists = dict(events._RECORD_TESTS), dict(events._LIST_TESTS)
    events._RECORD_TESTS.update((key, lambda record, ctx: False) for key in saved)
    events._LIST_TESTS.update((key, lambda items, ctx: None) for key in saved_lists)
    try:
        return check_event(event, data)
    finally:
        events._RECORD_TESTS.update(saved)
        events._LIST_TESTS.update(saved_lists)


ids = st.one_of(st.integers(min_value=-2, max_value=2**54), texts,
                st.sampled_from(["SKU-1", " SKU", "a\\b", "x" * 255, "x" * 256, "\u00a0A"]))
numbers = st.one_of(st.integers(min_value=-2, max_value=2**54), st.floats(),
                    st.decimals(allow_nan=True, places=3), st.booleans(),
                    st.sampled_from([0.0001, 0.00009, 19.9, 2.0, 2**53 - 0.5, 1e-5]))
products = st.fixed_dictionaries({}, optional={
    "id": ids, "price": numbers, "amount": numbers, "line_id": texts, "fashion_size": texts,
    "recommended_by": texts, "ammount": st.just(1)})


orders = st.fixed_dictionaries({}, optional={
    "order": ids, "order_price": numbers, "email": st.sampled_from(
        ["jane@mail.com", "Jane@Mail.COM", "anonymous@example.com", "a@a.com", "x", ""]) | texts,
    "phone": st.sampled_from(["79129549656", "+7 912 954 96 56", "0201234567", "1111111111"])
    | texts, "promocode": texts, "tax_free": st.booleans() | st.just(0), "segment":
    st.sampled_from(["A", "B", "C", "a", ""]), "order_cash": numbers, "channel": texts,
    "odrer": st.just("N")})


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["view", "cart", "purchase"]), st.lists(products, min_size=1, max_size=3),
       orders)
def test_the_record_fast_path_agrees_with_the_reference(event: str, items: list[Any],
                                                        order: dict[str, Any]) -> None:
    data: Any = items[0] if event == "view" else items
    if event == "purchase":
        data = {**order, "products": items}
    fast, reference = check_event(event, data), reference_event(event, data)
    assert repr(fast.payload) == repr(reference.payload)
    assert fast.problems == reference.problems
    if fast.payload is not None:
        html = render_track(event, data)
        assert html == render_call("track", event, reference.payload)


def test_a_clean_record_takes_the_fast_path() -> None:
    # The comparison above is not vacuous: a clean product passes the fast test
    # (it is copied without running the rules), a changed one does not.
    from pc_snippets.core import events

    test = events._RECORD_TESTS[id(events.CART_ITEM_RULES)]
    item = {"id": "SKU-1", "price": 19.9, "amount": 2}
    assert test(item, None)
    assert not test({**item, "amount": 0}, None)
    assert not test({**item, "price": 0.00001}, None)
    purchase = events._RECORD_TESTS[id(events.PURCHASE_RULES)]
    ctx = fields.Context()
    assert purchase({"order": "N-1", "email": "jane@mail.com", "segment": "A"}, ctx)
    assert not purchase({"order": "N-1", "email": "Jane@Mail.COM"}, ctx)
    # A whole list in one call: copies of clean lines, None as soon as one is not.
    lines = events._LIST_TESTS[id(events.PRODUCT_RULES)]
    clean = [{"id": "SKU-1", "price": 19.9, "amount": 2}, {"id": 7, "line_id": "L2"}]
    copied = lines(clean, ctx)
    assert copied == clean
    assert all(a is not b for a, b in zip(copied, clean, strict=True))
    for changed in ({"id": "SKU-1", "amount": 0}, {"price": 1}, {"id": "S", "amount": None},
                    {"id": "S", "fashion_size": "M"}, "SKU-1", {}):
        assert lines([*clean, changed], ctx) is None


@pytest.mark.parametrize(("written", "sent"), [
    ("19.90", 19.9), ("0", 0), ("0.10", 0.1), ("1000", 1000), ("12345678.99", 12345678.99),
    (" 19.9\n", 19.9),  # surrounding whitespace is trimmed, as from every text
])
def test_a_price_as_plain_decimal_text_is_read_exactly(written: str, sent: Any) -> None:
    result = check_event("cart", {"id": "S", "price": written})
    assert result.problems == ()
    assert result.payload == {"id": "S", "price": sent}
    assert result.payload["price"] == float(Decimal(written.strip()))


@pytest.mark.parametrize("written", ["19,90", "$19.90", "1e3", "-1", "19 .9", "19.",
                                     ".5", "\uff11\uff19", "\u0661\u0669", "nan", "inf", "",
                                     "1" * 17, "0." + "1" * 17])
def test_any_other_price_text_is_refused(written: str) -> None:
    result = check_event("cart", {"id": "S", "price": written})
    assert result.payload == {"id": "S"}
    assert [(p.field, p.code) for p in result.problems] == [("price", "invalid_price")] or (
        written == "" and result.problems == ())  # empty: no value, omitted as everywhere


@pytest.mark.parametrize(("written", "ok"), [("2", True), ("1000", True), ("0", False),
                                             ("1001", False), ("2.0", False), ("\uff12", False),
                                             ("+2", False), ("2 000", False)])
def test_an_amount_as_digits_is_read_as_a_form_posts_it(written: str, ok: bool) -> None:
    result = check_event("cart", {"id": "S", "amount": written})
    if ok:
        assert result.payload == {"id": "S", "amount": int(written)}
    else:
        assert [(p.field, p.code) for p in result.problems] == [("amount", "invalid_amount")]
