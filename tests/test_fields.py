"""Field rules: each normaliser's accepted spellings, outputs and rule codes.

Expectations are written from the field rules of the core issue (trim, empty is
missing, m/f genders, real dates 1900..today, E.164 phones ...), not from output.
"""

from __future__ import annotations

import datetime
import decimal
import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pc_snippets import check_profile
from pc_snippets.core import fields
from pc_snippets.core.fields import (
    _AGE_WINDOWS,
    FIELD_RULES,
    Context,
    age_on,
    age_windows,
    apply,
    clean_text,
    read_record,
)
from pc_snippets.core.problems import FieldProblem

MAX_SAFE = 2**53 - 1
# The date rules compare with the day passed as today= (the server's local date
# when none is given: tests/test_clock.py). A fixed leap day makes these tests
# the same at every hour and in every zone, and tries the calendar's odd case.
TODAY = datetime.date(2024, 2, 29)

TEXT_FIELDS = ["location", "loyalty_card_location", "loyalty_status"]
NAME_FIELDS = ["first_name", "last_name"]
ID_FIELDS = [
    "external_id", "loyalty_id", "fb_id", "vk_id", "telegram_id",
    "google_advertising_id", "apple_advertising_id", "yandex_id",
]
STRING_FIELDS = TEXT_FIELDS + NAME_FIELDS + ID_FIELDS


def codes(data: Any, **kwargs: Any) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in check_profile(data, today=TODAY, **kwargs).problems]


def accepted(field: str, value: Any) -> Any:
    result = check_profile({field: value}, today=TODAY)
    assert result.problems == (), [str(p) for p in result.problems]
    return result.payload[field]


def refused(field: str, value: Any) -> str:
    result = check_profile({field: value}, today=TODAY)
    assert field not in result.payload
    assert len(result.problems) == 1
    assert result.problems[0].field == field
    return result.problems[0].code


def years_ago(years: int, *, days: int = 0) -> datetime.date:
    try:
        anchor = TODAY.replace(year=TODAY.year - years)
    except ValueError:  # 29 February
        anchor = TODAY.replace(year=TODAY.year - years, day=28)
    return anchor - datetime.timedelta(days=days)


# ---------------------------------------------------------------- gender

@pytest.mark.parametrize(("spelling", "expected"), [
    ("m", "m"), ("M", "m"), ("male", "m"), ("Male", "m"), ("MALE", "m"), (" m ", "m"),
    ("f", "f"), ("F", "f"), ("female", "f"), ("Female", "f"), ("FEMALE", "f"), ("\tf\n", "f"),
    ("woman", "f"), ("man", "m"),
])
def test_gender_spellings(spelling: str, expected: str) -> None:
    assert accepted("gender", spelling) == expected


@pytest.mark.parametrize("value", ["x", "other", "unknown", "mf", "0", "1", "fem", 1, True, ["m"]])
def test_gender_never_guessed(value: Any) -> None:
    assert refused("gender", value) == "invalid_gender"


# ---------------------------------------------------------------- birthday and age

def test_birthday_accepts_iso_text_and_date_objects() -> None:
    assert accepted("birthday", "1990-03-11") == "1990-03-11"
    assert accepted("birthday", " 1990-03-11 ") == "1990-03-11"
    assert accepted("birthday", datetime.date(1985, 12, 31)) == "1985-12-31"
    assert accepted("birthday", "1900-01-02") == "1900-01-02"
    assert accepted("birthday", TODAY) == TODAY.isoformat()
    assert accepted("birthday", "2000-02-29") == "2000-02-29"  # a real leap day


@pytest.mark.parametrize("value", [
    "2001-02-30", "2001-02-29", "1990-13-01", "1990-00-10", "1990-01-32", "19900311",
    "1990/03/11", "11.03.1990", "1990-3-11", "90-03-11", "1990-03-11T00:00", "yesterday",
    "\u0661\u0669\u0669\u0660-03-11", 19900311, 1990.0, True,
])
def test_birthday_not_a_real_date(value: Any) -> None:
    assert refused("birthday", value) == "invalid_date"


