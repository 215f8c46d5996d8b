"""Renderers: profile set/get, init loader, generic calls, nonce, consent, nothing kept."""

from __future__ import annotations

import datetime
import gc
import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest
from markupsafe import Markup

import pc_snippets
from pc_snippets import (
    EXAMPLE_PROFILE,
    Guard,
    ProfileError,
    UnsafeValueError,
    check_profile,
    render_call,
    render_init,
    render_profile_get,
    render_profile_set,
)
from tests.oracles import JsEngine, parse_html5lib, run_snippet, single_script

SHOP_ID = "357382bf66ac0ce2f1722677c59511"


# ---------------------------------------------------------------- profile set

def test_seed_example_round_trips() -> None:
    html = render_profile_set(EXAMPLE_PROFILE)
    assert isinstance(html, Markup)
    expected = check_profile(EXAMPLE_PROFILE).payload
    assert "age" not in expected  # dropped with age_mismatch, as intended
    assert [p.code for p in check_profile(EXAMPLE_PROFILE).problems] == ["age_mismatch"]
    assert set(expected) == set(EXAMPLE_PROFILE) - {"age"}
    assert run_snippet(html) == [["profile", "set", expected]]


def test_seed_example_queued_before_the_sdk_loads() -> None:
    html = render_profile_set(EXAMPLE_PROFILE)
    expected = check_profile(EXAMPLE_PROFILE).payload
    assert run_snippet(html, sdk_loaded=False) == [["profile", "set", expected]]


def test_snippet_before_and_after_loader_in_one_page() -> None:
    engine = JsEngine(sdk_loaded=False)
    engine.run(single_script(render_profile_set({"gender": "f"})))
    engine.run(single_script(render_init(SHOP_ID)))
    engine.run(single_script(render_call("track", "view", {"id": "SKU-1"})))
    assert engine.queued() == [
        ["profile", "set", {"gender": "f"}], ["init", SHOP_ID], ["track", "view", {"id": "SKU-1"}],
    ]


def test_lenient_logs_each_problem_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pc_snippets")
    render_profile_set({"gender": "x", "phone": "1", "first_name": "Ann"})
    records = [r for r in caplog.records if r.name == "pc_snippets"]
    assert len(records) == 2
    assert "gender" in records[0].getMessage()
    assert "invalid_gender" in records[0].getMessage()
    assert "invalid_phone" in records[1].getMessage()


def test_strict_raises() -> None:
    with pytest.raises(ProfileError):
        render_profile_set({"gender": "x", "first_name": "Ann"}, strict=True)


def test_nothing_valid_renders_empty_markup() -> None:
    for data in ({}, {"gender": "x"}, {"email": "test@example.com", "age": 0}, None,
                 {"first_name": "   "}):
        out = render_profile_set(data)
        assert out == ""
        assert isinstance(out, Markup)


def test_deterministic_output() -> None:
    outputs = {str(render_profile_set(dict(EXAMPLE_PROFILE))) for _ in range(5)}
    assert len(outputs) == 1


DETERMINISM_SCRIPT = f"""
import datetime, json
from pc_snippets import EXAMPLE_PROFILE, render_call, render_init, render_profile_get
from pc_snippets import render_profile_set
print(json.dumps([render_profile_get(callback="a.b"), render_init("{SHOP_ID}", stream="web"),
                  render_call("track", "view", {{"a": 1}}),
                  render_profile_set(EXAMPLE_PROFILE, today=datetime.date(2024, 6, 1))]))
"""


def test_deterministic_across_processes() -> None:
    # Fresh interpreters (empty caches, other hash seeds) must render the same text.
    get = render_profile_get(callback="a.b")
    init = render_init(SHOP_ID, stream="web")
    call = render_call("track", "view", {"a": 1})
    profile = render_profile_set(EXAMPLE_PROFILE, today=datetime.date(2024, 6, 1))
    for seed in ("1", "2"):
        fresh = subprocess.run(
            [sys.executable, "-c", DETERMINISM_SCRIPT], capture_output=True, text=True,
            env={**os.environ, "PYTHONHASHSEED": seed}, check=True, timeout=60,
        )
        assert json.loads(fresh.stdout) == [get, init, call, profile]
    # And what the text does, checked in V8.
    engine = captured_handler(get)
    engine.run("window.a = {b: function (p) { window.__got = p; }};")
    answer(engine)
    assert engine.json("__got") == PROFILE_ANSWER
    assert run_snippet(init) == [["init", SHOP_ID, "web"]]
    assert run_snippet(call) == [["track", "view", {"a": 1}]]
    expected = check_profile(EXAMPLE_PROFILE, today=datetime.date(2024, 6, 1)).payload
    assert run_snippet(profile) == [["profile", "set", expected]]


