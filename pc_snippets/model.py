"""Typed pydantic models of a PersonaClick profile.

The models validate with the same normalisers as :func:`pc_snippets.check_profile`
(a rule violation is a pydantic error whose ``type`` is the rule code) and give
the JSON Schema (``Profile.model_json_schema()``). Errors never echo the input:
``hide_input_in_errors`` is on, because profile values are personal data.

>>> Profile(email="Jane@Mail.COM", gender="female").model_dump(exclude_none=True)
{'email': 'Jane@mail.com', 'gender': 'f'}
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from . import fields as f
from .guard import DEFAULT_GUARD, Guard
from .problems import FieldProblem

__all__ = ["Kid", "Profile", "Vehicle"]


def _rule(normalise: f.Normaliser) -> BeforeValidator:
    """Run a field normaliser inside pydantic; a FieldProblem becomes a pydantic error."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        guard = info.context.get("guard") if isinstance(info.context, dict) else None
        ctx = f.Context(guard if isinstance(guard, Guard) else DEFAULT_GUARD)
        try:
            return f.apply(normalise, value, ctx)
        except FieldProblem as problem:
            raise PydanticCustomError(problem.code, problem.message) from None

    return BeforeValidator(validate)


_MODEL_CONFIG = ConfigDict(
    extra="forbid", frozen=True, hide_input_in_errors=True, str_max_length=f.MAX_TEXT_LENGTH
)

Text = Annotated[str | None, _rule(f.text), Field(default=None, max_length=f.MAX_TEXT_LENGTH)]
Name = Annotated[str | None, _rule(f.name), Field(default=None, max_length=f.MAX_TEXT_LENGTH)]
Identifier = Annotated[
    str | None, _rule(f.identifier), Field(default=None, pattern=r"^\S+$", max_length=256)
]
Gender = Annotated[Literal["m", "f"] | None, _rule(f.gender), Field(default=None)]
Birthday = Annotated[datetime.date | None, _rule(f.birthday), Field(default=None)]
Number = Annotated[int | float | None, _rule(f.number), Field(default=None, ge=0)]


class _Hidden:
    def __repr__(self) -> str:
        return "..."


class _PrivateModel(BaseModel):
    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Field names only: a repr ends up in logs and tracebacks, and the
        # values are personal data.
        for name in type(self).model_fields:
            if getattr(self, name) is not None:
                yield name, _Hidden()


class Kid(_PrivateModel):
    """A child of the visitor: ``{gender: "m"/"f", birthday: "YYYY-MM-DD"}``."""

    model_config = _MODEL_CONFIG

    gender: Gender
    birthday: Birthday


class Vehicle(_PrivateModel):
    """A vehicle of the visitor; ``vds`` is the 6-character VDS or 17-character VIN."""

    model_config = _MODEL_CONFIG

    brand: Text
    model: Text
    vds: Annotated[
        str | None,
        _rule(f.vehicle_id),
        Field(default=None, pattern=r"^(?:[A-HJ-NPR-Z0-9]{6}|[A-HJ-NPR-Z0-9]{17})$"),
    ]


class Profile(_PrivateModel):
    """The fields of ``personaclick("profile", "set", ...)``; all optional."""

    model_config = _MODEL_CONFIG

    id: Annotated[int | str | None, _rule(f.user_id), Field(default=None)]
    external_id: Identifier
    email: Annotated[
        str | None, _rule(f.email),
        Field(default=None, max_length=254, json_schema_extra={"format": "email"}),
    ]
    phone: Annotated[str | None, _rule(f.phone), Field(default=None, pattern=r"^[0-9]{7,15}$")]
    first_name: Name
    last_name: Name
    gender: Gender
    birthday: Birthday
    age: Annotated[int | None, _rule(f.age), Field(default=None, ge=1, le=120)]
    location: Text
    bought_something: Annotated[bool | None, _rule(f.flag), Field(default=None)]
    loyalty_id: Identifier
    loyalty_card_location: Text
    loyalty_status: Text
    loyalty_bonuses: Number
    loyalty_bonuses_to_next_level: Number
    fb_id: Identifier
    vk_id: Identifier
    telegram_id: Identifier
    google_advertising_id: Identifier
    apple_advertising_id: Identifier
    yandex_id: Identifier
    kids: tuple[Kid, ...] | None = Field(default=None, max_length=f.MAX_LIST_LENGTH)
    auto: tuple[Vehicle, ...] | None = Field(default=None, max_length=f.MAX_LIST_LENGTH)

    @model_validator(mode="after")
    def _age_agrees_with_birthday(self) -> Profile:
        if self.age is not None and self.birthday is not None:
            today = datetime.date.today()
            born = self.birthday
            computed = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            if abs(self.age - computed) > 1:
                raise PydanticCustomError(
                    "age_mismatch", "age disagrees with the birthday by more than a year"
                )
        return self