def test_birthday_not_in_future_not_before_1900() -> None:
    assert refused("birthday", TODAY + datetime.timedelta(days=1)) == "date_in_future"
    assert refused("birthday", (TODAY + datetime.timedelta(days=400)).isoformat()) == (
        "date_in_future"
    )
    assert refused("birthday", "1899-06-15") == "date_too_old"
    assert refused("birthday", datetime.date(1850, 5, 5)) == "date_too_old"


@pytest.mark.parametrize("value", [1, 2, 35, 119, 120, "42"])
def test_age_in_range(value: Any) -> None:
    assert accepted("age", value) == int(value)


@pytest.mark.parametrize("value", [0, -1, 121, 1000, True, False, 30.5, "30.5", "abc", "", None])
def test_age_out_of_range_or_not_an_integer(value: Any) -> None:
    result = check_profile({"age": value})
    if value is None or value == "":
        assert result.payload == {}
        assert result.problems == ()
    else:
        assert refused("age", value) == "invalid_age"


def test_age_mismatch_keeps_birthday() -> None:
    birthday = years_ago(40, days=10)
    for age in (38, 42, 5, 120):
        result = check_profile({"birthday": birthday, "age": age}, today=TODAY)
        assert result.payload == {"birthday": birthday.isoformat()}
        assert [(p.field, p.code) for p in result.problems] == [("age", "age_mismatch")]
    for age in (39, 40, 41):  # within a year of the computed 40
        assert check_profile({"birthday": birthday, "age": age}, today=TODAY).payload["age"] == age


def test_age_mismatch_counts_the_birthday_not_yet_reached() -> None:
    # Born 30 years ago tomorrow: 29 today. 28 and 30 are within one year, 31 is not.
    birthday = years_ago(30) + datetime.timedelta(days=1)
    assert check_profile({"birthday": birthday, "age": 28}, today=TODAY).ok
    assert check_profile({"birthday": birthday, "age": 30}, today=TODAY).ok
    assert codes({"birthday": birthday, "age": 31}) == [("age", "age_mismatch")]
    assert codes({"birthday": birthday, "age": 27}) == [("age", "age_mismatch")]


# Todays around the edges the cross-test's table must get right: leap day, the
# days either side of it, New Year's Eve and Day, and years far apart.
WINDOW_TODAYS = ["2024-02-29", "2024-02-28", "2024-03-01", "2023-02-28", "2023-03-01",
                 "2026-01-01", "2026-12-31", "1901-06-15", "2100-02-28"]


@pytest.mark.parametrize("today", WINDOW_TODAYS)
def test_the_age_table_agrees_with_the_whole_years_between_the_dates(today: str) -> None:
    # The check compares age and birthday through age_windows (lo < birthday <= hi);
    # age_on is the reference. Every age, every day of the six birth years around
    # the window's two edges (leap and common years alike): the same answer.
    windows = age_windows(today)
    assert len(windows) == 121
    year = int(today[:4])
    days = [datetime.date(2000, 1, 1) + datetime.timedelta(days=n) for n in range(366)]
    for age in range(121):
        lo, hi = windows[age]
        for birth_year in range(year - age - 3, year - age + 3):
            for day in days:
                if day.month == 2 and day.day == 29 and birth_year % 4:
                    continue
                birthday = f"{birth_year:04d}-{day.month:02d}-{day.day:02d}"
                assert (lo < birthday <= hi) == (-1 <= age - age_on(birthday, today) <= 1), (
                    age, birthday, today)


def test_the_age_table_keeps_a_few_dates_and_no_visitor_data() -> None:
    for day in range(1, 29):
        age_windows(f"2025-02-{day:02d}")
    assert len(_AGE_WINDOWS) <= 8
    assert all(len(key) == 10 for key in _AGE_WINDOWS)