def test_profile_set_accepts_a_check_result() -> None:
    result = check_profile({"gender": "female"})
    assert run_snippet(render_profile_set(result)) == [["profile", "set", {"gender": "f"}]]


# ---------------------------------------------------------------- consent

def test_consent_false_renders_no_personal_data() -> None:
    assert render_profile_set(EXAMPLE_PROFILE, consent=False) == ""
    assert render_profile_get(callback="a.b", consent=False) == ""
    assert render_call("track", "view", {"id": 1}, consent=False) == ""
    for out in (render_profile_set(EXAMPLE_PROFILE, consent=False),
                render_profile_get(consent=False), render_call("x", consent=False)):
        assert isinstance(out, Markup)
    calls = run_snippet(render_init(SHOP_ID, consent=False))
    assert calls == [["init", SHOP_ID, None, None, None, {"consent": False}]]


def test_consent_true_or_unknown_renders() -> None:
    assert render_profile_set({"gender": "m"}, consent=True) == render_profile_set({"gender": "m"})
    assert run_snippet(render_init(SHOP_ID, consent=True)) == [
        ["init", SHOP_ID, None, None, None, {"consent": True}]
    ]


# ---------------------------------------------------------------- nonce

@pytest.mark.parametrize("nonce", [
    "abc123", "r4nd0m+/base64==", "url-safe_nonce", "QUJD", "QUI=", "a" * 256,
])
def test_valid_nonces(nonce: str) -> None:
    for html in (render_profile_set({"gender": "f"}, nonce=nonce),
                 render_profile_get(nonce=nonce), render_init(SHOP_ID, nonce=nonce),
                 render_call("track", "view", nonce=nonce)):
        assert html.startswith(f'<script nonce="{nonce}">')
        single_script(html)
        page = f"<!DOCTYPE html><html><head></head><body>{html}</body></html>"
        import html5lib

        doc = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
        [script] = list(doc.iter("script"))
        assert script.get("nonce") == nonce
        assert dict(script.attrib) == {"nonce": nonce}


@pytest.mark.parametrize("nonce", [
    "", "a b", 'a"b', "a'b", "<x>", "a>b", "abc&def", "ab=c", "abc===", "===", " abc",
    "abc\n", "ab\x00c", "a" * 257, "абв", 123, b"abc",
])
def test_hostile_nonces_refused(nonce: Any) -> None:
    for render in (
        lambda: render_profile_set({"gender": "f"}, nonce=nonce),
        lambda: render_profile_get(nonce=nonce),
        lambda: render_init(SHOP_ID, nonce=nonce),
        lambda: render_call("track", nonce=nonce),
    ):
        with pytest.raises(ValueError, match="nonce"):
            render()


def test_the_last_nonce_is_reused_exactly_and_never_for_another_value() -> None:
    # A page's snippets share one nonce; the check is skipped only for the very
    # same text, so a near miss right after a valid nonce is still refused.
    first = render_init(SHOP_ID, nonce="QUJD")
    assert render_init(SHOP_ID, nonce="QUJD") == first
    assert render_profile_get(nonce="QUJD").startswith('<script nonce="QUJD">')
    for near_miss in ("QUJD ", "QUJD\n", "QUJD===", " QUJD", "QUJD\x00"):
        with pytest.raises(ValueError, match="nonce"):
            render_init(SHOP_ID, nonce=near_miss)
    assert render_init(SHOP_ID, nonce="QUJD") == first
    assert render_init(SHOP_ID, nonce="QUJE") != first


# ---------------------------------------------------------------- profile get

PROFILE_ANSWER = {"gender": "f", "fashion": {"sizes": {"shoe": 38}}, "pets": ["cat"]}


