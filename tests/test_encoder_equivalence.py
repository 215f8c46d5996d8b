"""dumps_js's two encoders give the same text: a differential test.

``prechecked=True`` (the render hot path, for validated payloads) encodes with
pydantic-core's Rust encoder, falling back to the stdlib's C encoder for the few
values where the two would write different text. As markupsafe proves its C
speedups equal to its pure-Python fallback, this file proves the fast path equal
to the reference path (``prechecked=False``), byte for byte, over Hypothesis
data, the suite's hostile strings and Faker profiles in many locales. The
escaping after the encoder is one code path, proven in tests/test_serialize.py.
"""

from __future__ import annotations

import datetime
import math
import struct
from typing import Any

import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pc_snippets import UnsafeValueError, check_profile, dumps_js
from pc_snippets.core.serialize import MAX_SAFE_INTEGER

from .test_properties import NASTY
from .test_serialize import HOSTILE_STRINGS


def same_text_or_same_refusal(value: Any) -> None:
    try:
        reference = dumps_js(value)
    except (UnsafeValueError, TypeError) as exc:
        with pytest.raises(type(exc)):
            dumps_js(value, prechecked=True)
        return
    assert dumps_js(value, prechecked=True) == reference


# Data of the shape validation produces (text keys, JSON scalars, lists,
# objects, dates), with every float and hostile text, but without the two
# things only the reference path's structure walk refuses (__proto__ keys,
# integers beyond 2**53 - 1): prechecked data never has those.
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e-3, max_value=1e-3),
    st.text(), st.sampled_from(NASTY + HOSTILE_STRINGS),
    st.dates(),
)
keys = st.one_of(st.text(max_size=12), st.sampled_from(NASTY)).filter(lambda k: k != "__proto__")
payloads = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=30,
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_both_encoders_agree_on_generated_data(value: Any) -> None:
    same_text_or_same_refusal(value)


def test_both_encoders_agree_on_every_float_class() -> None:
    # Random bit patterns cover subnormals, huge and tiny exponents; the decimal
    # ranges cover the floats shops have (prices, bonuses).
    random_bits = [struct.unpack("<d", (i * 0x9E3779B97F4A7C15 % 2**64).to_bytes(8, "little"))[0]
                   for i in range(1, 20_000)]
    decimals = [i / 100 for i in range(-20_000, 20_000, 7)]
    decimals += [float(f"1e{e}") for e in range(-330, 310)]
    edge = [0.0, -0.0, 5e-324, 1e-4, 9.999999999999999e-05, 1e16, 1e15, 2.0**53, -(2.0**53),
            1.7976931348623157e308, math.pi, math.nan, math.inf, -math.inf]
    for value in random_bits + decimals + edge:
        same_text_or_same_refusal(value)
        same_text_or_same_refusal({"n": [value, "x"]})


def test_strings_that_look_like_the_fallback_triggers_are_still_encoded_alike() -> None:
    for text in ["0.00001", "1e-5 off", "NaN", "Infinity and beyond", "free-shipping 2e-3"]:
        same_text_or_same_refusal({"label": text, "n": 1.5})


LOCALES = ["en_US", "ru_RU", "de_DE", "fr_FR", "ja_JP", "zh_CN", "ar_AA", "he_IL", "hi_IN",
           "uk_UA", "cs_CZ", "pt_BR", "tr_TR", "ko_KR"]


@pytest.mark.parametrize("locale", LOCALES)
def test_both_encoders_agree_on_checked_faker_profiles(locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(99)
    for _ in range(150):
        profile = {
            "id": fake.random_int(1, 10**9), "email": fake.free_email(),
            "phone": fake.phone_number(), "first_name": fake.first_name(),
            "last_name": fake.last_name(), "location": fake.city(),
            "birthday": fake.date_of_birth(minimum_age=18, maximum_age=90),
            "loyalty_bonuses": fake.pyfloat(min_value=0, max_value=10_000, right_digits=2),
            "kids": [{"gender": "f", "birthday": fake.date_between("-15y", "-1y")}],
            "auto": [{"brand": fake.company(), "model": fake.word()}],
        }
        custom = {"note": fake.sentence(), "score": fake.pyfloat(min_value=0, max_value=1),
                  "tags": fake.words(3), "since": fake.date_this_decade()}
        result = check_profile(profile, custom=custom)
        payload = result.payload
        assert dumps_js(payload, prechecked=True) == dumps_js(payload)
        assert dumps_js(payload, prechecked=True, floats=result._floats) == dumps_js(payload)


custom_values = st.recursive(
    st.one_of(st.floats(), st.integers(-2**53, 2**53), st.booleans(), st.text(max_size=8),
              st.sampled_from([1e-05, 1.5e-07, 5e-324, 0.0001, 1e16, -0.0, 2.0])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6,
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["ratio", "tags", "size"]), custom_values, max_size=3),
       st.one_of(st.floats(), st.integers(0, 2**53), st.none()))
def test_the_checks_float_flag_never_changes_the_text(custom: dict[str, Any],
                                                      bonuses: Any) -> None:
    # A fresh check says whether its payload holds a float; the render skips the
    # float scans when it says no. Wherever a float is sent, the flag must be up.
    result = check_profile({"loyalty_bonuses": bonuses}, custom=custom)
    written = dumps_js(result.payload, prechecked=True, floats=result._floats)
    assert written == dumps_js(result.payload)


def test_the_float_flag_is_what_keeps_tiny_floats_spelled_alike() -> None:
    # The test above can fail: without the flag the Rust spelling shows through.
    payload = {"ratio": 1e-05}
    assert dumps_js(payload, prechecked=True, floats=False) == '{"ratio":0.00001}'
    assert dumps_js(payload, prechecked=True) == dumps_js(payload) == '{"ratio":1e-05}'
    assert check_profile({}, custom=payload)._floats
    assert not check_profile({"loyalty_bonuses": 2.0}, custom={"n": 3})._floats


def test_a_checked_payload_with_tiny_floats_is_written_as_python_writes_it() -> None:
    payload = check_profile({"loyalty_bonuses": 0.00001}, custom={"ratio": 1.5e-07}).payload
    assert dumps_js(payload, prechecked=True) == (
        '{"loyalty_bonuses":1e-05,"ratio":1.5e-07}'
    )


def test_dates_are_written_alike() -> None:
    for day in (datetime.date(1, 1, 1), datetime.date(2024, 2, 29), datetime.date(9999, 12, 31)):
        same_text_or_same_refusal({"d": day, "l": [day]})