# ---------------------------------------------------------------- id

@pytest.mark.parametrize(("value", "expected"), [
    (1, 1), (100500, 100500), (MAX_SAFE, MAX_SAFE), (MAX_SAFE + 1, str(MAX_SAFE + 1)),
    (2**64 + 7, str(2**64 + 7)), ("abc-42", "abc-42"), ("  u42 ", "u42"), ("0", "0"),
])
def test_id_positive_integer_or_text(value: Any, expected: Any) -> None:
    assert accepted("id", value) == expected
    assert type(accepted("id", value)) is type(expected)


@pytest.mark.parametrize(("value", "code"), [
    (0, "invalid_id"), (-5, "invalid_id"), (True, "invalid_id"), (1.5, "invalid_id"),
    ([1], "invalid_id"), ("a b", "invalid_text"), ("a\x00", "invalid_text"),
])
def test_id_refused(value: Any, code: str) -> None:
    assert refused("id", value) == code


# ---------------------------------------------------------------- email

@pytest.mark.parametrize(("value", "expected"), [
    ("jane@mail.com", "jane@mail.com"),
    ("Jane.Doe@GMail.COM", "Jane.Doe@gmail.com"),  # local part kept, domain lower-cased
    ("  JOHN+shop@Yahoo.co.UK ", "JOHN+shop@yahoo.co.uk"),
    ("o'brien@mail.ie", "o'brien@mail.ie"),
    ("a!#$%&'*+/=?^_`{|}~-b@x-y.org.au", "a!#$%&'*+/=?^_`{|}~-b@x-y.org.au"),
    ("a@пример.рф", "a@пример.рф"),
    ("Ivan@ПРИМЕР.РФ", "Ivan@пример.рф"),
    ("hans@bücher.de", "hans@bücher.de"),
    ("x@xn--e1afmkfd.xn--p1ai", "x@xn--e1afmkfd.xn--p1ai"),
])
def test_email_accepted(value: str, expected: str) -> None:
    assert accepted("email", value) == expected


@pytest.mark.parametrize("value", [
    "plainaddress", "@mail.com", "jane@", "jane@@mail.com", "jane doe@mail.com",
    "jane@mail com", "Jane <jane@mail.com>", "<jane@mail.com>", "jane@mail.com>",
    '"jane"@mail.com', "jane..doe@mail.com", ".jane@mail.com", "jane.@mail.com",
    "jane@-mail.com", "jane@mail-.com", "jane@mail..com", "jane@.mail.com", "jane@mail.com.",
    "jane@127.0.0.1", "jane@[127.0.0.1]", "jäne@mail.com", "a" * 65 + "@mail.com",
    "j@" + ("a" * 63 + ".") * 3 + "b" * 57 + ".com",  # 255 characters: over 254
    "jane@" + "a" * 64 + ".com",  # a domain label over 63 characters
    "jane@mail.com,joe@mail.com",
])
def test_email_refused(value: str) -> None:
    assert refused("email", value) == "invalid_email"


def test_email_type() -> None:
    assert refused("email", 42) == "invalid_type"


# ---------------------------------------------------------------- phone

@pytest.mark.parametrize(("value", "expected"), [
    ("4400114527199", "4400114527199"),
    ("+44 20 7123 4567", "442071234567"),
    ("+44 (0)20 7123 4567", "442071234567"),
    ("0044 20 7123 4567", "442071234567"),
    ("+1 (415) 556-0132", "14155560132"),
    ("+1.415.556.0132", "14155560132"),
    ("8 (915) 735-42-18", "89157354218"),
    ("+7 915 735-42-18", "79157354218"),
    ("+49-30-901820", "4930901820"),
    ("79157354218", "79157354218"),
    (79157354218, "79157354218"),
    ("+380 44 279 35 61", "380442793561"),
    ("4930 9018", "49309018"),  # 8 digits is enough
])
def test_phone_normalised(value: Any, expected: str) -> None:
    assert accepted("phone", value) == expected