def captured_handler(html: str) -> JsEngine:
    engine = JsEngine()
    engine.run(single_script(html))
    calls = engine.calls()
    assert len(calls) == 1
    assert calls[0][:2] == ["profile", "get"]
    assert engine.ctx.eval("typeof __calls[0][2]") == "function"
    return engine


def answer(engine: JsEngine, profile: Any = PROFILE_ANSWER) -> None:
    engine.run(f"__calls[0][2]({pc_snippets.dumps_js(profile)})")


def test_callback_resolved_at_answer_time_with_this_binding() -> None:
    engine = captured_handler(render_profile_get(callback="window.shop.onProfile"))
    # Defined only after the snippet ran: looked up when the SDK answers.
    engine.run("window.shop = {name: 'shop', got: [], onProfile: function (p) {"
               " this.got.push([this.name, p]); }};")
    answer(engine)
    assert engine.json("shop.got") == [["shop", PROFILE_ANSWER]]
    assert engine.json("__deferred.length") == 0


def test_callback_without_window_prefix() -> None:
    engine = captured_handler(render_profile_get(callback="shop.onProfile"))
    engine.run("var shop = {onProfile: function (p) { window.__seen = [this === shop, p]; }};")
    answer(engine)
    assert engine.json("__seen") == [True, PROFILE_ANSWER]


@pytest.mark.parametrize("setup", ["", "window.shop = {};", "window.shop = null;",
                                   "window.shop = {onProfile: 5};"])
def test_missing_callback_tolerated(setup: str) -> None:
    engine = captured_handler(render_profile_get(callback="shop.onProfile", event=True))
    engine.run(setup)
    answer(engine)  # must not throw
    assert engine.json("__deferred.length") == 0
    assert engine.json("__events") == [{"type": "personaclick:profile", "detail": PROFILE_ANSWER}]


def test_default_event_dispatched_with_detail() -> None:
    engine = captured_handler(render_profile_get())
    answer(engine)
    assert engine.json("__events") == [{"type": "personaclick:profile", "detail": PROFILE_ANSWER}]


def test_named_event_and_non_object_answer() -> None:
    engine = captured_handler(render_profile_get(event="shop:profile"))
    answer(engine, None)
    assert engine.json("__events") == [{"type": "shop:profile", "detail": {}}]


def test_callback_error_does_not_stop_the_event() -> None:
    engine = captured_handler(render_profile_get(callback="boom", event=True))
    engine.run("window.boom = function () { throw new Error('x'); };")
    answer(engine)
    assert engine.json("__events.length") == 1
    assert engine.json("__deferred.length") == 1  # rethrown asynchronously


FILL_SHIM = """
var __elements = [];
function HTMLElement() {}
function fakeElement(path) {
  var el = Object.assign(Object.create(HTMLElement.prototype), {
            path: path, textContent: "untouched", htmlWrites: 0, localName: "span",
            getAttribute: function (name) {
              return name === "data-personaclick-profile" ? this.path : null; }});
  Object.defineProperty(el, "innerHTML", {
    get: function () { return ""; }, set: function (v) { this.htmlWrites++; }});
  Object.defineProperty(el, "outerHTML", {
    get: function () { return ""; }, set: function (v) { this.htmlWrites++; }});
  __elements.push(el);
  return el;
}
["gender", "fashion.sizes.shoe", "fashion.sizes.hat", "missing.deep.key", "pets",
 "bio", "__proto__", "constructor.name", "toString"].forEach(fakeElement);
document.querySelectorAll = function (sel) {
  return sel === "[data-personaclick-profile]" ? __elements : [];
};
"""


def test_fill_writes_text_only_and_tolerates_missing_keys() -> None:
    engine = captured_handler(render_profile_get(fill=True))
    engine.run(FILL_SHIM)
    answer(engine, {**PROFILE_ANSWER, "bio": "<img src=x onerror=alert(1)>"})
    elements = engine.json("__elements.map(function (e) { return [e.path, e.textContent, "
                           "e.htmlWrites]; })")
    assert elements == [
        ["gender", "f", 0],
        ["fashion.sizes.shoe", "38", 0],
        ["fashion.sizes.hat", "untouched", 0],
        ["missing.deep.key", "untouched", 0],
        ["pets", "untouched", 0],  # objects/arrays are not written
        ["bio", "<img src=x onerror=alert(1)>", 0],  # as text, never HTML
        ["__proto__", "untouched", 0],  # own keys only
        ["constructor.name", "untouched", 0],
        ["toString", "untouched", 0],
    ]
    assert engine.json("__deferred.length") == 0


