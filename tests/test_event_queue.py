"""The adapter layer's events: purchase once (adapter/orders.py) and the queue (adapter/events.py).

The per-framework behaviour (reloads, redirects, consent) is in the adapter contract
(tests/adapter_contract.py); these tests hold the parts no framework decides: the
session records' shape and bounds, tampered or stale sessions, strict mode, and
hostile data going through the session and back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pc_snippets import EventError, check_event, render_track
from pc_snippets.adapter import (
    EVENTS_SESSION_KEY,
    MAX_ORDERS,
    MAX_QUEUE_CHARACTERS,
    MAX_QUEUED_EVENTS,
    ORDERS_SESSION_KEY,
    Hooks,
    SentOrders,
    Settings,
    queue_event_for,
    render_queued_events_for,
    render_track_for,
)
from tests.oracles import run_snippet
from tests.pages import run_page

from .test_serialize import HOSTILE_STRINGS


class SessionHooks(Hooks):
    """One visitor: a request (any object), its state and its session (dicts)."""

    def __init__(self, settings: Settings | None = None, *, session: bool = True) -> None:
        self._settings = settings or Settings()
        self.session_data: dict[str, Any] | None = {} if session else None
        self.state: dict[str, Any] = {}

    def settings(self, context: Any) -> Settings:
        return self._settings

    def request(self, context: Any) -> Any:
        return "request"

    def request_state(self, request: Any) -> MutableMapping[str, Any]:
        return self.state

    def session(self, request: Any) -> MutableMapping[str, Any] | None:
        return self.session_data

    def secret_key(self) -> str:
        return "app-secret"


ORDER = {"order": "N-1", "products": [{"id": "SKU-1", "price": "19.90", "amount": 1}]}


# ------------------------------------------------------------------ purchase once


def test_the_orders_record_is_bounded_and_forgets_the_oldest() -> None:
    session: dict[str, Any] = {}
    orders = SentOrders(session, "secret")
    for number in range(MAX_ORDERS + 5):
        orders.remember(f"N-{number}")
    assert not orders.seen("N-0")
    assert not orders.seen("N-4")
    assert all(orders.seen(f"N-{n}") for n in range(5, MAX_ORDERS + 5))
    _salt, digests = session[ORDERS_SESSION_KEY].split(":")
    assert len(digests) == 16 * MAX_ORDERS
    assert "N-" not in session[ORDERS_SESSION_KEY]


def test_order_7_and_order_text_7_are_one_order() -> None:
    session: dict[str, Any] = {}
    orders = SentOrders(session, "secret")
    orders.remember(7)
    assert orders.seen("7")


def test_the_digests_depend_on_the_secret_and_the_session() -> None:
    one: dict[str, Any] = {}
    SentOrders(one, "secret").remember("N-1")
    assert not SentOrders(dict(one), "other secret").seen("N-1")
    two: dict[str, Any] = {}
    SentOrders(two, "secret").remember("N-1")
    assert one != two  # salted per session: the same order is not linkable


@pytest.mark.parametrize("stored", [None, 42, "", "x:y", "a" * 32 + ":abc", ["N-1"]])
def test_a_tampered_orders_record_is_read_as_empty(stored: Any) -> None:
    session: dict[str, Any] = {ORDERS_SESSION_KEY: stored}
    orders = SentOrders(session, "secret")
    assert not orders.seen("N-1")
    orders.remember("N-1")
    assert orders.seen("N-1")


def test_purchase_once_is_checked_after_the_data_and_remembers_only_what_was_rendered() -> None:
    hooks = SessionHooks()
    empty = {"order": "N-1", "products": []}
    assert render_track_for(hooks, {}, "purchase", empty) == ""  # not sent: not remembered
    assert render_track_for(hooks, {}, "purchase", ORDER) != ""
    assert render_track_for(hooks, {}, "purchase", ORDER) == ""
    assert hooks.state  # the response carries an order's data: private


def test_a_purchase_without_an_order_id_is_rendered_every_time() -> None:
    hooks = SessionHooks()
    anonymous_order = {"products": [{"id": "SKU-1"}]}
    assert render_track_for(hooks, {}, "purchase", anonymous_order) != ""
    assert render_track_for(hooks, {}, "purchase", anonymous_order) != ""


# ------------------------------------------------------------------ the queue


def test_the_queue_keeps_json_data_never_javascript() -> None:
    hooks = SessionHooks()
    assert queue_event_for(hooks, "request", "cart", {"id": "</script>", "amount": 2})
    assert hooks.session_data is not None
    (entry,) = hooks.session_data[EVENTS_SESSION_KEY]
    assert entry[0] == "cart"
    assert json.loads(entry[1]) == {"id": "</script>", "amount": 2}
    assert "personaclick" not in entry[1]


def test_the_queue_is_bounded_by_characters(caplog: pytest.LogCaptureFixture) -> None:
    hooks = SessionHooks()
    big = {"id": "S" * 255, "line_id": "L" * 256, "recommended_by": "R" * 256}
    queued = 0
    with caplog.at_level(logging.WARNING, logger="pc_snippets"):
        while queue_event_for(hooks, "request", "cart", big):
            queued += 1
    assert hooks.session_data is not None
    size = sum(len(text) for _, text in hooks.session_data[EVENTS_SESSION_KEY])
    assert size <= MAX_QUEUE_CHARACTERS < size + len(json.dumps(check_event("cart", big).payload))
    assert 0 < queued < MAX_QUEUED_EVENTS
    assert [getattr(r, "pc_rule", None) for r in caplog.records] == ["queue_full"]
    assert "SSS" not in caplog.text


def test_queuing_needs_a_session_and_the_error_holds_no_value() -> None:
    with pytest.raises(RuntimeError, match="session") as info:
        queue_event_for(SessionHooks(session=False), "request", "cart", "SKU-secret")
    assert "SKU-secret" not in str(info.value)


def test_a_disabled_adapter_queues_nothing() -> None:
    hooks = SessionHooks(Settings(enabled=False))
    assert queue_event_for(hooks, "request", "cart", "SKU-1") is False
    assert hooks.session_data == {}


def test_strict_mode_raises_and_queues_nothing() -> None:
    hooks = SessionHooks(Settings(strict=True))
    with pytest.raises(EventError):
        queue_event_for(hooks, "request", "cart", {"id": "SKU-1", "amount": 0})
    assert hooks.session_data == {}
    # And strict=False for one call wins over the setting.
    assert queue_event_for(hooks, "request", "cart", {"id": "SKU-1", "amount": 0}, strict=False)


@pytest.mark.parametrize("stored", [
    "not a list",
    [["cart"]],
    [["cart", {"id": "SKU-1"}]],  # data that is not JSON text: not ours
    [["cart", "{not json"]],
    [["no such event!", '"SKU-1"']],
    [[1, '"SKU-1"']],
    [["cart", '{"id": "SKU-1", "amount": 5000}']],  # from an older release: checked again
])
def test_a_tampered_or_stale_queue_never_breaks_the_page(stored: Any) -> None:
    hooks = SessionHooks(Settings(strict=True))  # the queue renders leniently anyway
    assert hooks.session_data is not None
    hooks.session_data[EVENTS_SESSION_KEY] = stored
    html = render_queued_events_for(hooks, {})
    calls = run_page(str(html)) if html else []
    assert calls in ([], [["track", "cart", {"id": "SKU-1"}]])
    assert EVENTS_SESSION_KEY not in hooks.session_data


def test_the_queued_events_keep_their_order_beside_good_and_bad_entries() -> None:
    hooks = SessionHooks()
    assert hooks.session_data is not None
    hooks.session_data[EVENTS_SESSION_KEY] = [["cart", '"A"'], ["junk"], ["view", '"B"']]
    assert run_page(str(render_queued_events_for(hooks, {}))) == [
        ["track", "cart", "A"], ["track", "view", "B"]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.sampled_from(HOSTILE_STRINGS) | st.text(max_size=40),
       event=st.sampled_from(["view", "cart", "search", "purchase", "signup_done"]))
def test_hostile_data_through_the_session_renders_as_it_would_directly(text: str,
                                                                        event: str) -> None:
    data: Any = {
        "view": {"id": text},
        "cart": {"id": "SKU-1", "line_id": text, "fashion_size": text},
        "search": text,
        "purchase": {"order": text, "promocode": text, "products": [{"id": text or "x"}]},
        "signup_done": {"label": text, "note": text},
    }[event]
    hooks = SessionHooks()
    direct = render_track(event, data)
    queued = queue_event_for(hooks, "request", event, data)
    assert queued is (direct != "")
    html = render_queued_events_for(hooks, {})
    assert html == direct  # byte for byte: the session changed nothing
    if html:
        assert run_snippet(str(html)) == [["track", event, check_event(event, data).payload]]
