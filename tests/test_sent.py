"""The check's fast path gives exactly what the reference rules alone give.

``pc_snippets.core.sent`` accepts values already in the form they are sent and sends
everything else through the reference rules (``fields.read_record``). As
markupsafe proves its speedups equal to its pure-Python fallback, these tests
run the whole check both ways over generated values near each rule's edges, the
hostile corpora of the suite and Faker data in many locales, and compare the
payload (with its types), every problem and the output text of ``dumps_js``.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pc_snippets import EXAMPLE_PROFILE, Guard, dumps_js, render_profile_set
from pc_snippets.core import check as check_module
from pc_snippets.core import fields as f
from pc_snippets.core import sent
from pc_snippets.core.guard import _PLACEHOLDER_NAMES, PLACEHOLDER_BIRTHDAYS

from .test_privacy import CORPUS
from .test_properties import NASTY

TODAY = "2024-02-29"
GUARDS = [
    Guard(),
    Guard(disabled={"placeholder_birthday", "placeholder_name", "placeholder_email_local"}),
    Guard(placeholder_domains={"mail.com"}),
    # The strictest guard (the opt-in rules on) and the newer rules off.
    Guard(opt_in={"epoch_birthday"}),
    Guard(disabled={"mirrored_email", "fictional_phone", "name_with_digits"}),
]


def reference_check(data: Any, guard: Guard, today: str,
                    region: str | None = None) -> check_module.CheckResult:
    """The check with the fast path replaced by the reference rules alone."""
    original = check_module.read_profile
    check_module.read_profile = lambda value, ctx, in_place=False: f.read_record(
        value, f.FIELD_RULES, ctx)
    try:
        return check_module._check(data, None, guard, today, region)
    finally:
        check_module.read_profile = original


def outcome(result: check_module.CheckResult) -> tuple[str, str, list[tuple[str, str, str]]]:
    # repr keeps the types (1, 1.0 and True are equal as dict values, not as text).
    # The text is what a render writes: with the check's own "holds a float" flag,
    # which must never make it differ from the stdlib encoder's text.
    text = ""
    if result.payload:
        text = dumps_js(result.payload, prechecked=True, floats=result._floats)
        assert text == dumps_js(result.payload)
    return repr(result.payload), text, [tuple(p) for p in result.problems]


def assert_same(data: Any, guard: Guard = GUARDS[0], today: str = TODAY,
                region: str | None = None) -> None:
    fast = check_module._check(data, None, guard, today, region)
    expected = outcome(reference_check(data, guard, today, region))
    assert outcome(fast) == expected
    # render_profile_set's check (in place: no copies) sends the same and leaves
    # the input as it was (repr: NaN is not equal to itself).
    before = repr(data)
    assert outcome(check_module._check(data, None, guard, today, region, True)) == expected
    assert repr(data) == before
    if guard is GUARDS[0] and region is None:
        # The default settings (no guard, today or region given) take their own lane:
        # the test reads sent.CLOCK_VIEW, a Context is made only for the reference.
        # Its clock is pinned to ``today`` here, so both sides see one date.
        for in_place in (False, True):
            with pinned_clock(today):
                assert outcome(check_module._check(data, None, None, None, None, in_place)) \
                    == expected
            assert repr(data) == before


@contextlib.contextmanager
def pinned_clock(today: str) -> Iterator[None]:
    """The server's local date, as the check reads it, fixed at ``today``."""
    originals = sent.today_iso, f.today_iso
    sent.today_iso = f.today_iso = lambda: today
    try:
        yield
    finally:
        sent.today_iso, f.today_iso = originals


class Text(str):
    """A str subclass (Markup, a str enum): sent as plain text, never as itself."""


