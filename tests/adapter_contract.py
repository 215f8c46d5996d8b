"""The contract every adapter keeps, run against each of them.

One test base, as django-csp runs one script-tag test base for both of its front
ends: each adapter's test file subclasses :class:`AdapterContract` (Jinja alone),
:class:`HttpContract` (adapters with responses: Cache-Control) or
:class:`SessionContract` (adapters with sessions: send-once) and says only how to
build a site with given settings and how to fetch a page from it. The same
profile goes in everywhere, and the same snippets must come out: byte for byte
the core's, with the request's nonce, the same consent and caching behaviour,
the same settings checks and messages.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from pc_snippets import (
    ConsentSource,
    EventError,
    ProfileError,
    check_event,
    check_profile,
    render_call,
    render_init,
    render_profile_get,
    render_profile_set,
    render_track,
)
from pc_snippets.adapter import Naming, private_cache_control
from tests.oracles import JsEngine
from tests.pages import (
    PUBLIC_HEADERS,
    assert_placeholder_dropped,
    assert_private_for_shared_caches,
    calls_named,
    page_scripts,
    public_headers_kept,
    run_navigated_page,
    run_page,
)

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
EXPLICIT_NONCE = "ZXhwbGljaXQ="
CONTEXT_NONCE = "Y29udGV4dA=="

#: The visitors, the same data for every adapter (``None``: an anonymous visitor).
VISITORS: dict[str, dict[str, Any]] = {
    "jane": {"id": 1, "email": "Jane.Doe@Mail.com", "first_name": "Jane", "last_name": "Doe"},
    "bob": {"id": 2, "email": "bob@mail.com", "first_name": "Bob"},
    "placeholder": {"id": 3, "email": "anonymous@example.com", "first_name": "Pat"},
    "national": {"id": 4, "email": "ivan@mail.ru", "phone": "8 (912) 954-96-56"},
    "epoch": {"id": 5, "email": "eve@mail.com", "birthday": "1970-01-01"},
}

# One source for Django templates and Jinja: both read `name=value` keywords, string
# literals and True/False (Django's literals; Jinja has them too) without commas.
# (Not two string literals in a row: Jinja joins adjacent strings into one.)
PAGE = ('<!DOCTYPE html><html><head><title>{{ title }}</title>{% personaclick_init %}</head>'
        '<body>{% personaclick_profile_set %}'
        '{% personaclick_profile_get callback="shop.onProfile" %}'
        '{% personaclick_call "track" item %}</body></html>')
TEMPLATES = {
    "page": PAGE,
    "explicit": (f'{{% personaclick_init nonce="{EXPLICIT_NONCE}" %}}'
                 f'{{% personaclick_profile_set nonce="{EXPLICIT_NONCE}" %}}'
                 f'{{% personaclick_profile_get nonce="{EXPLICIT_NONCE}" %}}'),
    "withheld": "{% personaclick_init consent=False %}{% personaclick_profile_set consent=False %}",
    "granted": ('{% personaclick_init consent=True %}{% personaclick_profile_set consent=True %}'
                '{% personaclick_call "track" item consent=True %}'),
    **{f"bad_{tag}": "{% personaclick_" + tag + ' consent="no" %}'
       for tag in ("init", "profile_set", "profile_get", 'call "track"', 'track "view"')},
    # Commerce events: a product view and the thank-you page's purchase, checked.
    "track": '{% personaclick_track "view" item %}{% personaclick_track "purchase" order %}',
    "track_withheld": '{% personaclick_track "view" item consent=False %}',
    "track_bad": '{% personaclick_track "cart" bad_item %}',
    "track_object": '{% personaclick_track "cart" product %}',
    # The page after a redirect: what a view queued (queue_event), then the
    # thank-you page's own purchase tag.
    "events": "{% personaclick_events %}",
    "events_then_purchase": ('{% personaclick_events %}'
                             '{% personaclick_track "purchase" order %}'),
}
TAGS_PER_PAGE = 4  # the tags of PAGE
CONSENT_SOURCE_RULE = ("{consent_source} must be None, a ConsentSource or one of 'tcf', "
                       "'google', 'cookiebot', 'onetrust', 'klaro', 'cookieconsent'")
@dataclass(frozen=True)
class Product:
    """A shop's product model, with its own attribute names (``track_mapping``)."""

    sku: str
    unit_price: str


