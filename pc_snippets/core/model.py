"""Typed pydantic models of a PersonaClick profile.

Validating a model runs :func:`pc_snippets.check_profile` itself (``Kid`` and
``Vehicle`` its rules for one entry), so the two agree on every input: each problem
check_profile reports is a pydantic error whose ``type`` is the rule code and whose
``loc`` is the field path, and valid data gives the payload check_profile sends.
Pydantic only builds the typed model from that payload.
``Profile.model_json_schema()`` describes the data that is sent (never ``null``:
missing fields are left out).

No error carries the refused value, in its message or in ``errors()`` (its
``input`` is ``None``): profile values are personal data.

>>> Profile(email="Jane@Mail.COM", gender="female").model_dump(exclude_none=True)
{'email': 'Jane@mail.com', 'gender': 'f'}
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from . import fields as f
from .check import CheckResult, _check
from .clock import iso_today
from .guard import DEFAULT_GUARD, Guard
from .phones import check_region
from .problems import Problem

__all__ = ["Kid", "Profile", "Vehicle"]


def _options(info: ValidationInfo) -> tuple[Guard, str | None, str | None]:
    # Validation context keys: "guard" (a Guard), "today" (a datetime.date) and
    # "phone_region" ("RU"), as check_profile's arguments.
    options = info.context if isinstance(info.context, dict) else {}
    guard = options.get("guard")
    return (guard if isinstance(guard, Guard) else DEFAULT_GUARD, iso_today(options.get("today")),
            check_region(options.get("phone_region")))


def _loc(path: str) -> tuple[str | int, ...]:
    """A field path as a pydantic ``loc``: ``"kids[1].gender"`` -> ``("kids", 1, "gender")``."""
    loc: list[str | int] = []
    for part in path.split(".") if path else ():
        name, _, index = part.partition("[")
        loc.append(name)
        if index:
            loc.append(int(index.rstrip("]")))
    return tuple(loc)


def _validation_error(title: str, problems: tuple[Problem, ...]) -> ValidationError:
    # Built from the problems alone: no error carries the refused value.
    details = [
        InitErrorDetails(
            type=PydanticCustomError(problem.code, problem.message),
            loc=_loc(problem.field),
            input=None,
        )
        for problem in problems
    ]
    return ValidationError.from_exception_data(title, details, hide_input=True)


def _schema(**schema: Any) -> WithJsonSchema:
    # The schema of what is sent. The rules themselves are check_profile's (the
    # models run it first), so pydantic gets no constraints of its own.
    return WithJsonSchema(schema)


_TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": f.MAX_TEXT_LENGTH}
_ID_SCHEMA = {**_TEXT_SCHEMA, "pattern": r"^\S+$"}
_VDS_PATTERN = r"^(?:[A-HJ-NPR-Z0-9]{6}|[A-HJ-NPR-Z0-9]{17})$"

Text = Annotated[str | None, _schema(**_TEXT_SCHEMA), Field(default=None)]
Identifier = Annotated[str | None, _schema(**_ID_SCHEMA), Field(default=None)]
Gender = Annotated[Literal["m", "f"] | None, _schema(enum=["m", "f"]), Field(default=None)]
Birthday = Annotated[
    datetime.date | None,
    _schema(type="string", format="date", pattern=r"^\d{4}-\d{2}-\d{2}$"),
    Field(default=None),
]
Number = Annotated[int | float | None, _schema(type="number", minimum=0), Field(default=None)]

class _Hidden:
    def __repr__(self) -> str:
        return "..."


class _PrivateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    #: The rules this model's fields obey (the normalisers of check_profile).
    _rules: ClassVar[Mapping[str, f.Normaliser]]

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Field names only: a repr ends up in logs and tracebacks, and the
        # values are personal data.
        for name in type(self).model_fields:
            if getattr(self, name) is not None:
                yield name, _Hidden()

    @classmethod
    def _check(
        cls, data: Any, guard: Guard, today: str | None, phone_region: str | None
    ) -> CheckResult:
        ctx = f.Context(guard, today, phone_region)
        return CheckResult(f.read_record(data, cls._rules, ctx), tuple(ctx.problems))

    @model_validator(mode="wrap")
    @classmethod
    def _checked(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """Validate with check_profile's rules, so the model and it agree on every input.

        The rules run first and decide; pydantic then only builds the typed
        model from the cleaned payload, which its field types always accept.
        """
        if isinstance(data, cls):
            return data
        if data is None:  # check_profile's "no visitor"; a model needs data
            raise _validation_error(cls.__name__, (f.not_a_record(),))
        result = cls._check(data, *_options(info))
        if result.problems:
            raise _validation_error(cls.__name__, result.problems)
        try:
            return handler(result.payload)
        except ValidationError as exc:  # a bug: the payload breaks the field types
            problems = tuple(
                Problem(".".join(str(part) for part in e["loc"]), "invalid_type", "unexpected type")
                for e in exc.errors(include_input=False)
            )
            raise _validation_error(cls.__name__, problems) from None


class Kid(_PrivateModel):
    """A child of the visitor: ``{gender: "m"/"f", birthday: "YYYY-MM-DD"}``."""

    _rules = f.KID_RULES

    gender: Gender
    birthday: Birthday


class Vehicle(_PrivateModel):
    """A vehicle of the visitor; ``vds`` is the 6-character VDS or 17-character VIN."""

    _rules = f.VEHICLE_RULES

    brand: Text
    model: Text
    vds: Annotated[
        str | None,
        _schema(type="string", pattern=_VDS_PATTERN),
        Field(default=None),
    ]


class Profile(_PrivateModel):
    """The fields of ``personaclick("profile", "set", ...)``; all optional."""

    _rules = f.FIELD_RULES

    @classmethod
    def _check(
        cls, data: Any, guard: Guard, today: str | None, phone_region: str | None
    ) -> CheckResult:
        # The whole of check_profile: the fields, then the cross-field age rule.
        return _check(data, None, guard, today, phone_region)

    id: Annotated[
        int | str | None,
        _schema(anyOf=[{"type": "integer", "minimum": 1}, _ID_SCHEMA]),
        Field(default=None),
    ]
    external_id: Identifier
    email: Annotated[
        str | None,
        _schema(type="string", format="email", maxLength=254),
        Field(default=None),
    ]
    phone: Annotated[
        str | None, _schema(type="string", pattern=r"^[0-9]{7,15}$"),
        Field(default=None),
    ]
    first_name: Text
    last_name: Text
    gender: Gender
    birthday: Birthday
    age: Annotated[
        int | None, _schema(type="integer", minimum=1, maximum=120),
        Field(default=None),
    ]
    location: Text
    bought_something: Annotated[
        bool | None, _schema(type="boolean"), Field(default=None)
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
        Field(default=None, json_schema_extra={"maxItems": f.MAX_LIST_LENGTH}),
    ]
    auto: Annotated[
        tuple[Vehicle, ...] | None,
        Field(default=None, json_schema_extra={"maxItems": f.MAX_LIST_LENGTH}),
    ]