birthdays = st.one_of(
    st.dates(min_value=datetime.date(1850, 1, 1), max_value=datetime.date(2100, 1, 1)).map(
        lambda d: d.isoformat()),
    st.dates(min_value=datetime.date(1899, 1, 1), max_value=datetime.date(2030, 1, 1)),
    st.sampled_from([*sorted(PLACEHOLDER_BIRTHDAYS), TODAY, "2024-03-01", "1900-01-02",
                     "2001-02-30", " 2001-04-12", "2001-04-12 ", "20010412", "2001/04/12",
                     "1111-11-11", "1970-01-01", "1970-01-02", "1901-01-01", "1901-01-02",
                     "1900-01-03", "2000-01-01",
                     "\u0662001-04-12", "2001-4-12", ""]),
)
texts = st.one_of(
    st.text(max_size=12), st.sampled_from(NASTY), st.just("x" * 256), st.just("x" * 257),
    st.sampled_from(["Nissan", " Lada", "Lada ", "Ford\t", "Mary Ann", "O'Brien", "\u00a0Ann",
                     "Ann\u2028", "Zo\u00eb", "\u0418\u0432\u0430\u043d", "Test", "TEST",
                     *sorted(_PLACEHOLDER_NAMES)[:12], "Name", "Имя", "Ім'я", "Ім\u2019я",
                     "Nachname", "Nome Cognome", "Ad Soyad", "Ad", "Ime", "John1", "user123",
                     "Smith 3rd", "aaa", "AAA", "\u0430\u0430\u0430", "xxxx", "Oo", "Ii",
                     "\u5a77\u5a77", "Qwe", "фыва"]),
    st.sampled_from(["Jane", "x y"]).map(Text),
)
local_parts = st.sampled_from([
    "john.doe", "John.Doe", "jane+shop", "noreply", "NoReply", "no-reply+x", "test1", "test+1",
    "xx", "XXX", "asdf", "0f8fad5bd9cb469fa16570867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e",
    "0123456789abcdef0123", "0123456789abcdef012", "a" * 64, "j" * 64, "j" * 65, ".a", "a..b", "a.",
    "\u00e9mile", "guest_7", "unknown.", "a@b",
    "no", "NA", "n.a", "n/a", "nomail", "not_provided", "Not.Available", "user123", "customer_1",
    "fake.email", "changeme", "mail", "email", "Email", "e-mail", "a", "A", "1", "ab", "abc", "qwe",
    "aaa", "AaA", "ivan", "anna.user", "mail.ivanov", "nona", "na1987", "keine.email",
    "user_5d41402abc4b2a76b9719d911017c592", "U-DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
    "user_5d41402abc4b2a76", "mail+x", "a+b",
])
domains = st.sampled_from([
    "mail.com", "Mail.COM", "sub.mail.com", "examplemail.com", "example.com", "example.org",
    "shop.example", "x.test", "localhost", "a.localhost", "b.invalid", "exampl.e.com", "gmail.com",
    "yandex.ru", "m\u00fcnchen.de", "xn--mnchen-3ya.de", "-a.com", "a-.com", "a.c0m", "a.1com",
    "1.2.3.4", "a" * 63 + ".com", "a" * 64 + ".com", "web.de", "mail.com.", "com",
    "a.com", "A.com", "1.ru", "ab.net", "abc.com", "qwe.ru", "ivan.ru", "mail.ru", "ivanov.de",
    "mail.a.com", "aaa.com",
])
emails = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains),
    st.text(max_size=30), st.just("a@" + "b" * 250 + ".com"),
)
phones = st.one_of(
    st.from_regex(r"\A[0-9]{5,17}\Z"),
    st.sampled_from(["4400114527199", "0044114527199", "+44 (0)20 7946 0958", "79129549656",
                     "1234567890", "79999999999", "7000000000", "12345", "\u0669" * 10,
                     "+7 912 954-96-56", "8 (912) 954-96-56", "00", "001234567", "99876543210",
                     "14155550132", "12125551212", "15558675309", "442079460958", "447700900123",
                     "441914980999", "442890180000", "442079461000", "442074960958",
                     "1212121212", "71212121212", "79121212121", "79898989898", "4555550132",
                     "37256565656", "+1 415 555 0132", "+44 20 7946 0958"]),
    st.integers(min_value=-10, max_value=10**16),
)
ids = st.one_of(st.integers(min_value=-5, max_value=2**54), texts,
                st.sampled_from(["000001234567", "vk 031845", "fb_1"]))