#: The variables every page is rendered with (besides what the adapter finds).
PAGE_CONTEXT: dict[str, Any] = {
    "title": "<Shop>", "item": {"id": "SKU-1"},
    # Prices as many shops keep them: decimal text, sent with their exact value.
    "order": {"order": "N-1001", "order_price": "39.80", "email": "Jane.Doe@Mail.com",
              "products": [{"id": "SKU-1", "price": "19.90", "amount": 2}]},
    "bad_item": {"id": "SKU-1", "amount": 0, "price": "19.90"},
    "product": Product("SKU-7", "5.50"),
}

#: What the app's consent callable answers for the ``choice`` a request carries.
ANSWERS: dict[str | None, Any] = {None: None, "yes": True, "no": False,
                                  "zero": 0, "one": 1, "empty": "", "word": "no"}


class Decisions:
    """The app's consent decision, counting how often it is asked."""

    def __init__(self) -> None:
        self.asked = 0

    def __call__(self, choice: str | None) -> Any:
        self.asked += 1
        return ANSWERS[choice]


@dataclass
class Page:
    html: str
    #: The response's headers (the framework's own, case-insensitive), or None.
    headers: Any
    #: The nonce the request offered (its CSP header's, or what the harness set).
    nonce: str | None


def query(template: str, visitor: str | None, choice: str | None, csp_nonce: str | None,
          headers: Mapping[str, str] | None) -> dict[str, str]:
    """A page request as query parameters (what the HTTP harnesses' routes read)."""
    values = {"template": template, "visitor": visitor, "choice": choice,
              "csp_nonce": csp_nonce, "headers": json.dumps(dict(headers)) if headers else None}
    return {key: value for key, value in values.items() if value is not None}


def route_context(args: Mapping[str, str]) -> dict[str, Any]:
    """The template context a harness route renders with, from its query."""
    context = dict(PAGE_CONTEXT)
    if "csp_nonce" in args:
        context["csp_nonce"] = args["csp_nonce"]
    return context


def route_headers(args: Mapping[str, str]) -> dict[str, str]:
    """The response headers a harness route sets, from its query."""
    return json.loads(args["headers"]) if "headers" in args else {}  # type: ignore[no-any-return]


def route_queue(args: Mapping[str, str]) -> list[tuple[str, Any]] | None:
    """The events a harness route queues before redirecting (``None``: a plain page)."""
    if "queue" not in args:
        return None
    return [(event, data) for event, data in json.loads(args["queue"])]


#: Where a harness route redirects after queuing, and the header saying what it queued.
AFTER_QUEUE = "/contract?template=events"
QUEUED_HEADER = "X-Queued"


def queued_header(results: list[bool]) -> dict[str, str]:
    return {QUEUED_HEADER: ",".join("1" if queued else "0" for queued in results)}


def header_nonce(csp: str | None) -> str | None:
    match = re.search(r"'nonce-([^']+)'", csp or "")
    return match.group(1) if match else None


def fresh_nonce() -> str:
    return secrets.token_urlsafe(16)


class Site:
    """A site built with some settings; ``get`` fetches one page from it."""

    def get(self, template: str = "page", *, visitor: str | None = None,
            choice: str | None = None, csp_nonce: str | None = None,
            headers: Mapping[str, str] | None = None) -> Page:
        raise NotImplementedError

    def other_session(self) -> Site:
        """The same site, seen from another browser (no cookies)."""
        raise NotImplementedError

    def queue(self, events: list[tuple[str, Any]], *, choice: str | None = None) -> list[bool]:
        """POST to a view that queues ``events`` and redirects (asserted: a 303 to
        :data:`AFTER_QUEUE`); return what each ``queue_event`` call answered."""
        raise NotImplementedError


class WsgiSite(Site):
    """A site behind a Werkzeug-style test client (Flask's ``test_client()``, Bottle's)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, template: str = "page", *, visitor: str | None = None,
            choice: str | None = None, csp_nonce: str | None = None,
            headers: Mapping[str, str] | None = None) -> Page:
        response = self.client.get("/contract", query_string=query(
            template, visitor, choice, csp_nonce, headers))
        return Page(response.get_data(as_text=True), response.headers,
                    header_nonce(response.headers.get("Content-Security-Policy")))

    def queue(self, events: list[tuple[str, Any]], *, choice: str | None = None) -> list[bool]:
        response = self.client.post("/contract", query_string=queue_query(events, choice))
        return after_queue(response.status_code, response.headers)


def queue_query(events: list[tuple[str, Any]], choice: str | None) -> dict[str, str]:
    """A queuing request's query parameters."""
    values = {"queue": json.dumps(events), "choice": choice}
    return {key: value for key, value in values.items() if value is not None}