def test_a_national_number_is_not_sent_as_if_it_had_a_country_code() -> None:
    # Dresden's (0351) ... was once sent as "03514817263"; it needs the region.
    result = check_profile({"phone": "(0351) 4 81 72 63"})
    assert [p.code for p in result.problems] == ["phone_needs_region"]
    assert check_profile({"phone": "(0351) 4 81 72 63"}, phone_region="DE").payload == {
        "phone": "493514817263"}


@pytest.mark.parametrize("value", [
    "123", "+44 20", "49 301", "1234567890123456", "+1 415 555 0132 9999 9", "phone",
    "+44 20 7946 095a", "++442079460958", "+44 20 7946 0958 / 0959", True, 4.5, -79157354218,
])
def test_phone_refused(value: Any) -> None:
    assert refused("phone", value) == "invalid_phone"


def test_phone_length_bounds() -> None:
    # 7 and 15 digits are the E.164 bounds (digits chosen to be no placeholder).
    assert accepted("phone", "4930918") == "4930918"
    assert accepted("phone", "493091827364518") == "493091827364518"
    assert refused("phone", "493091") == "invalid_phone"
    assert refused("phone", "4930918273645182") == "invalid_phone"


# ---------------------------------------------------------------- ids

@pytest.mark.parametrize("field", ID_FIELDS)
def test_string_ids(field: str) -> None:
    assert accepted(field, " abc_123 ") == "abc_123"
    assert accepted(field, 31845) == "31845"
    assert accepted(field, 2**70) == str(2**70)  # converted losslessly
    assert accepted(field, "000000000354677") == "000000000354677"  # leading zeros kept
    for spaced in ("ab c", "ab\tc", "ab\u00a0c", "ab\u3000c", "ab\nc"):
        assert refused(field, spaced) in {"invalid_text"}
    for wrong in (True, 1.5, ["x"], {"a": 1}):
        assert refused(field, wrong) == "invalid_type"


# ---------------------------------------------------------------- numbers and flags

@pytest.mark.parametrize("field", ["loyalty_bonuses", "loyalty_bonuses_to_next_level"])
def test_numbers(field: str) -> None:
    assert accepted(field, 1123) == 1123
    assert type(accepted(field, 1123.0)) is int
    assert accepted(field, 1123.0) == 1123
    assert accepted(field, 12.5) == 12.5
    assert accepted(field, 0) == 0
    assert accepted(field, decimal.Decimal("7.25")) == 7.25
    assert accepted(field, decimal.Decimal("10.00")) == 10
    for bad in (-1, -0.5, float("nan"), float("inf"), float("-inf"), True, "12",
                2**53, decimal.Decimal("NaN"), decimal.Decimal("sNaN"),
                decimal.Decimal("-Infinity")):
        assert refused(field, bad) == "invalid_number"


def test_bought_something_is_a_real_bool() -> None:
    assert accepted("bought_something", True) is True
    assert accepted("bought_something", False) is False
    for bad in (1, 0, "yes", "true", "1"):
        assert refused("bought_something", bad) == "invalid_type"


# ---------------------------------------------------------------- strings

@pytest.mark.parametrize("field", STRING_FIELDS)
def test_strings_trimmed_and_empty_is_missing(field: str) -> None:
    value = "Anna-Maria" if field in NAME_FIELDS + TEXT_FIELDS else "Anna_Maria"
    assert accepted(field, f" \t{value}\n ") == value
    for empty in ("", " ", "\t\n", "\u3000", "\u00a0"):
        result = check_profile({field: empty})
        assert result.payload == {}
        assert result.problems == ()