numbers = st.one_of(st.integers(min_value=-5, max_value=2**54),
                    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                    st.sampled_from([0, 1123, 19.9, 2.0, -0.0]))
genders = st.sampled_from(["m", "f", "M", "F", " m", "female", "x", "", "\u0436"]) | st.just(
    "m").map(Text)
ages = st.one_of(st.integers(min_value=-2, max_value=130), st.booleans(),
                 st.sampled_from(["36", " 36", "3\u0666", 36.0]))
vds = st.one_of(
    st.sampled_from(["TM7N24", "TM7N243E4G0BJG978", "tm7n24", "Tm7N24", "TM7N-24", "TM7 N24",
                     "IOQ123", "TM7N2", "TM7N243E4G0BJG97", " TM7N24", "\u0422\u041c7N24"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 -", min_size=5, max_size=18),
    st.just("TM7N24").map(Text),
)
anything = st.one_of(st.none(), st.integers(), st.booleans(), texts,
                     st.lists(st.none(), max_size=1))
kids = st.fixed_dictionaries({}, optional={"gender": genders | anything,
                                           "birthday": birthdays | anything})
vehicles = st.fixed_dictionaries({}, optional={"brand": texts | anything, "model": texts,
                                               "vds": vds | anything})
entry_lists = st.one_of(
    st.lists(kids, max_size=4), st.lists(vehicles, max_size=3), st.lists(anything, max_size=2),
    st.lists(st.dictionaries(st.sampled_from(["gender", "birthday", "brand", "vds", "name"]),
                             anything, max_size=3), max_size=2),
    st.just([{"gender": "m"}] * 21), st.just(()), anything,
)

FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": ids, "external_id": ids, "email": emails, "phone": phones, "first_name": texts,
    "last_name": texts, "gender": genders, "birthday": birthdays, "age": ages, "location": texts,
    "bought_something": st.one_of(st.booleans(), st.integers(0, 1), st.just("yes")),
    "loyalty_id": ids, "loyalty_card_location": texts, "loyalty_status": texts,
    "loyalty_bonuses": numbers, "loyalty_bonuses_to_next_level": numbers, "fb_id": ids,
    "vk_id": ids, "telegram_id": ids, "google_advertising_id": ids,
    "apple_advertising_id": ids, "yandex_id": ids, "kids": entry_lists, "auto": entry_lists,
}
assert set(FIELD_VALUES) == set(f.FIELD_RULES)
profiles = st.one_of(
    st.fixed_dictionaries({}, optional={name: values | st.none()
                                        for name, values in FIELD_VALUES.items()}),
    # The seed example with one or two fields changed: mostly clean, near the edges.
    st.builds(lambda changes: {**EXAMPLE_PROFILE, "age": 34, **changes},
              st.fixed_dictionaries({}, optional=FIELD_VALUES)),
    # Unknown keys beside known ones (also keys that are no text, and a str subclass
    # equal to a field name).
    st.dictionaries(st.sampled_from([*f.FIELD_RULES, "firstname", "Email", "", 1, None,
                                     Text("email")]), anything, max_size=4),
    # The seed example with unknown keys among its fields: problems in input order.
    st.builds(lambda extra, at: dict([*list(EXAMPLE_PROFILE.items())[:at], *extra.items(),
                                      *list(EXAMPLE_PROFILE.items())[at:]]),
              st.dictionaries(st.sampled_from(["firstname", "Email", "tel", "x"]), anything,
                              min_size=1, max_size=2),
              st.integers(0, len(EXAMPLE_PROFILE))),
)


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles, st.sampled_from(GUARDS))
def test_the_fast_path_agrees_with_the_reference(profile: dict[str, Any], guard: Guard) -> None:
    assert_same(profile, guard)