def after_queue(status: int, headers: Any) -> list[bool]:
    """Check a queuing view's redirect; return what it queued."""
    assert status == 303
    assert headers["Location"].endswith(AFTER_QUEUE)
    return [flag == "1" for flag in headers[QUEUED_HEADER].split(",") if flag]


class AdapterContract:
    """What every adapter does. A subclass builds sites; the tests are here."""

    #: How the adapter spells the settings table's names.
    naming: ClassVar[Naming]
    #: Whether the consent callable is asked once per request (else once per tag:
    #: plain Jinja has no request, and its callable takes the template context).
    consent_per_request: ClassVar[bool] = True

    decisions: Decisions

    @pytest.fixture(autouse=True)
    def _fresh_decisions(self) -> None:
        self.decisions = Decisions()

    def site(self, **settings: Any) -> Site:
        """A site with these settings (table names; ``debug`` is the framework's flag).

        The shop id is ``SHOP_ID`` unless given; the consent setting is
        ``self.decisions`` over the request's ``choice`` unless given; each
        visitor comes from the request's ``visitor`` (``VISITORS``).
        """
        raise NotImplementedError

    def settings_error(self, **settings: Any) -> str:
        """What the adapter reports for these settings (its exception's text)."""
        raise NotImplementedError

    def spell(self, name: str) -> str:
        return self.naming(name)

    # ------------------------------------------------------------------ snippets

    def test_the_snippets_are_the_core_snippets(self) -> None:
        page = self.site().get(visitor="jane")
        nonce = page.nonce
        assert nonce
        assert [script.nonce for script in page_scripts(page.html)] == [nonce] * 4
        expected = [render_init(SHOP_ID, nonce=nonce),
                    render_profile_set(VISITORS["jane"], nonce=nonce),
                    render_profile_get(callback="shop.onProfile", nonce=nonce),
                    render_call("track", {"id": "SKU-1"}, nonce=nonce)]
        places = [page.html.find(str(snippet)) for snippet in expected]
        assert -1 not in places
        assert places == sorted(places)
        assert "&lt;Shop&gt;" in page.html  # the page's own variables are still escaped
        calls = run_page(page.html)
        assert calls_named(calls, "profile", "set") == [
            ["profile", "set", check_profile(VISITORS["jane"]).payload]]
        assert calls_named(calls, "profile", "set")[0][2]["email"] == "Jane.Doe@mail.com"

    def test_an_anonymous_visitor_gets_no_profile(self) -> None:
        page = self.site().get()
        assert run_page(page.html) == [["init", SHOP_ID], ["profile", "get", None],
                                       ["track", {"id": "SKU-1"}]]

    def test_the_profile_is_checked_once_per_tag(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import pc_snippets.core.check

        real, checks = pc_snippets.core.check._check, []

        def counting(*args: Any) -> Any:
            checks.append(1)
            return real(*args)

        monkeypatch.setattr(pc_snippets.core.check, "_check", counting)
        site = self.site()
        site.get(visitor="jane")
        assert len(checks) == 1
        site.get()
        assert len(checks) == 1  # an anonymous visitor: nothing to check

    # ------------------------------------------------------------------ the nonce

    def test_the_nonce_order(self) -> None:
        site = self.site()
        # 1. An explicit nonce= argument, over the context's and the request's.
        explicit = site.get("explicit", visitor="jane", csp_nonce=CONTEXT_NONCE)
        assert [s.nonce for s in page_scripts(explicit.html)] == [EXPLICIT_NONCE] * 3
        # 2. The template context's csp_nonce, over the request's.
        context = site.get(visitor="jane", csp_nonce=CONTEXT_NONCE)
        assert {s.nonce for s in page_scripts(context.html)} == {CONTEXT_NONCE}
        # 3/4. The request's: a fresh one per request, always the one it offered.
        first, second = site.get(visitor="jane"), site.get(visitor="jane")
        assert first.nonce != second.nonce
        for page in (first, second):
            assert {s.nonce for s in page_scripts(page.html)} == {page.nonce}

    # ------------------------------------------------------------------ consent

    def test_consent_decisions(self) -> None:
        site = self.site()
        refused = site.get(visitor="jane", choice="no")
        assert run_page(refused.html) == [["init", SHOP_ID, None, None, None, {"consent": False}]]
        assert "jane" not in refused.html.lower()
        granted = run_page(site.get(visitor="jane", choice="yes").html)
        assert granted[0] == ["init", SHOP_ID, None, None, None, {"consent": True}]
        assert calls_named(granted, "profile", "set") == [
            ["profile", "set", check_profile(VISITORS["jane"]).payload]]
        undecided = run_page(site.get(visitor="jane").html)
        assert calls_named(undecided, "init") == [["init", SHOP_ID]]
        # Asked once per request, however many tags (plain Jinja: once per tag).
        assert self.decisions.asked == (3 if self.consent_per_request else 3 * TAGS_PER_PAGE)

    @pytest.mark.parametrize("choice", ["zero", "one", "empty", "word"])
    def test_a_consent_answer_that_is_no_decision_is_an_error(self, choice: str) -> None:
        # Fail closed: 0 or "no" is neither consent nor refusal; never read as either.
        name = re.escape(self.spell("consent"))
        with pytest.raises(TypeError, match=rf"{name}\(\.\.\.\) must be True, False or None"):
            self.site().get(visitor="jane", choice=choice)

    def test_a_constant_consent_setting(self) -> None:
        html = self.site(consent=False).get(visitor="jane").html
        assert run_page(html) == [["init", SHOP_ID, None, None, None, {"consent": False}]]

    def test_a_template_may_withhold_consent_but_never_grant_it(self) -> None:
        site = self.site()
        withheld = site.get("withheld", visitor="jane", choice="yes")
        assert run_page(withheld.html) == [["init", SHOP_ID, None, None, None, {"consent": False}]]
        refused = site.get("granted", visitor="jane", choice="no")
        assert run_page(refused.html) == [["init", SHOP_ID, None, None, None, {"consent": False}]]

    @pytest.mark.parametrize("tag", ["init", "profile_set", "profile_get", 'call "track"',
                                     'track "view"'])
    def test_a_consent_argument_that_is_no_bool_is_an_error(self, tag: str) -> None:
        with pytest.raises(TypeError, match="consent must be True, False or None, not a "):
            self.site().get(f"bad_{tag}", visitor="jane")

    def test_a_disabled_adapter_renders_and_asks_nothing(self) -> None:
        page = self.site(enabled=False, shop_id=None).get(visitor="jane", choice="yes")
        assert page_scripts(page.html) == []
        assert self.decisions.asked == 0

    # ------------------------------------------------------------------ problems

    def test_lenient_by_default_logs_field_and_code(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.WARNING, logger="pc_snippets"):
            page = self.site().get(visitor="placeholder")
        assert_placeholder_dropped(page.html, page.nonce or "", warned=False)
        assert "email" in caplog.text
        assert "placeholder_email_domain" in caplog.text
        assert "anonymous@example.com" not in caplog.text

    def test_strict_names_the_field_never_the_value(self) -> None:
        with pytest.raises(ProfileError) as info:
            self.site(strict=True).get(visitor="placeholder")
        assert [p.field for p in info.value.problems] == ["email"]
        assert "anonymous@example.com" not in str(info.value)

    def test_debug_names_dropped_fields_in_the_console(self) -> None:
        page = self.site(debug=True).get(visitor="placeholder")
        assert page.nonce
        assert_placeholder_dropped(page.html, page.nonce, warned=True)

    @pytest.mark.parametrize(
        ("settings", "message"),
        [
            ({"shop_id": None}, "{shop_id} is not set: set it to the shop key"),
            ({"shop_id": "bad id!"}, "{shop_id} is malformed: shop_id must be the shop key"),
            ({"stream": "no spaces"}, "{stream} is malformed: stream must be 1-16 letters"),
            ({"api_host": "10.0.0.1"}, "{api_host} is malformed"),
            ({"strict": "yes"}, "{strict} must be True or False"),
            ({"cookieless": "no"}, "{cookieless} must be True, False or None"),
            ({"cdn_host": 42}, "{cdn_host} must be a string or None"),
            ({"guard_disabled": ["nope"]},
             "{guard_disabled} / {placeholder_domains} / {guard_opt_in}: unknown guard rule "
             "code(s): nope"),
            ({"consent": 0}, "{consent} must be True, False, None or a callable, not a int"),
            ({"phone_region": "ru"},
             '{phone_region} must be an upper-case ISO 3166-1 alpha-2 code such as "RU"'),
            ({"phone_region": 7}, "{phone_region} must be a string or None"),
            ({"track_mapping": ["sku"]},
             "{track_mapping} must be a mapping of product field names to attribute names"),
            ({"track_mapping": {"sku": "id"}}, "{track_mapping}: 'sku' is not a product field"),
            ({"track_mapping": {"id": "unit price"}},
             "{track_mapping}: the attribute for 'id' must be a Python attribute name"),
            ({"navigation": "Turbo"}, '{navigation} must be None, "turbo" or "htmx"'),
            ({"navigation": True}, '{navigation} must be None, "turbo" or "htmx"'),
            ({"consent_source": "TCF"}, CONSENT_SOURCE_RULE),
            ({"consent_source": 7}, CONSENT_SOURCE_RULE),
            ({"consent_source": ["tcf"]}, CONSENT_SOURCE_RULE),
            ({"consent_source": "tcf", "navigation": "turbo"},
             "{consent_source} cannot be combined with {navigation}: set one of them"),
        ],
    )
    def test_settings_are_checked_alike(self, settings: dict[str, Any], message: str) -> None:
        names = {name: self.spell(name) for name in
                 ("shop_id", "stream", "api_host", "cdn_host", "strict", "cookieless",
                  "guard_disabled", "placeholder_domains", "consent", "phone_region",
                  "guard_opt_in", "track_mapping", "navigation", "consent_source")}
        assert message.format(**names) in self.settings_error(**settings)

    def test_an_opt_in_guard_rule_is_switched_on_by_the_setting(self) -> None:
        page = self.site(guard_opt_in=["epoch_birthday"]).get(visitor="epoch")
        assert calls_named(run_page(page.html), "profile", "set") == [
            ["profile", "set", {"id": 5, "email": "eve@mail.com"}]]
        page = self.site().get(visitor="epoch")  # off by default: 1970-01-01 is a real date
        assert calls_named(run_page(page.html), "profile", "set")[0][2]["birthday"] == (
            "1970-01-01")

    def test_the_track_mapping_setting_reads_product_objects(self) -> None:
        page = self.site(track_mapping={"id": "sku", "price": "unit_price"}).get("track_object")
        assert run_page(page.html) == [["track", "cart", {"id": "SKU-7", "price": 5.5}]]

    def test_the_phone_region_setting_reads_national_numbers(self) -> None:
        # Without a region the trunk 8 is not known to be one: sent as written.
        written = calls_named(run_page(self.site().get(visitor="national").html),
                              "profile", "set")
        assert written[0][2]["phone"] == "89129549656"
        page = self.site(phone_region="RU").get(visitor="national")
        assert calls_named(run_page(page.html), "profile", "set") == [
            ["profile", "set", {"id": 4, "email": "ivan@mail.ru", "phone": "79129549656"}]]


    @pytest.mark.parametrize("navigation", ["turbo", "htmx"])
    def test_the_navigation_setting_reaches_every_snippet(self, navigation: str) -> None:
        site = self.site(navigation=navigation)
        page = site.get(visitor="jane")
        assert page.nonce
        nav = {"nonce": page.nonce, "navigation": navigation}
        expected = [render_init(SHOP_ID, **nav),
                    render_profile_set(VISITORS["jane"], **nav),
                    render_profile_get(callback="shop.onProfile", **nav),
                    render_call("track", {"id": "SKU-1"}, **nav)]
        # The setting changes every snippet (else this test could not fail).
        assert str(expected[0]) != str(render_init(SHOP_ID, nonce=page.nonce))
        places = [page.html.find(str(snippet)) for snippet in expected]
        assert -1 not in places
        assert places == sorted(places)
        assert run_navigated_page(page.html) == [
            ["init", SHOP_ID], ["profile", "set", check_profile(VISITORS["jane"]).payload],
            ["profile", "get", None], ["track", {"id": "SKU-1"}]]
        track = site.get("track", visitor="jane")
        for event, data in (("view", PAGE_CONTEXT["item"]), ("purchase", PAGE_CONTEXT["order"])):
            assert str(render_track(event, data, nonce=track.nonce, navigation=navigation)) \
                in track.html

    @pytest.mark.parametrize("source", ["google", ConsentSource(
        "google", purposes=("ad_user_data", "analytics_storage"))], ids=["kind", "object"])
    def test_the_consent_source_setting_gates_every_snippet(self, source: Any) -> None:
        site = self.site(consent_source=source)
        page = site.get(visitor="jane")  # the app's consent callable: no decision
        assert page.nonce
        gate = {"nonce": page.nonce, "consent_source": source}
        expected = [render_init(SHOP_ID, **gate),
                    render_profile_set(VISITORS["jane"], **gate),
                    render_profile_get(callback="shop.onProfile", **gate),
                    render_call("track", {"id": "SKU-1"}, **gate)]
        # The setting changes every snippet (else this test could not fail).
        assert str(expected[1]) != str(render_profile_set(VISITORS["jane"], nonce=page.nonce))
        places = [page.html.find(str(snippet)) for snippet in expected]
        assert -1 not in places
        assert places == sorted(places)
        # In V8 with Consent Mode: nothing before the visitor agrees, everything after.
        engine = JsEngine()
        engine.run("window.dataLayer = []; function gtag() { dataLayer.push(arguments); }")
        for script in page_scripts(page.html):
            engine.run(script.text)
        assert engine.calls() == []
        engine.run("gtag('consent', 'update', {ad_user_data: 'granted', "
                   "ad_personalization: 'granted', analytics_storage: 'granted'})")
        assert engine.calls() == [
            ["init", SHOP_ID], ["profile", "set", check_profile(VISITORS["jane"]).payload],
            ["profile", "get", None], ["track", {"id": "SKU-1"}]]
        track = site.get("track", visitor="jane")
        for event, data in (("view", PAGE_CONTEXT["item"]), ("purchase", PAGE_CONTEXT["order"])):
            assert str(render_track(event, data, **{**gate, "nonce": track.nonce})) in track.html

    def test_a_decision_on_the_server_wins_over_the_consent_source(self) -> None:
        site = self.site(consent_source="tcf")
        granted = site.get(visitor="jane", choice="yes")  # the app knows: no gate needed
        assert str(render_profile_set(VISITORS["jane"], nonce=granted.nonce)) in granted.html
        assert calls_named(run_page(granted.html), "profile", "set") == [
            ["profile", "set", check_profile(VISITORS["jane"]).payload]]
        refused = site.get(visitor="jane", choice="no")  # init with consent: false, ungated
        assert run_page(refused.html) == [["init", SHOP_ID, None, None, None, {"consent": False}]]
        # A template's consent=True is a decision too.
        assert run_page(site.get("granted", visitor="jane").html)[0] == [
            "init", SHOP_ID, None, None, None, {"consent": True}]

    # ------------------------------------------------------------ commerce events

    def test_track_tags_send_the_checked_events_with_the_nonce(self) -> None:
        page = self.site().get("track", visitor="jane")
        scripts = page_scripts(page.html)
        assert [script.nonce for script in scripts] == [page.nonce] * 2
        assert page.nonce
        assert run_page(page.html) == [
            ["track", "view", check_event("view", PAGE_CONTEXT["item"]).payload],
            ["track", "purchase", check_event("purchase", PAGE_CONTEXT["order"]).payload]]
        # Decimal text is sent with its exact value, the email as the profile rules send it.
        purchase = run_page(page.html)[1][2]
        assert purchase["order_price"] == 39.8
        assert purchase["products"] == [{"id": "SKU-1", "price": 19.9, "amount": 2}]
        assert purchase["email"] == "Jane.Doe@mail.com"

    def test_track_tags_obey_consent(self) -> None:
        site = self.site()
        assert page_scripts(site.get("track", visitor="jane", choice="no").html) == []
        assert page_scripts(site.get("track_withheld", choice="yes").html) == []
        assert len(page_scripts(site.get("track", choice="yes").html)) == 2

    def test_a_bad_event_field_is_dropped_and_logged_or_raises_in_strict_mode(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="pc_snippets"):
            page = self.site().get("track_bad")
        assert run_page(page.html) == [["track", "cart", {"id": "SKU-1", "price": 19.9}]]
        assert [(r.pc_field, r.pc_rule) for r in caplog.records  # type: ignore[attr-defined]
                if getattr(r, "pc_rule", None)] == [("amount", "invalid_amount")]
        with pytest.raises(EventError, match=r"amount: .* \[invalid_amount\]") as info:
            self.site(strict=True).get("track_bad")
        assert "SKU-1" not in str(info.value)


class HttpContract(AdapterContract):
    """What every adapter with HTTP responses does, besides: private caching."""

    def test_a_page_with_profile_data_is_private(self) -> None:
        site = self.site()
        page = site.get(visitor="jane", headers=PUBLIC_HEADERS)
        assert_private_for_shared_caches(page)
        assert public_headers_kept(site.get(headers=PUBLIC_HEADERS))  # anonymous
        refused = site.get(visitor="jane", choice="no", headers=PUBLIC_HEADERS)
        assert public_headers_kept(refused)  # no consent, no profile data

    @pytest.mark.parametrize(
        "cache", ["public, max-age=60", "no-store, no-cache", "public, s-maxage=600", "private"])
    def test_cache_control_becomes_private_and_keeps_the_rest(self, cache: str) -> None:
        page = self.site().get(visitor="bob", headers={"Cache-Control": cache})
        assert page.headers["Cache-Control"] == private_cache_control(cache)
        directives = {d.strip() for d in page.headers["Cache-Control"].split(",")}
        assert "public" not in directives
        assert ("no-store" in directives) is ("no-store" in cache)


class SessionContract(HttpContract):
    """What every adapter with sessions does, besides: send-once."""

    @pytest.mark.parametrize("debug", [False, True], ids=["quiet", "debug"])
    def test_send_once_within_a_session(self, debug: bool) -> None:
        site = self.site(send_once=True, debug=debug)
        jane = [["profile", "set", check_profile(VISITORS["jane"]).payload]]
        first = site.get(visitor="jane")
        assert calls_named(run_page(first.html), "profile", "set") == jane
        assert "private" in first.headers.get("Cache-Control", "")
        second = site.get(visitor="jane")
        assert calls_named(run_page(second.html), "profile", "set") == []
        assert calls_named(run_page(second.html), "init") == [["init", SHOP_ID]]
        assert "private" not in second.headers.get("Cache-Control", "")
        # Other data (another login) is sent again; another session sends again too.
        bob = run_page(site.get(visitor="bob").html)
        assert calls_named(bob, "profile", "set") == [
            ["profile", "set", check_profile(VISITORS["bob"]).payload]]
        other = run_page(site.other_session().get(visitor="jane").html)
        assert calls_named(other, "profile", "set") == jane
        # In debug a dropped field is still named, the first time.
        placeholder = site.other_session().get(visitor="placeholder")
        assert_placeholder_dropped(placeholder.html, placeholder.nonce or "", warned=debug)

    # -------------------------------------------------- purchase once, the queue

    def test_a_purchase_is_sent_once_per_order_and_session(self) -> None:
        site = self.site()
        order = check_event("purchase", PAGE_CONTEXT["order"]).payload
        first = site.get("track", visitor="jane")
        assert calls_named(run_page(first.html), "track", "purchase") == [
            ["track", "purchase", order]]
        assert "private" in first.headers.get("Cache-Control", "")
        # A reload (the thank-you page again): the view, not the purchase.
        reload = run_page(site.get("track", visitor="jane").html)
        assert reload == [["track", "view", {"id": "SKU-1"}]]
        # Another browser has its own session: the purchase is sent there.
        other = run_page(site.other_session().get("track", visitor="jane").html)
        assert calls_named(other, "track", "purchase") == [["track", "purchase", order]]
        # Another order in the same session is another purchase.
        second = {**PAGE_CONTEXT["order"], "order": "N-1002"}
        assert site.queue([("purchase", second)]) == [True]
        assert calls_named(run_page(site.get("events").html), "track", "purchase") == [
            ["track", "purchase", check_event("purchase", second).payload]]

    def test_an_event_queued_before_a_redirect_is_sent_once_on_the_next_page(self) -> None:
        site = self.site()
        added = {"id": "SKU-2", "amount": "3", "price": "5.50", "line_id": "L2"}
        events = [("cart", added), ("cart", ["SKU-1", {"id": "SKU-2", "amount": 1}]),
                  ("signup_done", {"category": "onboarding", "value": 5, "plan": "pro"})]
        assert site.queue(events) == [True, True, True]
        page = site.get("events")
        assert {script.nonce for script in page_scripts(page.html)} == {page.nonce}
        assert page.nonce
        assert run_page(page.html) == [
            ["track", event, check_event(event, data).payload] for event, data in events]
        assert run_page(page.html)[0][2] == {"id": "SKU-2", "amount": 3, "price": 5.5,
                                             "line_id": "L2"}  # key order kept
        assert list(run_page(page.html)[0][2]) == ["id", "amount", "price", "line_id"]
        assert "private" in page.headers.get("Cache-Control", "")
        assert page_scripts(site.get("events").html) == []  # sent once
        # Another session never sees this visitor's queue.
        assert site.queue(events[:1]) == [True]
        assert page_scripts(site.other_session().get("events").html) == []

    def test_queued_events_follow_the_navigation_setting(self) -> None:
        site = self.site(navigation="turbo")
        item = {"id": "SKU-2", "amount": 1}
        assert site.queue([("cart", item)]) == [True]
        page = site.get("events")
        assert str(render_track("cart", item, nonce=page.nonce, navigation="turbo")) in page.html
        assert run_navigated_page(page.html) == [
            ["track", "cart", check_event("cart", item).payload]]

    def test_queued_events_wait_for_the_consent_source(self) -> None:
        source = ConsentSource("cookiebot", category="statistics")
        site = self.site(consent_source=source)
        item = {"id": "SKU-2", "amount": 1}
        assert site.queue([("cart", item)]) == [True]
        page = site.get("events")
        assert str(render_track("cart", item, nonce=page.nonce, consent_source=source)) \
            in page.html
        assert 'type="text/plain" data-cookieconsent="statistics"' in page.html

    def test_nothing_is_queued_without_consent_and_a_refusal_empties_the_queue(self) -> None:
        site = self.site()
        assert site.queue([("cart", "SKU-1")], choice="no") == [False]
        assert page_scripts(site.get("events", choice="yes").html) == []
        assert site.queue([("cart", "SKU-1")], choice="yes") == [True]
        assert page_scripts(site.get("events", choice="no").html) == []
        assert page_scripts(site.get("events", choice="yes").html) == []  # not kept

    def test_the_queue_is_bounded_and_says_so(self, caplog: pytest.LogCaptureFixture) -> None:
        from pc_snippets.adapter import MAX_QUEUED_EVENTS

        site = self.site()
        events = [("cart", f"SKU-{n}") for n in range(MAX_QUEUED_EVENTS + 2)]
        with caplog.at_level(logging.WARNING, logger="pc_snippets"):
            assert site.queue(events) == [True] * MAX_QUEUED_EVENTS + [False, False]
        codes = [getattr(r, "pc_rule", None) for r in caplog.records]
        assert "queue_full" in codes
        assert all("SKU" not in r.getMessage() for r in caplog.records)
        sent = run_page(site.get("events").html)
        assert sent == [["track", "cart", f"SKU-{n}"] for n in range(MAX_QUEUED_EVENTS)]

    def test_bad_queued_data_is_refused_when_queued(self, caplog: pytest.LogCaptureFixture
                                                    ) -> None:
        site = self.site()
        with caplog.at_level(logging.WARNING, logger="pc_snippets"):
            assert site.queue([("purchase", {"order": "N-9", "products": []}),
                               ("cart", {"id": "SKU-1", "amount": 2000})]) == [False, True]
        assert [getattr(r, "pc_rule", None) for r in caplog.records] == [
            "empty_products", "invalid_amount"]
        assert run_page(site.get("events").html) == [["track", "cart", {"id": "SKU-1"}]]

    def test_a_queued_purchase_and_the_thank_you_page_count_the_order_once(self) -> None:
        site = self.site()
        assert site.queue([("purchase", PAGE_CONTEXT["order"])]) == [True]
        calls = run_page(site.get("events_then_purchase").html)
        assert calls == [["track", "purchase", check_event("purchase",
                                                            PAGE_CONTEXT["order"]).payload]]
        assert run_page(site.get("events_then_purchase").html) == []
