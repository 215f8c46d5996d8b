"""gate_script and ConsentSource: validation, the exact markup for each consent source,
both HTML parsers' view of it, and its code run in V8 against fake CMP APIs.

Expected attributes are written from each CMP's documentation (Cookiebot
``data-cookieconsent``, OneTrust ``optanon-category-C0004``, Klaro
``data-type``/``data-name``, vanilla-cookieconsent ``data-category``).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import html5lib
import pytest

from pc_snippets.core.consent_gate import CONSENT_KINDS, ConsentSource, gate_script

from .oracles import JsEngine, single_script

NONCE = ' nonce="bm9uY2U="'
CODE = 'personaclick("track","view",{"id":"SKU-1"});'
HOSTILE = ['x" onload="alert(1)', "pc'];alert(1)//", "!marketing", "<script>", "a b",
           "marketing\n", "", "-x", "m" * 65, "markéting", "a,b", "a.b", "C0004:1"]

# ------------------------------------------------------------------ settings


def test_defaults_per_kind() -> None:
    assert ConsentSource("tcf") == ConsentSource("tcf", purposes=(1,))
    assert ConsentSource("tcf").vendor_id is None
    assert ConsentSource("google").purposes == (
        "ad_user_data", "ad_personalization", "analytics_storage")
    assert ConsentSource("cookiebot").category == "marketing"
    assert ConsentSource("onetrust").category == "C0004"
    assert ConsentSource("klaro").category == "personaclick"
    assert ConsentSource("cookieconsent").category == "marketing"
    assert [ConsentSource(k).activated for k in CONSENT_KINDS] == [
        False, False, True, True, True, True]


def test_settings_are_normalised_frozen_and_hashable() -> None:
    source = ConsentSource("tcf", purposes=[3, 1, 3], vendor_id=755)
    assert source.purposes == (3, 1)
    assert source == ConsentSource("tcf", purposes=(3, 1), vendor_id=755)
    assert len({source, ConsentSource("tcf", purposes=(3, 1), vendor_id=755)}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        source.kind = "google"  # type: ignore[misc]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "iab"}, "kind must be one of 'tcf', 'google', 'cookiebot', 'onetrust', 'klaro', "
                      "'cookieconsent'"),
    ({"kind": "TCF"}, "kind must be one of"),
    ({"kind": None}, "kind must be one of"),
    ({"kind": "tcf", "purposes": [0]}, "TCF purposes must be integers 1-11 (at least one)"),
    ({"kind": "tcf", "purposes": [12]}, "TCF purposes must be integers 1-11"),
    ({"kind": "tcf", "purposes": [True]}, "TCF purposes must be integers 1-11"),
    ({"kind": "tcf", "purposes": ["1"]}, "TCF purposes must be integers 1-11"),
    ({"kind": "tcf", "purposes": []}, "TCF purposes must be integers 1-11 (at least one)"),
    ({"kind": "tcf", "purposes": 1}, "TCF purposes must be integers 1-11 (a list or tuple"),
    ({"kind": "tcf", "vendor_id": 0}, "vendor_id must be a TCF vendor id: an integer 1-65535"),
    ({"kind": "tcf", "vendor_id": 65536}, "vendor_id must be a TCF vendor id"),
    ({"kind": "tcf", "vendor_id": "755"}, "vendor_id must be a TCF vendor id"),
    ({"kind": "tcf", "vendor_id": True}, "vendor_id must be a TCF vendor id"),
    ({"kind": "tcf", "category": "marketing"}, "category is not a setting of 'tcf'"),
    ({"kind": "google", "purposes": "ad_storage"}, "Consent Mode purposes must be consent "
                                                   "types: ad_personalization, ad_storage"),
    ({"kind": "google", "purposes": ["ads"]}, "Consent Mode purposes must be consent types"),
    ({"kind": "google", "vendor_id": 1}, "vendor_id is a TCF setting"),
    ({"kind": "cookiebot", "purposes": [1]}, "purposes are TCF or Consent Mode settings"),
    ({"kind": "cookiebot", "category": "necessary"}, "category for 'cookiebot' must be "
                                                     "'preferences', 'statistics' or 'marketing'"),
    ({"kind": "klaro", "category": 5}, "category for 'klaro' must be 1-64 letters"),
])
def test_invalid_settings(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        ConsentSource(**kwargs)


@pytest.mark.parametrize("kind", ["cookiebot", "onetrust", "klaro", "cookieconsent"])
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_category_names_are_refused(kind: str, name: str) -> None:
    with pytest.raises(ValueError, match="category for") as caught:
        ConsentSource(kind, category=name)
    if name:  # the message states the rule and never repeats the value
        assert name not in str(caught.value)


def test_gate_script_refuses_what_could_break_the_element() -> None:
    source = ConsentSource("tcf")
    for code in ["f();</script><script>alert(1)", "f();</SCRIPT>", "<!--", "x<script"]:
        with pytest.raises(ValueError, match=r"^code must be snippet JavaScript"):
            gate_script(code, NONCE, source)
    for attribute in [' nonce="x" onload="alert(1)"', 'nonce="bm9uY2U="', ' nonce="a b"',
                      ' nonce=""', " nonce='bm9uY2U='"]:
        with pytest.raises(ValueError, match=r"^nonce_attribute must be"):
            gate_script(CODE, attribute, source)
    with pytest.raises(TypeError, match=r"^source must be a ConsentSource"):
        gate_script(CODE, NONCE, "tcf")  # type: ignore[arg-type]


# ------------------------------------------------------------------ markup

# From each CMP's documentation: the opening tag, and the data the code receives.
SHAPES = {
    "cookiebot": ('<script type="text/plain" data-cookieconsent="marketing" nonce="bm9uY2U=">',
                  '{"key":"cookiebot:marketing","name":"marketing"}'),
    "onetrust": ('<script type="text/plain" class="optanon-category-C0004" nonce="bm9uY2U=">',
                 '{"key":"onetrust:C0004","name":"C0004"}'),
    "klaro": ('<script type="text/plain" data-type="application/javascript" '
              'data-name="personaclick" nonce="bm9uY2U=">',
              '{"key":"klaro:personaclick","name":"personaclick"}'),
    "cookieconsent": ('<script type="text/plain" data-category="marketing" nonce="bm9uY2U=">',
                      '{"key":"cookieconsent:marketing","name":"marketing"}'),
    "tcf": ('<script nonce="bm9uY2U=">', '{"key":"tcf:1:","purposes":[1],"vendor":null}'),
    "google": ('<script nonce="bm9uY2U=">',
               '{"key":"google:ad_user_data,ad_personalization,analytics_storage:",'
               '"purposes":["ad_user_data","ad_personalization","analytics_storage"]}'),
}


@pytest.mark.parametrize("kind", CONSENT_KINDS)
def test_element_shape(kind: str) -> None:
    html = str(gate_script(CODE, NONCE, ConsentSource(kind)))
    opening, config = SHAPES[kind]
    assert html.startswith(opening + "(function(w,c,f){")
    assert html.endswith(f"}})(window,{config},function(){{{CODE}}});</script>")
    assert html.count("<script") == 1
    without_nonce = str(gate_script(CODE, "", ConsentSource(kind)))
    assert without_nonce.startswith(opening.replace(NONCE, ""))


def test_configured_values_reach_the_code_as_json() -> None:
    html = str(gate_script(CODE, "", ConsentSource("tcf", purposes=(1, 7), vendor_id=755)))
    assert html.endswith('(window,{"key":"tcf:1,7:755","purposes":[1,7],"vendor":755},'
                         f"function(){{{CODE}}});</script>")
    html = str(gate_script(CODE, "", ConsentSource("google", purposes=["ad_storage"])))
    assert '{"key":"google:ad_storage:","purposes":["ad_storage"]}' in html
    html = str(gate_script(CODE, "", ConsentSource("klaro", category="pc-shop_1")))
    assert 'data-name="pc-shop_1"' in html
    assert '{"key":"klaro:pc-shop_1","name":"pc-shop_1"}' in html


@pytest.mark.parametrize("kind", CONSENT_KINDS)
def test_parses_as_html5_without_errors(kind: str) -> None:
    element = str(gate_script(CODE, NONCE, ConsentSource(kind)))
    page = f"<!DOCTYPE html><html><head><title>t</title>{element}</head><body></body></html>"
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    doc = parser.parse(page)
    (script,) = doc.iter("script")
    attributes = dict(script.attrib)
    assert attributes.pop("nonce") == "bm9uY2U="
    if ConsentSource(kind).activated:
        assert attributes.pop("type") == "text/plain"
    assert attributes == {
        "cookiebot": {"data-cookieconsent": "marketing"},
        "onetrust": {"class": "optanon-category-C0004"},
        "klaro": {"data-type": "application/javascript", "data-name": "personaclick"},
        "cookieconsent": {"data-category": "marketing"},
    }.get(kind, {})
    # A second parser agrees, and nothing after the element is swallowed.
    assert single_script(element) == script.text
    assert script.text.endswith(CODE + "});")


# ------------------------------------------------------------------ behaviour in V8

# Listeners on window, and the TCF API's listeners, for the code to register with.
SHIM = """
var __listeners = {}, __tcf = {}, __removed = [], __nextId = 1;
window.addEventListener = function (t, f) { (__listeners[t] = __listeners[t] || []).push(f); };
function __fire(t, detail) {
  (__listeners[t] || []).forEach(function (f) { f({type: t, detail: detail}); });
}
"""
FAKE_TCF = """window.__tcfapi = function (cmd, v, cb, param) {
  if (cmd === "addEventListener") { var id = __nextId++; __tcf[id] = cb;
    cb({eventStatus: "cmpuishown", listenerId: id, gdprApplies: true,
        purpose: {consents: {}}, vendor: {consents: {}}}, true); }
  if (cmd === "removeEventListener") { __removed.push(param); delete __tcf[param]; cb(true); }
};
function __decide(status, purposes, vendors) {
  Object.keys(__tcf).forEach(function (id) { __tcf[id]({eventStatus: status, listenerId: +id,
    gdprApplies: true, purpose: {consents: purposes}, vendor: {consents: vendors || {}}}, true);
  });
}"""
TRACK = ["track", "view", {"id": "SKU-1"}]


def engine_with(*snippets: str, setup: str = "") -> JsEngine:
    engine = JsEngine(sdk_loaded=False)
    engine.run(SHIM + setup)
    for html in snippets:
        engine.run(single_script(html))
    return engine


def queued(engine: JsEngine) -> Any:
    """The calls queued so far; an error the code caught and rethrew later fails the test."""
    assert engine.json("__deferred.length") == 0
    return engine.queued()


def test_tcf_gate_in_v8() -> None:
    source = ConsentSource("tcf", purposes=(1, 2), vendor_id=9)
    engine = engine_with(gate_script(CODE, "", source), gate_script(CODE, "", source),
                         setup=FAKE_TCF)
    assert engine.json("Object.keys(__tcf).length") == 1  # one watcher for both snippets
    assert engine.json("typeof window.personaclick") == "undefined"  # nothing yet
    engine.run('__decide("cmpuishown", {1: true, 2: true}, {9: true})')  # not a decision
    engine.run('__decide("useractioncomplete", {1: true, 2: true}, {})')  # vendor missing
    assert engine.json("typeof window.personaclick") == "undefined"
    engine.run('__decide("useractioncomplete", {1: true, 2: true}, {9: true})')
    engine.run('__decide("tcloaded", {1: true, 2: true}, {9: true})')
    assert queued(engine) == [TRACK, TRACK]  # each snippet exactly once
    engine.run('__decide("useractioncomplete", {1: true}, {9: true})')  # purpose 2 withdrawn
    engine.run('__decide("useractioncomplete", {}, {})')
    assert queued(engine) == [TRACK, TRACK, ["reset_session"]]
    assert engine.json("__removed") == [1]
    engine.run(single_script(gate_script(CODE, "", source)))  # a later snippet: nothing
    assert queued(engine) == [TRACK, TRACK, ["reset_session"]]


def test_google_gate_in_v8() -> None:
    setup = "window.dataLayer = []; function gtag() { dataLayer.push(arguments); }"
    engine = engine_with(gate_script(CODE, "", ConsentSource("google", purposes=["ad_storage"])),
                         setup=setup)
    engine.run("gtag('consent', 'default', {ad_storage: 'granted', region: ['DE']})")
    engine.run("gtag('consent', 'default', {ad_storage: 'denied'})")
    engine.run("dataLayer.push(['consent', 'update', {ad_storage: 'granted'}])")  # not gtag
    assert engine.json("typeof window.personaclick") == "undefined"
    engine.run("gtag('consent', 'update', {ad_storage: 'granted'})")
    assert queued(engine) == [TRACK]
    engine.run("gtag('consent', 'update', {ad_storage: 'denied'})")
    engine.run("gtag('consent', 'update', {ad_storage: 'granted'})")
    engine.run("gtag('consent', 'update', {ad_storage: 'denied'})")
    assert queued(engine) == [TRACK, ["reset_session"]]


def test_google_region_default_denial_counts() -> None:
    # The page cannot know the visitor's region: a regional denial keeps the gate shut
    # even where the global default grants.
    setup = "window.dataLayer = []; function gtag() { dataLayer.push(arguments); }"
    engine = engine_with(setup=setup)
    engine.run("gtag('consent', 'default', {ad_storage: 'granted'})")
    engine.run("gtag('consent', 'default', {ad_storage: 'denied', region: ['DE']})")
    engine.run(single_script(gate_script(CODE, "", ConsentSource("google",
                                                                  purposes=["ad_storage"]))))
    assert engine.json("typeof window.personaclick") == "undefined"


@pytest.mark.parametrize(("kind", "withdraw"), [
    ("cookiebot", "window.Cookiebot = {consent: {marketing: false}}; __fire('CookiebotOnAccept')"),
    ("onetrust", "__fire('OneTrustGroupsUpdated', ['C0001', 'C0002'])"),
    ("cookieconsent", "__fire('cc:onChange', {cookie: {categories: ['necessary']}})"),
])
def test_activated_code_runs_once_and_resets_on_withdrawal(kind: str, withdraw: str) -> None:
    # The CMP has activated the script: its code runs at once.
    engine = engine_with(gate_script(CODE, "", ConsentSource(kind)))
    assert queued(engine) == [TRACK]
    engine.run(withdraw)
    engine.run(withdraw)
    assert queued(engine) == [TRACK, ["reset_session"]]


def test_activated_code_ignores_changes_that_keep_consent() -> None:
    engine = engine_with(gate_script(CODE, "", ConsentSource("onetrust")),
                         gate_script(CODE, "", ConsentSource("cookieconsent")))
    engine.run("__fire('OneTrustGroupsUpdated', ['C0001', 'C0004'])")
    engine.run("__fire('cc:onChange', {cookie: {categories: ['necessary', 'marketing']}})")
    assert queued(engine) == [TRACK, TRACK]
    assert engine.json("__listeners['OneTrustGroupsUpdated'].length") == 1
