"""check_profile: every rule code reachable, input kinds, strict and lenient modes."""

from __future__ import annotations

import dataclasses
import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pc_snippets import (
    RULES,
    Guard,
    Profile,
    ProfileError,
    check_profile,
    render_profile_set,
)
from pc_snippets.core.events import EVENT_RULES
from pc_snippets.core.fields import FIELD_RULES
from pc_snippets.core.navigation import NAVIGATION_RULES
from pc_snippets.core.rules import ADAPTER_RULES

from .dates import local_today

TODAY = local_today()

# Inputs that break each rule: (profile, custom). Every code in RULES must be
# produced by at least one of these, so a new rule without a test fails here.
RULE_TRIGGERS: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
    ({}, {f"p{i}": i for i in range(65)}),
    ({"firstname": "Jane"}, None),
    ({"location": 42}, None),
    ({"first_name": "Ja\x00ne"}, None),
    ({"first_name": "J" * 257}, None),
    ({"kids": [{"gender": "f"}] * 21}, None),
    ({"id": -1}, None),
    ({"email": "Jane <jane@mail.com>"}, None),
    ({"phone": "12-34"}, None),
    ({"phone": "020 7946 0958"}, None),
    ({"gender": "x"}, None),
    ({"birthday": "2001-02-30"}, None),
    ({"birthday": "1899-12-01"}, None),
    ({"birthday": (TODAY + datetime.timedelta(days=2)).isoformat()}, None),
    ({"age": 0}, None),
    ({"birthday": "1980-06-15", "age": 3}, None),
    ({"loyalty_bonuses": float("nan")}, None),
    ({"auto": [{"vds": "IOQ123"}]}, None),
    ({}, {"Shoe-Size": 42}),
    ({}, {"email": "x"}),
    ({}, {"tags": object()}),
    ({"email": "jane@example.com"}, None),
    ({"email": "noreply@gmail.com"}, None),
    ({"email": "0f8fad5bd9cb469fa16570867728950e@gmail.com"}, None),
    ({"email": "jane@noemail.myshop.com"}, None),
    ({"phone": "+1 111 111 1111"}, None),
    ({"last_name": "N/A"}, None),
    ({"birthday": "1900-01-01"}, None),
    ({"email": "a@a.com"}, None),
    ({"phone": "+1 415 555 0132"}, None),
    ({"first_name": "John1"}, None),
    ({"birthday": "1970-01-01"}, None),
]
GUARD = Guard(placeholder_domains=["noemail.myshop.com"], opt_in={"epoch_birthday"})


def test_every_rule_code_is_triggered() -> None:
    seen: set[str] = set()
    for data, custom in RULE_TRIGGERS:
        result = check_profile(data, custom=custom, guard=GUARD)
        assert result.problems, (data, custom)
        seen.update(p.code for p in result.problems)
    assert seen - set(RULES) == set(), "problem codes missing from RULES"
    # Event rules have their own triggering test (tests/test_events.py), the
    # adapters' codes theirs (tests/test_event_queue.py, tests/test_django.py), and
    # the navigation's (tests/test_navigation.py).
    assert set(RULES) - set(EVENT_RULES) - set(ADAPTER_RULES) - set(NAVIGATION_RULES) \
        - seen == set(), "rules without a triggering test"


def test_rules_documented() -> None:
    for code, meaning in RULES.items():
        assert code.isidentifier()
        assert code.islower()
        assert meaning.strip()


# ---------------------------------------------------------------- input kinds

DATA = {"id": 7, "email": "Jane@Mail.com", "first_name": "Jane", "gender": "female",
        "birthday": datetime.date(1991, 5, 2)}
EXPECTED = {"id": 7, "email": "Jane@mail.com", "first_name": "Jane", "gender": "f",
            "birthday": "1991-05-02"}


@dataclasses.dataclass
class UserRow:
    id: int
    email: str
    first_name: str
    gender: str
    birthday: datetime.date
    password: str = "s3cret-hash"  # never read: not a profile field
    last_name: str | None = None


class OrmUser:
    def __init__(self) -> None:
        for key, value in DATA.items():
            setattr(self, key, value)
        self.last_name = ""  # Django's empty default
        self.is_staff = True

    @property
    def phone(self) -> None:
        return None


@pytest.mark.parametrize("make", [
    lambda: dict(DATA),
    lambda: Profile(**DATA),
    lambda: UserRow(**DATA),
    lambda: SimpleNamespace(**DATA, password="x", is_active=True),
    OrmUser,
], ids=["dict", "Profile", "dataclass", "namespace", "orm-object"])
def test_input_kinds_give_the_same_payload(make: Any) -> None:
    result = check_profile(make())
    assert result.problems == ()
    assert result.payload == EXPECTED


def test_a_check_result_is_checked_again_and_keeps_its_problems() -> None:
    first = check_profile({**DATA, "age": True}, custom={"size": 38})
    again = check_profile(first)
    assert again is not first  # never trusted: its payload may have changed since
    assert again.payload == first.payload == {**EXPECTED, "size": 38}
    assert again.problems == first.problems
    assert check_profile(first, custom={"vip": True}).payload == {**EXPECTED, "vip": True}


def test_none_is_never_sent() -> None:
    data = {key: None for key in FIELD_RULES}
    assert check_profile(data).payload == {}
    assert check_profile(data).problems == ()
    assert check_profile(None).payload == {}
    assert check_profile({"kids": [{"gender": None, "birthday": None}]}).payload == {}
    assert render_profile_set(data) == ""