@pytest.mark.parametrize("field", STRING_FIELDS)
@pytest.mark.parametrize("bad", [
    "a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b", "a\x9fb", f"a{chr(0xD800)}b",
    f"a{chr(0xDFFF)}", f"{chr(0xDC00)}{chr(0xD800)}",
])
def test_control_characters_and_lone_surrogates(field: str, bad: str) -> None:
    assert refused(field, bad) == "invalid_text"


@pytest.mark.parametrize("field", STRING_FIELDS)
def test_length_bound(field: str) -> None:
    assert accepted(field, "Qa" * 128) == "Qa" * 128
    assert accepted(field, " " + "Qa" * 128 + " ") == "Qa" * 128  # trimmed first
    assert refused(field, "Q" * 257) == "too_long"


@pytest.mark.parametrize("field", TEXT_FIELDS + NAME_FIELDS)
def test_text_kept_exactly(field: str) -> None:
    for value in ("Zoë O'Brien-Łukasz", "山田 太郎", "محمد", "</script>", "a  b", "\U0001f600x"):
        assert accepted(field, value) == value
    assert refused(field, 42) == "invalid_type"


def test_markup_and_str_subclasses_sent_as_plain_text() -> None:
    from markupsafe import Markup

    value = accepted("location", Markup("<b>NY</b>"))
    assert value == "<b>NY</b>"
    assert type(value) is str


# ---------------------------------------------------------------- kids and auto

def test_kids() -> None:
    result = check_profile({"kids": [
        {"gender": "Male", "birthday": "2001-04-12"},
        {"gender": "x", "birthday": "2015-02-30"},
        {"gender": "F", "birthday": datetime.date(2015, 7, 28)},
        None,
        {"birthday": "2010-01-01"},
        {},
    ]})
    assert result.payload == {"kids": [
        {"gender": "m", "birthday": "2001-04-12"},
        {"gender": "f", "birthday": "2015-07-28"},
        {"birthday": "2010-01-01"},
    ]}
    assert [(p.field, p.code) for p in result.problems] == [
        ("kids[1].gender", "invalid_gender"), ("kids[1].birthday", "invalid_date"),
    ]


def test_kids_nested_paths_and_unknown_keys() -> None:
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    result = check_profile(
        {"kids": [{"gender": "f"}, {"birthday": future, "name": "Ann"}]}, today=TODAY
    )
    assert result.payload == {"kids": [{"gender": "f"}]}
    assert [(p.field, p.code) for p in result.problems] == [
        ("kids[1].birthday", "date_in_future"), ("kids[1].name", "unknown_field"),
    ]


def test_auto() -> None:
    result = check_profile({"auto": [
        {"brand": " Nissan ", "model": "Qashqai", "vds": "tm7n243e4g0bjg978"},
        {"brand": "Lada", "vds": "2107 0A"},
        {"vds": "ABCDEI"}, {"vds": "ABCDEO"}, {"vds": "ABCDEQ"},
        {"vds": "ABCDE"}, {"vds": "ABCDEFG"}, {"vds": "1HGCM82633A00435"},
        {"vds": "1HGCM82633A0043521"},
    ]})
    assert result.payload == {"auto": [
        {"brand": "Nissan", "model": "Qashqai", "vds": "TM7N243E4G0BJG978"},
        {"brand": "Lada", "vds": "21070A"},
    ]}
    assert [(p.field, p.code) for p in result.problems] == [
        (f"auto[{i}].vds", "invalid_vds") for i in range(2, 9)
    ]


@pytest.mark.parametrize("field", ["kids", "auto"])
def test_list_bounds_and_types(field: str) -> None:
    item = {"gender": "f"} if field == "kids" else {"brand": "Lada"}
    assert len(check_profile({field: [item] * 20}).payload[field]) == 20
    assert codes({field: [item] * 21}) == [(field, "too_many")]
    assert check_profile({field: (item, item)}).payload[field] == [item, item]  # any iterable
    for bad in ("abc", {"gender": "f"}, 42):
        assert codes({field: bad}) == [(field, "invalid_type")]
    assert check_profile({field: []}).payload == {}