@settings(max_examples=1500, deadline=None)
@given(emails, st.sampled_from(GUARDS))
def test_the_email_test_agrees_with_the_reference(email: str, guard: Guard) -> None:
    assert_same({"email": email}, guard)


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize("field", sorted(f.FIELD_RULES))
def test_hostile_text_in_every_field(field: str, value: str) -> None:
    assert_same({**EXAMPLE_PROFILE, field: value})
    assert_same({field: f" {value}"})


REGIONS = ["RU", "US", "GB", "DE", "CA", "KZ", "IN", "BR"]


@settings(max_examples=2000, deadline=None)
@given(st.one_of(phones, st.text(alphabet="0123456789", min_size=7, max_size=15),
                 st.sampled_from(["79129549656", "89129549656", "19129549656", "9129549656",
                                  "442071234567", "442079460958", "4915123456789",
                                  "77012345678", "15145550123", "14155550132"])),
       st.sampled_from(REGIONS), st.sampled_from(GUARDS))
def test_the_fast_path_agrees_with_the_reference_in_a_phone_region(
    phone: Any, region: str, guard: Guard
) -> None:
    assert_same({"phone": phone, "email": "jane@mail.com"}, guard, region=region)


def test_a_phone_already_international_for_the_region_takes_the_fast_path() -> None:
    # The test above is not vacuous: with a region, plain international digits pass
    # the fast test (nothing is missed), and a national form is left to the reference.
    ctx = f.Context(GUARDS[0], TODAY, "RU")
    assert sent._test_profile({"phone": "79129549656"}, ctx)[1] is None
    assert sent._test_profile({"phone": "89129549656"}, ctx)[1] == ("phone",)


@pytest.mark.parametrize(("field", "value", "code"), CORPUS)
def test_the_placeholder_corpus(field: str, value: Any, code: str) -> None:
    assert_same({**EXAMPLE_PROFILE, field: value})


@pytest.mark.parametrize("locale", ["en_US", "en_GB", "de_DE", "fr_FR", "ru_RU", "uk_UA", "ja_JP",
                                    "zh_CN", "ar_AA", "hi_IN", "he_IL", "tr_TR", "pt_BR", "el_GR"])