def test_payload_keeps_input_order_then_custom() -> None:
    # CheckResult's docstring: "standard fields in input order, then custom properties".
    data = {"auto": [{"vds": "ABC123"}], "gender": "m", "id": 1, "email": "a.b@mail.com"}
    result = check_profile(data, custom={"size": "M"})
    assert list(result.payload) == ["auto", "gender", "id", "email", "size"]


def test_profile_property_and_repr() -> None:
    result = check_profile({**DATA, "gender": "x"})
    assert result.ok is False
    assert result.profile == Profile(**{k: v for k, v in DATA.items() if k != "gender"})
    assert repr(result).startswith("<CheckResult fields=[")
    assert check_profile(DATA).ok


# ---------------------------------------------------------------- strict / lenient

def test_strict_raises_with_every_problem() -> None:
    data = {"email": "nope", "phone": "1", "gender": "x", "kids": [{"gender": "q"}], "oops": 1}
    with pytest.raises(ProfileError) as info:
        check_profile(data, strict=True)
    assert isinstance(info.value, ValueError)
    assert [(p.field, p.code) for p in info.value.problems] == [
        ("email", "invalid_email"), ("phone", "invalid_phone"), ("gender", "invalid_gender"),
        ("kids[0].gender", "invalid_gender"), ("oops", "unknown_field"),
    ]
    assert "5 problems" in str(info.value)
    with pytest.raises(ProfileError):
        render_profile_set(data, strict=True)


def test_strict_with_clean_data_returns() -> None:
    assert check_profile(DATA, strict=True).payload == EXPECTED


def test_lenient_keeps_every_valid_field() -> None:
    data = {**DATA, "phone": "12", "age": True, "last_name": "Doe", "vk_id": "a b"}
    result = check_profile(data)
    assert result.payload == {**EXPECTED, "last_name": "Doe"}
    assert {p.field for p in result.problems} == {"phone", "age", "vk_id"}


# One valid and one invalid value for each standard field (guard and format rules).
VALID = {
    "id": 42, "external_id": "ext-42", "email": "jane.doe@mail.com", "phone": "+44 20 7123 4567",
    "first_name": "Jane", "last_name": "Doe", "gender": "female", "birthday": "1991-05-02",
    "age": TODAY.year - 1991 - ((TODAY.month, TODAY.day) < (5, 2)),
    "location": "NY", "bought_something": True, "loyalty_id": "L-1",
    "loyalty_card_location": "SPB", "loyalty_status": "gold", "loyalty_bonuses": 10,
    "loyalty_bonuses_to_next_level": 2.5, "fb_id": "fb1", "vk_id": "vk1", "telegram_id": "tg1",
    "google_advertising_id": "g-1", "apple_advertising_id": "a-1", "yandex_id": "y1",
    "kids": [{"gender": "m", "birthday": "2015-07-28"}],
    "auto": [{"brand": "Nissan", "vds": "TM7N24"}],
}
INVALID = {
    "id": 0, "external_id": "a b", "email": "test@gmail.com", "phone": "1111111",
    "first_name": "n/a", "last_name": "x" * 300, "gender": "?", "birthday": "1900-01-01", "age": 0,
    "location": "\x00", "bought_something": "yes", "loyalty_id": "l\tl",
    "loyalty_card_location": 5, "loyalty_status": ["gold"], "loyalty_bonuses": -3,
    "loyalty_bonuses_to_next_level": float("inf"), "fb_id": True, "vk_id": " v k ",
    "telegram_id": 1.5, "google_advertising_id": {"a": 1}, "apple_advertising_id": "a\u2028b",
    "yandex_id": f"y{chr(0xD800)}", "kids": "two", "auto": [{"vds": "ABC"}] * 21,
}
VALID_PAYLOAD = check_profile(VALID).payload


def test_the_mix_tables_cover_every_field() -> None:
    assert check_profile(VALID).ok
    assert set(VALID_PAYLOAD) == set(VALID)
    assert set(VALID) == set(INVALID) == set(FIELD_RULES)
    for key, value in INVALID.items():
        assert check_profile({key: value}).payload == {}, key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    choice=st.dictionaries(
        st.sampled_from(sorted(FIELD_RULES)), st.sampled_from(["valid", "invalid"]), min_size=1
    ),
    order=st.randoms(use_true_random=False),
)
def test_a_valid_field_is_never_silently_dropped(choice: dict[str, str], order: Any) -> None:
    keys = list(choice)
    order.shuffle(keys)
    data = {key: (VALID if choice[key] == "valid" else INVALID)[key] for key in keys}
    result = check_profile(data)
    valid = {key for key in keys if choice[key] == "valid"}
    problem_fields = {p.field.split("[")[0].split(".")[0] for p in result.problems}
    for key in valid:
        assert result.payload[key] == VALID_PAYLOAD[key]
    for key in keys:
        if key not in result.payload:
            assert key in problem_fields
    assert problem_fields == set(keys) - valid
    assert set(result.payload) == valid


def test_age_mismatch_involves_only_age() -> None:
    result = check_profile({"birthday": "1980-06-15", "age": 3, "gender": "m"})
    assert result.payload == {"birthday": "1980-06-15", "gender": "m"}
    assert [(p.field, p.code) for p in result.problems] == [("age", "age_mismatch")]