def test_fill_waits_for_dom_content_loaded() -> None:
    engine = captured_handler(render_profile_get(fill=True))
    engine.run(FILL_SHIM + "document.readyState = 'loading'; var __listeners = [];"
               "document.addEventListener = function (t, f) { __listeners.push([t, f]); };")
    answer(engine)
    assert engine.json("__elements[0].textContent") == "untouched"
    assert engine.json("__listeners.map(function (l) { return l[0]; })") == ["DOMContentLoaded"]
    engine.run("__listeners[0][1]()")
    assert engine.json("__elements[0].textContent") == "f"


def test_spa_flag_passed() -> None:
    engine = captured_handler(render_profile_get(spa=True))
    assert engine.calls()[0][3] is True


@pytest.mark.parametrize("callback", [
    "", "window", "1abc", "a..b", ".a", "a.", "a-b", "a b", "shop.class", "this.x",
    "alert(1)", "a[0]", "__proto__", "a.constructor", "a.prototype", "new", "eval",
    "shop.onProfile;alert(1)", "</script>", "a.b\u2028c", "Ωmega",
])
def test_invalid_callback_names_refused(callback: str) -> None:
    with pytest.raises(ValueError, match="callback"):
        render_profile_get(callback=callback)


@pytest.mark.parametrize("event", ["", "a b", "<x>", "1abc", "x" * 65, 'a"b'])
def test_invalid_event_names_refused(event: str) -> None:
    with pytest.raises(ValueError, match="event"):
        render_profile_get(event=event)


# ---------------------------------------------------------------- init and loader

LOADER_SHIM = """
document.getElementsByTagName = function (tag) {
  return __appended.filter(function (e) { return e.tag === tag; });
};
"""


def appended(engine: JsEngine) -> list[dict[str, Any]]:
    return engine.json(  # type: ignore[no-any-return]
        "__appended.map(function (e) { return {tag: e.tag, rel: e.rel || null, "
        "href: e.href || null, as: e.as || null, src: e.src || null, async: !!e.async}; })"
    )


def test_loader_appends_hints_and_script_once() -> None:
    engine = JsEngine(sdk_loaded=False)
    engine.run(LOADER_SHIM)
    code = single_script(render_init(SHOP_ID))
    engine.run(code)
    engine.run(code)  # a second loader on the same page adds nothing
    cdn = "https://cdn.personaclick.com"
    assert appended(engine) == [
        {"tag": "link", "rel": "dns-prefetch", "href": cdn, "as": None, "src": None,
         "async": False},
        {"tag": "link", "rel": "preconnect", "href": cdn, "as": None, "src": None,
         "async": False},
        {"tag": "link", "rel": "preload", "href": f"{cdn}/v3.js", "as": "script", "src": None,
         "async": False},
        {"tag": "script", "rel": None, "href": None, "as": None, "src": f"{cdn}/v3.js",
         "async": True},
    ]
    assert engine.queued() == [["init", SHOP_ID], ["init", SHOP_ID]]


def test_loader_gives_its_nonce_to_the_script_and_the_preload_hint() -> None:
    # Both are script requests, which a nonce CSP without 'strict-dynamic' refuses
    # unless they carry the nonce; the other two hints are no script requests.
    engine = JsEngine(sdk_loaded=False)
    engine.run(LOADER_SHIM + 'document.currentScript = {nonce: "bG9hZGVy"};')
    engine.run(single_script(render_init(SHOP_ID, nonce="bG9hZGVy")))
    assert engine.json("__appended.map(function (e) { return [e.rel || e.tag, e.nonce || null]; })"
                       ) == [["dns-prefetch", None], ["preconnect", None],
                             ["preload", "bG9hZGVy"], ["script", "bG9hZGVy"]]


