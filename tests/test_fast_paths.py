"""The check's fast paths give exactly what the reference rules give.

``kids`` and ``auto`` entries already in the form they are sent in skip the
generic record reader; anything else goes through it. As markupsafe proves its
speedups equal to the plain version, these tests run both (``fields.kids`` against
``fields.kids_reference``, the same rules without the fast path) over generated,
hostile and Faker data and compare the payload and every problem.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pc_snippets import Guard
from pc_snippets import fields as f
from pc_snippets.guard import PLACEHOLDER_BIRTHDAYS

from .test_properties import NASTY

TODAY = datetime.date(2024, 2, 29)


class Text(str):
    """A str subclass (Markup, a str enum): sent as plain text, never as itself."""


def outcome(normalise: f.Normaliser, value: Any, guard: Guard, today: str) -> Any:
    ctx = f.Context(guard, today)
    try:
        payload = normalise(value, ctx)
    except f.FieldProblem as problem:
        payload = ("raised", problem.code, problem.message)
    return payload, [(p.field, p.code, p.message) for p in ctx.problems]


GUARDS = [Guard(), Guard(disabled={"placeholder_birthday"})]
birthdays = st.one_of(
    st.dates(min_value=datetime.date(1850, 1, 1), max_value=datetime.date(2100, 1, 1)).map(
        lambda d: d.isoformat()),
    st.dates(min_value=datetime.date(1899, 1, 1), max_value=datetime.date(2030, 1, 1)),
    st.sampled_from([*sorted(PLACEHOLDER_BIRTHDAYS), "2024-02-29", "2024-03-01", "1900-01-02",
                     "2001-02-30", " 2001-04-12", "2001-04-12 ", "20010412", "2001/04/12",
                     "\u0662001-04-12", "2001-4-12", ""]),
    st.text(max_size=11),
)
texts = st.one_of(st.text(max_size=20), st.sampled_from(NASTY), st.just("x" * 256),
                  st.just("x" * 257), st.sampled_from(["Nissan", " Lada", "Lada ", "Ford\t"]))
values = st.one_of(
    st.none(), st.integers(), st.booleans(), texts, birthdays,
    st.sampled_from(["m", "f", "M", " f", "female", "x", "TM7N24", "TM7N243E4G0BJG978",
                     "tm7n24", "TM7N-24", "TM7 N24", "IOQ123"]),
    st.sampled_from(["m", "f", "TM7N24", "Nissan", "2001-04-12"]).map(Text),
)
vds = st.one_of(
    st.sampled_from(["TM7N24", "TM7N243E4G0BJG978", "tm7n24", "Tm7N24", "TM7N-24", "TM7 N24",
                     "IOQ123", "TM7N2", "TM7N243E4G0BJG97", " TM7N24", "\u0422\u041c7N24"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 -", min_size=5, max_size=18),
)
# Entries near the sent form, where a fast path that accepted too much would show.
near_kids = st.fixed_dictionaries({}, optional={
    "gender": st.sampled_from(["m", "f", "M", "F", " m", "f ", "x", ""]) | st.just("m").map(Text),
    "birthday": birthdays,
})
near_vehicles = st.fixed_dictionaries({}, optional={
    "brand": texts, "model": texts, "vds": vds | st.just("TM7N24").map(Text),
})
records = st.one_of(
    near_kids, near_vehicles,
    st.dictionaries(st.sampled_from(["gender", "birthday", "brand", "model", "vds", "name"]),
                    values, max_size=4),
    st.none(), values, st.lists(values, max_size=2),
)
record_lists = st.one_of(st.lists(records, max_size=6), records)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_lists, st.sampled_from(GUARDS))
def test_fast_paths_agree_with_the_reference(value: Any, guard: Guard) -> None:
    for fast, reference in ((f.kids, f.kids_reference), (f.auto, f.auto_reference)):
        assert outcome(fast, value, guard, TODAY.isoformat()) == outcome(
            reference, value, guard, TODAY.isoformat())


def test_the_fast_path_copies_its_input() -> None:
    kid = {"gender": "f", "birthday": "2015-07-28"}
    sent = f.kids([kid], f.Context())
    assert sent == [kid]
    assert sent is not None
    assert sent[0] is not kid  # a later change to the input is not sent


@pytest.mark.parametrize("locale", ["en_US", "ru_RU", "de_DE", "ja_JP", "ar_AA", "hi_IN"])
def test_fast_paths_agree_on_faker_data(locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(7)
    for _ in range(200):
        kids = [{"gender": fake.random_element(["m", "f", "F", " m"]),
                 "birthday": fake.date_between("-20y", "+1y").isoformat()}
                for _ in range(fake.random_int(0, 4))]
        autos = [{"brand": fake.company(), "model": fake.word(),
                  "vds": fake.bothify("??#?##").upper()} for _ in range(fake.random_int(0, 2))]
        for fast, reference, value in ((f.kids, f.kids_reference, kids),
                                       (f.auto, f.auto_reference, autos)):
            for guard in GUARDS:
                assert outcome(fast, value, guard, TODAY.isoformat()) == outcome(
                    reference, value, guard, TODAY.isoformat())
