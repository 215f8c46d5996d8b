"""Typed pydantic models of a PersonaClick profile.

The models validate with the same normalisers as :func:`pc_snippets.check_profile`:
a rule violation is a pydantic error whose ``type`` is the rule code and whose
``loc`` is the field path. ``Profile.model_json_schema()`` describes the data that
is sent (never ``null``: missing fields are left out).

Errors never echo the input in their message (``hide_input_in_errors``), because
profile values are personal data; ``ValidationError.errors()`` still carries an
``input`` entry unless called with ``include_input=False``.

>>> Profile(email="Jane@Mail.COM", gender="female").model_dump(exclude_none=True)
{'email': 'Jane@mail.com', 'gender': 'f'}
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from . import fields as f
from .clock import iso_today
from .guard import DEFAULT_GUARD, Guard
from .problems import FieldProblem

__all__ = ["Kid", "Profile", "Vehicle"]


def _context(info: ValidationInfo) -> f.Context:
    # Validation context keys: "guard" (a Guard) and "today" (a datetime.date).
    options = info.context if isinstance(info.context, dict) else {}
    guard = options.get("guard")
    return f.Context(
        guard if isinstance(guard, Guard) else DEFAULT_GUARD, iso_today(options.get("today"))
    )


def _rule(normalise: f.Normaliser) -> BeforeValidator:
    """Run a field normaliser inside pydantic; a FieldProblem becomes a pydantic error."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        ctx = _context(info)
        try:
            return f.apply(normalise, value, ctx)
        except FieldProblem as problem:
            raise PydanticCustomError(problem.code, problem.message) from None

    return BeforeValidator(validate)


def _records(value: Any) -> Any:
    # The list rules of check_profile: a list (or tuple) of at most 20 entries,
    # None entries skipped. The entries themselves are validated as Kid / Vehicle.
    if value is None:
        return None
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (list, tuple)):
        raise PydanticCustomError("invalid_type", "expected a list")
    if len(value) > f.MAX_LIST_LENGTH:
        raise PydanticCustomError("too_many", f"more than {f.MAX_LIST_LENGTH} entries")
    return tuple(item for item in value if item is not None) or None


def _drop_empty(records: tuple[BaseModel, ...] | None) -> tuple[BaseModel, ...] | None:
    # As in check_profile: an entry with nothing valid left is pointless.
    kept = tuple(r for r in records or () if r.model_dump(exclude_none=True))
    return kept or None


def _schema(**schema: Any) -> WithJsonSchema:
    # The schema of what is sent. The rules themselves live in the normalisers, so
    # pydantic gets no constraints of its own (they would also run on None).
    return WithJsonSchema(schema)


_TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": f.MAX_TEXT_LENGTH}
_ID_SCHEMA = {**_TEXT_SCHEMA, "pattern": r"^\S+$"}
_VDS_PATTERN = r"^(?:[A-HJ-NPR-Z0-9]{6}|[A-HJ-NPR-Z0-9]{17})$"

Text = Annotated[str | None, _rule(f.text), _schema(**_TEXT_SCHEMA), Field(default=None)]
Name = Annotated[str | None, _rule(f.name), _schema(**_TEXT_SCHEMA), Field(default=None)]
Identifier = Annotated[str | None, _rule(f.identifier), _schema(**_ID_SCHEMA), Field(default=None)]
Gender = Annotated[
    Literal["m", "f"] | None, _rule(f.gender), _schema(enum=["m", "f"]), Field(default=None)
]
Birthday = Annotated[
    datetime.date | None,
    _rule(f.birthday),
    _schema(type="string", format="date", pattern=r"^\d{4}-\d{2}-\d{2}$"),
    Field(default=None),
]
Number = Annotated[
    int | float | None, _rule(f.number), _schema(type="number", minimum=0), Field(default=None)
]