def test_loader_uses_cdn_host() -> None:
    engine = JsEngine()
    engine.run(single_script(render_init(SHOP_ID, cdn_host=" CDN.Example-Shop.net ")))
    srcs = [e["src"] or e["href"] for e in appended(engine)]
    assert srcs == ["https://cdn.example-shop.net"] * 2 + ["https://cdn.example-shop.net/v3.js"] * 2
    assert engine.calls() == [
        ["init", SHOP_ID, None, None, None, {"cdn_host": "cdn.example-shop.net"}]
    ]


@pytest.mark.parametrize(("kwargs", "args"), [
    ({}, [SHOP_ID]),
    ({"stream": "web"}, [SHOP_ID, "web"]),
    ({"stream": "ios_APP_16chars_"[:16]}, [SHOP_ID, "ios_APP_16chars_"]),
    ({"spa": True}, [SHOP_ID, None, None, None, None, True]),
    ({"spa": False}, [SHOP_ID]),
    ({"cookieless": True}, [SHOP_ID, None, None, None, {"cookieless": True}]),
    ({"device_id": "dev-1.2:3_4"}, [SHOP_ID, None, None, None, {"did": "dev-1.2:3_4"}]),
    ({"api_host": "api.shop.com"}, [SHOP_ID, None, None, None, {"api_host": "api.shop.com"}]),
    ({"stream": "m", "consent": False, "spa": True},
     [SHOP_ID, "m", None, None, {"consent": False}, True]),
])
def test_init_arguments(kwargs: dict[str, Any], args: list[Any]) -> None:
    assert run_snippet(render_init(SHOP_ID, **kwargs)) == [["init", *args]]


@pytest.mark.parametrize("kwargs", [
    {"shop_id": ""}, {"shop_id": "a b"}, {"shop_id": "a\"b"}, {"shop_id": "x" * 65},
    {"shop_id": "<script>"}, {"shop_id": 42},
    {"stream": ""}, {"stream": "x" * 17}, {"stream": "a-b"}, {"stream": "a b"},
    {"stream": "</script>"}, {"api_host": "http://api.shop.com"}, {"api_host": "a/b"},
    {"api_host": "a b.com"}, {"cdn_host": "evil.com/x.js?"}, {"cdn_host": "-bad.com"},
    {"device_id": ""}, {"device_id": "a b"}, {"device_id": "x" * 129}, {"device_id": "<x>"},
])
def test_init_validation(kwargs: dict[str, Any]) -> None:
    shop_id = kwargs.pop("shop_id", SHOP_ID)
    with pytest.raises(ValueError):  # noqa: PT011 - each argument has its own message
        render_init(shop_id, **kwargs)


# ---------------------------------------------------------------- generic calls

def test_render_call_round_trips() -> None:
    args = ["view", {"id": "SKU-</script>", "price": 12.5, "tags": ["a", "\u2028"]}]
    assert run_snippet(render_call("track", *args)) == [["track", *args]]
    assert run_snippet(render_call("segment", "add", 7)) == [["segment", "add", 7]]


@pytest.mark.parametrize("command", [
    "", "1track", "track()", "tr ack", "a.b", "track;alert(1)", "</script>", "x" * 65, None, 5,
])
def test_render_call_refuses_bad_commands(command: Any) -> None:
    with pytest.raises(ValueError, match="command"):
        render_call(command)