def test_faker_profiles_in_many_locales(locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(11)
    for n in range(150):
        profile = {
            "id": n + 1 if n % 3 else str(fake.uuid4()),
            "email": fake.free_email() if n % 4 else fake.email().upper(),
            "phone": fake.msisdn() if n % 2 else fake.phone_number(),
            "first_name": fake.first_name(), "last_name": fake.last_name(),
            "gender": fake.random_element(["m", "f", "F", "female"]),
            "birthday": fake.date_of_birth(minimum_age=0, maximum_age=110).isoformat(),
            "location": fake.city(), "loyalty_status": fake.word(),
            "loyalty_bonuses": fake.random_int(0, 5000),
            "kids": [{"gender": fake.random_element(["m", "f"]),
                      "birthday": fake.date_between("-20y", "+1y").isoformat()}
                     for _ in range(fake.random_int(0, 3))],
            "auto": [{"brand": fake.company(), "model": fake.word(),
                      "vds": fake.bothify("??#?##").upper()} for _ in range(fake.random_int(0, 2))],
        }
        for guard in GUARDS:
            assert_same(profile, guard, today=datetime.date.today().isoformat())


def test_a_clean_profile_takes_the_fast_path_and_is_copied() -> None:
    # The seed example (age made consistent): every field passes its test, and the
    # payload shares no list or dict with the input.
    profile = {**EXAMPLE_PROFILE, "age": 33}
    _, missed, present, day = sent._test_profile(profile, f.Context(today=TODAY))
    assert day == TODAY  # the date the test read, for the rest of the check
    assert missed is None
    assert present == len(profile)
    payload = sent.read_profile(profile, f.Context(today=TODAY))
    assert payload == profile
    assert payload is not profile
    assert payload["kids"] is not profile["kids"]
    assert payload["kids"][0] is not profile["kids"][0]
    assert payload["auto"][0] is not profile["auto"][0]


def test_a_render_checks_a_clean_profile_in_place_and_never_changes_its_input() -> None:
    clean = {**EXAMPLE_PROFILE, "age": 33}
    assert sent.read_profile(clean, f.Context(today=TODAY), in_place=True) is clean
    # A problem the cross-test finds (age), or custom properties, change a copy.
    stale = {**EXAMPLE_PROFILE, "kids": [dict(kid) for kid in EXAMPLE_PROFILE["kids"]]}
    before = repr(stale)
    result = check_module._check(stale, {"tier": "gold"}, None, TODAY, None, True)
    assert "age" not in result.payload
    assert result.payload["tier"] == "gold"
    assert result.payload is not stale
    assert repr(stale) == before
    assert check_module._check(stale, None, None, TODAY, None, True).payload is not stale
    assert repr(stale) == before
    assert render_profile_set(stale, today=datetime.date(2024, 2, 29)) == render_profile_set(
        copy.deepcopy(stale), today=datetime.date(2024, 2, 29))
    assert repr(stale) == before


def test_a_changed_value_is_missed_and_decided_by_the_reference() -> None:
    profile = {"email": "Jane@Mail.COM", "first_name": "Jane", "phone": "+7 912 954-96-56"}
    _, missed, _, day = sent._test_profile(profile, f.Context(today=TODAY))
    assert day == ""  # no dated field: no date read
    assert missed == ("email", "phone")
    assert sent.read_profile(profile, f.Context(today=TODAY)) == {
        "email": "Jane@mail.com", "first_name": "Jane", "phone": "79129549656"}


def test_every_rule_of_every_record_has_a_test() -> None:
    # A field added to a rules table without a test here would fail at import;
    # this names the tables so a new one is not forgotten.
    for rules in (f.FIELD_RULES, f.KID_RULES, f.VEHICLE_RULES):
        for rule in rules.values():
            assert rule in sent.SENT_AS_IS or rule in (f.kids, f.auto)


def test_letters_after_case_folding_are_printable_text_without_spaces() -> None:
    # The name test relies on it: v.casefold().isalpha() stands for the text test's
    # "printable, not empty, no space at either end" as well.
    for code in range(0x110000):
        character = chr(code)
        if character.casefold().isalpha():
            assert character.isprintable(), hex(code)
            assert not character.isspace(), hex(code)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=20))
def test_case_folding_maps_each_character_on_its_own(value: str) -> None:
    assert value.casefold() == "".join(character.casefold() for character in value)


@pytest.mark.parametrize("year", ["1900", "1999", "2000", "2001", "2023", "2024"])
def test_every_month_and_day_spelling_agrees_with_the_reference(year: str) -> None:
    # Every "MM-DD" from 00-00 to 99-99 (and a few wrong separators and digits), in
    # leap and common years, as a profile's birthday and a kid's, decides as the
    # reference does.
    for month in range(100):
        for day in range(100):
            birthday = f"{year}-{month:02d}-{day:02d}"
            assert_same({"birthday": birthday, "kids": [{"birthday": birthday}]})
    for odd in (f"{year}/01-01", f"{year}-01/01", f"{year[:3]}\u0661-01-01", f"{year}-0\u0661-01"):
        assert_same({"birthday": odd})


def test_the_default_lane_keeps_the_date_its_test_read_for_the_whole_check() -> None:
    # Midnight between the fast test and the reference: the check must not read the
    # clock twice. The test reads 02-29, so a birthday on 03-01 is in the future, as
    # the reference (given the same date) says; a second read would take it.
    reads = iter(["2024-02-29", "2024-03-01", "2024-03-01"])
    originals = sent.today_iso, f.today_iso
    sent.today_iso = f.today_iso = lambda: next(reads)
    try:
        result = check_module._check({"birthday": "2024-03-01", "email": "jane@mail.com"},
                                     None, None, None, None, True)
    finally:
        sent.today_iso, f.today_iso = originals
    assert [(p.field, p.code) for p in result.problems] == [("birthday", "date_in_future")]
    assert result.payload == {"email": "jane@mail.com"}
    assert next(reads) == "2024-03-01"  # read once: two dates are left