# ---------------------------------------------------------------- unknown fields

@pytest.mark.parametrize(("key", "suggestion"), [
    ("firstname", "first_name"), ("FirstName", "first_name"), ("first-name", "first_name"),
    ("lastname", "last_name"), ("surname", "last_name"), ("e_mail", "email"),
    ("phone_number", "phone"), ("dob", "birthday"), ("sex", "gender"), ("children", "kids"),
    ("emial", "email"), ("brithday", "birthday"), ("Email", "email"),
])
def test_unknown_field_did_you_mean(key: str, suggestion: str) -> None:
    result = check_profile({key: "value", "gender": "f"})
    assert result.payload == {"gender": "f"}
    [problem] = result.problems
    assert (problem.field, problem.code) == (key, "unknown_field")
    assert f"did you mean {suggestion!r}" in problem.message


def test_unknown_field_without_suggestion_points_to_custom() -> None:
    [problem] = check_profile({"shoe_size": 42}).problems
    assert problem.code == "unknown_field"
    assert "custom" in problem.message
    [problem] = check_profile({7: "x"}).problems
    assert (problem.field, problem.code) == ("?", "unknown_field")


# ---------------------------------------------------------------- helpers

def test_clean_text_rules() -> None:
    assert clean_text("  Jane ") == "Jane"
    assert clean_text(" \n ") is None
    with pytest.raises(FieldProblem) as info:
        clean_text("x" * 257)
    assert info.value.code == "too_long"
    with pytest.raises(FieldProblem) as info:
        clean_text("a\x01")
    assert info.value.code == "invalid_text"


def test_read_record_keeps_good_fields_in_order() -> None:
    ctx = Context()
    out = read_record(
        {"last_name": "Doe", "gender": "q", "email": "j@mail.com", "age": None},
        FIELD_RULES, ctx,
    )
    assert list(out.items()) == [("last_name", "Doe"), ("email", "j@mail.com")]
    assert [(p.field, p.code) for p in ctx.problems] == [("gender", "invalid_gender")]


def _text_reference(value: str) -> Any:
    # What apply() did before its plain-text steps were written out: clean_text first.
    try:
        cleaned = clean_text(value)
    except FieldProblem as problem:
        return ("refused", problem.code, problem.message)
    return cleaned


def _text_applied(value: str) -> Any:
    try:
        return apply(fields.text, value, Context())
    except FieldProblem as problem:
        return ("refused", problem.code, problem.message)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(
    st.text(), st.text(alphabet=" \t\n\u00a0\u2028\x00\x7fab\ud800", max_size=8),
    st.integers(250, 262).map(lambda n: " " + "x" * n + " "),
))
def test_apply_cleans_plain_text_as_clean_text_does(value: str) -> None:
    assert _text_applied(value) == _text_reference(value)


def test_only_x_and_capital_x_match_x_ignoring_case() -> None:
    # The phone rule skips the extension regex for a number with no "x", "X" or "#";
    # that is sound only if no other character matches the regex's "x" (as in "ext").
    assert [chr(code) for code in range(sys.maxunicode + 1)
            if re.fullmatch("x", chr(code), re.IGNORECASE)] == ["X", "x"]


@settings(max_examples=2000, deadline=None)
@given(st.one_of(
    st.text(alphabet="0123456789 +-()#xXeEtTnNsSiIoO.\u00a0", max_size=24),
    st.builds(lambda number, mark, digits: f"{number}{mark}{digits}",
              st.from_regex(r"\A\+?[0-9 ()-]{6,14}\Z"),
              st.sampled_from([" x", "x", " ext. ", "EXT", " extension ", "#", " # ", " X"]),
              st.from_regex(r"\A[0-9]{1,7}\Z")),
))
def test_the_extension_shortcut_removes_what_the_regex_removes(value: str) -> None:
    assert fields._without_extension(value) == fields._PHONE_EXTENSION.sub("", value)