@pytest.mark.parametrize(("arg", "error"), [
    (float("nan"), UnsafeValueError), ({"__proto__": {}}, UnsafeValueError),
    (2**60, UnsafeValueError), (f"x{chr(0xD800)}", UnsafeValueError),
    (object(), TypeError), ({1, 2}, TypeError), (lambda: 1, TypeError),
])
def test_render_call_refuses_unsafe_args(arg: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        render_call("track", "view", arg)


# ---------------------------------------------------------------- nothing kept

PROFILES = [
    {"id": i, "email": f"user{i}@mail.com", "first_name": f"Name{i}", "gender": "mf"[i % 2]}
    for i in range(1, 30)
]


def _reachable_text(marker: str) -> list[str]:
    """Every string containing ``marker`` held by any object the collector tracks."""
    found = []
    for obj in gc.get_objects():
        # type(), not isinstance(): isinstance reads __class__, which makes lazy
        # proxies (Django's settings, a lazy nonce) evaluate themselves.
        kind = type(obj)
        if issubclass(kind, dict):
            values: Any = [*obj.keys(), *obj.values()]
        elif issubclass(kind, (list, tuple, set, frozenset)):
            values = obj
        else:
            continue
        found.extend(v for v in values if issubclass(type(v), str) and marker in v)
    return found


def test_nothing_about_a_visitor_is_kept_after_the_render() -> None:
    marker = "kept-nowhere-" + os.urandom(4).hex()
    for i in range(3):  # a repeat visitor, as on every page view
        for bad in ("x", "m"):  # a clean and a refused profile
            data = {"email": f"{marker}{i}@mail.com", "first_name": f"{marker}", "gender": bad}
            html = render_profile_set(data)
            assert marker in html
            del data, html
    gc.collect()
    assert _reachable_text(marker) == []


def test_repeat_renders_are_checked_each_time(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pc_snippets")
    outputs = [str(render_profile_set(p)) for p in PROFILES * 3]
    for html, profile in zip(outputs, PROFILES * 3, strict=True):
        assert run_snippet(html) == [["profile", "set", check_profile(profile).payload]]
    data = {"first_name": "Ann", "gender": "x"}
    assert len({render_profile_set(data) for _ in range(3)}) == 1
    assert len([r for r in caplog.records if "invalid_gender" in r.getMessage()]) >= 1


def test_a_date_and_its_text_are_checked_alike() -> None:
    # Under the memo a date and its "YYYY-MM-DD" text shared a key, so a refused
    # profile could be served from it and strict=True did not raise.
    day = datetime.date(2030, 1, 1)
    tomorrow = day + datetime.timedelta(days=1)
    for _ in range(3):
        for birthday in (tomorrow, tomorrow.isoformat()):
            data = {"birthday": birthday, "gender": "f"}
            with pytest.raises(ProfileError):
                render_profile_set(data, strict=True, today=day)
            assert run_snippet(render_profile_set(data, today=day)) == [
                ["profile", "set", {"gender": "f"}]]


def test_different_guards_give_their_own_answers() -> None:
    data = {"email": "jane@noemail.myshop.com", "gender": "f"}
    plain = render_profile_set(data)
    assert "noemail" in plain
    strict_guard = Guard(placeholder_domains=["myshop.com"])
    guarded = render_profile_set(data, guard=strict_guard)
    assert "noemail" not in guarded
    assert run_snippet(guarded) == [["profile", "set", {"gender": "f"}]]
    assert render_profile_set(data) == plain


def test_custom_properties_are_rendered_per_call() -> None:
    data = {"gender": "f"}
    one = render_profile_set(data, custom={"size": "M"})
    two = render_profile_set(data, custom={"size": "L"})
    assert run_snippet(one) == [["profile", "set", {"gender": "f", "size": "M"}]]
    assert run_snippet(two) == [["profile", "set", {"gender": "f", "size": "L"}]]
    assert run_snippet(render_profile_set(data)) == [["profile", "set", {"gender": "f"}]]


def test_mutating_input_after_render_gives_fresh_output() -> None:
    data = {"first_name": "Ann", "gender": "f"}
    first = render_profile_set(data)
    data["first_name"] = "Bob"
    second = render_profile_set(data)
    assert run_snippet(first)[0][2]["first_name"] == "Ann"
    assert run_snippet(second)[0][2]["first_name"] == "Bob"


def test_parse_is_single_script_for_every_renderer() -> None:
    for html in (render_profile_set(EXAMPLE_PROFILE), render_profile_get(fill=True),
                 render_init(SHOP_ID, stream="web", spa=True), render_call("track", "view")):
        assert len(parse_html5lib(html).scripts) == 1
        single_script(html)


def test_profiles_alike_in_their_ids_get_their_own_output() -> None:
    # Same id, email, phone and field count, different content.
    jane = {"id": 7, "email": "jane@mail.com", "first_name": "Jane"}
    anna = {"id": 7, "email": "jane@mail.com", "first_name": "Anna"}
    for _ in range(3):
        for data in (jane, anna):
            assert run_snippet(render_profile_set(data)) == [
                ["profile", "set", check_profile(data).payload]
            ]