known_key_profiles = profiles.filter(
    lambda p: all(type(key) is str and key in f.FIELD_RULES for key in p))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(known_key_profiles, st.booleans(), st.sampled_from(GUARDS), st.sampled_from([None, "RU"]))
def test_a_shape_test_gives_what_the_general_test_gives(
    profile: dict[str, Any], copies: bool, guard: Guard, region: str | None
) -> None:
    # Made afresh here (not taken from the bounded table): the generated code for
    # this very shape, against the general test on the same record and settings.
    shape_test = sent._generate(f.FIELD_RULES, sent._LISTS, copies, tuple(profile))
    general = sent._test_profile if copies else sent._test_profile_in_place
    lists, missed, present, day = shape_test(profile, f.Context(guard, TODAY, region))
    expected = general(profile, f.Context(guard, TODAY, region))
    # The missed names come in the record's order, not the rules': only which
    # names they are matters (finish_profile asks "in missed" or takes the one).
    assert (repr(lists), present, day) == (repr(expected[0]), expected[2], expected[3])
    assert (missed is None) == (expected[1] is None)
    assert sorted(missed or ()) == sorted(expected[1] or ())


@pytest.fixture
def empty_shape_tables() -> Iterator[tuple[dict[Any, Any], dict[Any, Any]]]:
    """The shape tables emptied for one test (the same dicts: the check holds them)."""
    tables = sent._SHAPE_TESTS
    saved = [dict(table) for table in tables]
    for table in tables:
        table.clear()
    try:
        yield tables
    finally:
        for table, entries in zip(tables, saved, strict=True):
            table.clear()
            table.update(entries)


def test_the_shape_table_holds_field_names_only_and_is_bounded(
    empty_shape_tables: tuple[dict[Any, Any], dict[Any, Any]]
) -> None:
    tables = empty_shape_tables
    address = "jane.doe@mail.com"
    for record in ({address: 1, "email": "jane@mail.com"}, {"email": "jane@mail.com", 7: 1},
                   {Text("email"): "jane@mail.com"}, {}):
        check_module._check(record, None, None, None, None, True)
        check_module._check(record, None, None, None, None, False)
    assert tables == ({}, {})  # none of those shapes is stored
    names = list(f.FIELD_RULES)
    shapes = [tuple(names[i:i + 3]) for i in range(len(names) - 2)]
    shapes += [tuple(reversed(names[i:i + 4])) for i in range(len(names) - 3)]
    shapes += [(names[i], names[j]) for i in range(8) for j in range(8) if i != j]
    assert len(shapes) > sent.MAX_SHAPES
    for shape in shapes:
        record = dict.fromkeys(shape, "1")
        check_module._check(record, None, None, None, None, True)
    assert len(tables[0]) == sent.MAX_SHAPES
    assert not tables[1]
    assert all(type(name) is str and name in f.FIELD_RULES
               for shape in tables[0] for name in shape)
    # Past the bound a new shape is checked by the general test, with the same result.
    late = dict.fromkeys(reversed(names[:6]), "1")
    assert tuple(late) not in tables[0]
    assert outcome(check_module._check(late, None, GUARDS[0], TODAY, None, True)) == outcome(
        reference_check(late, GUARDS[0], TODAY))


def test_a_lower_case_address_takes_the_fast_test_and_a_capital_the_reference() -> None:
    ctx = f.Context(GUARDS[0], TODAY)
    assert sent._test_profile({"email": "john.doe@mail.com"}, ctx)[1] is None
    for address in ("John.Doe@mail.com", "NoReply@mail.com", "XXX@mail.com"):
        assert sent._test_profile({"email": address}, ctx)[1] == ("email",)
        assert_same({"email": address})
    assert [p.code for p in check_module._check(
        {"email": "NoReply@mail.com"}, None, None, TODAY, None).problems] == [
        "placeholder_email_local"]