# Pydantic's own error types for the structural rules, as this library's codes.
_STRUCTURAL_CODES = {
    "extra_forbidden": ("unknown_field", "unknown field"),
    "tuple_type": ("invalid_type", "expected a list"),
    "list_type": ("invalid_type", "expected a list"),
    "model_type": ("invalid_type", "expected an object"),
    "model_attributes_type": ("invalid_type", "expected an object"),
    "dict_type": ("invalid_type", "expected an object"),
    "string_type": ("invalid_type", "expected text"),
}


class _Hidden:
    def __repr__(self) -> str:
        return "..."


class _PrivateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Field names only: a repr ends up in logs and tracebacks, and the
        # values are personal data.
        for name in type(self).model_fields:
            if getattr(self, name) is not None:
                yield name, _Hidden()

    @model_validator(mode="wrap")
    @classmethod
    def _rule_codes(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Report pydantic's structural errors under this library's rule codes."""
        try:
            return handler(data)
        except ValidationError as exc:
            if not any(e["type"] in _STRUCTURAL_CODES for e in exc.errors()):
                raise
            details: list[InitErrorDetails] = []
            for error in exc.errors():
                mapped = _STRUCTURAL_CODES.get(error["type"])
                details.append(
                    InitErrorDetails(
                        type=PydanticCustomError(*mapped) if mapped else error["type"],
                        loc=error["loc"],
                        input=error.get("input"),
                        ctx=error.get("ctx") or {},
                    )
                )
            raise ValidationError.from_exception_data(
                cls.__name__, details, hide_input=True
            ) from None


class Kid(_PrivateModel):
    """A child of the visitor: ``{gender: "m"/"f", birthday: "YYYY-MM-DD"}``."""

    gender: Gender
    birthday: Birthday


class Vehicle(_PrivateModel):
    """A vehicle of the visitor; ``vds`` is the 6-character VDS or 17-character VIN."""

    brand: Text
    model: Text
    vds: Annotated[
        str | None,
        _rule(f.vehicle_id),
        _schema(type="string", pattern=_VDS_PATTERN),
        Field(default=None),
    ]


class Profile(_PrivateModel):
    """The fields of ``personaclick("profile", "set", ...)``; all optional."""

    id: Annotated[
        int | str | None,
        _rule(f.user_id),
        _schema(anyOf=[{"type": "integer", "minimum": 1}, _ID_SCHEMA]),
        Field(default=None),
    ]
    external_id: Identifier
    email: Annotated[
        str | None,
        _rule(f.email),
        _schema(type="string", format="email", maxLength=254),
        Field(default=None),
    ]
    phone: Annotated[
        str | None, _rule(f.phone), _schema(type="string", pattern=r"^[0-9]{7,15}$"),
        Field(default=None),
    ]
    first_name: Name
    last_name: Name
    gender: Gender
    birthday: Birthday
    age: Annotated[
        int | None, _rule(f.age), _schema(type="integer", minimum=1, maximum=120),
        Field(default=None),
    ]
    location: Text
    bought_something: Annotated[
        bool | None, _rule(f.flag), _schema(type="boolean"), Field(default=None)
    ]
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
    kids: Annotated[
        tuple[Kid, ...] | None,
        BeforeValidator(_records),
        AfterValidator(_drop_empty),
        Field(default=None, json_schema_extra={"maxItems": f.MAX_LIST_LENGTH}),
    ]
    auto: Annotated[
        tuple[Vehicle, ...] | None,
        BeforeValidator(_records),
        AfterValidator(_drop_empty),
        Field(default=None, json_schema_extra={"maxItems": f.MAX_LIST_LENGTH}),
    ]

    @field_validator("age")
    @classmethod
    def _age_agrees_with_birthday(cls, age: int | None, info: ValidationInfo) -> int | None:
        # Declared after birthday, so a valid birthday is already in info.data.
        born = info.data.get("birthday")
        if (
            age is not None
            and born is not None
            and abs(age - f.age_on(born.isoformat(), _context(info).today_iso)) > 1
        ):
            raise PydanticCustomError(
                "age_mismatch", "disagrees with the birthday by more than a year"
            )
        return age
