"""A FastAPI app with pc_snippets.fastapi.install answers 422 without echoing values."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from pc_snippets import Profile
from pc_snippets.core.errors import public_errors
from pc_snippets.fastapi import install

SECRETS = ["jane.secret@mail", "Zebulon", "+1 555 01", "2001-02-30"]
BAD = {"email": "jane.secret@mail", "first_name": "Zebulon", "phone": "+1 555 01",
       "birthday": "2001-02-30", "nickname": "Zebulon"}
EXPECTED = {
    ("body.email", "invalid_email"), ("body.phone", "invalid_phone"),
    ("body.birthday", "invalid_date"), ("body.nickname", "unknown_field"),
}


def make_app(*, installed: bool) -> FastAPI:
    app = FastAPI()
    if installed:
        install(app)

    @app.post("/profile")
    def save(profile: Profile) -> dict[str, Any]:
        return profile.model_dump(mode="json", exclude_none=True)

    @app.post("/raw")
    def raw(data: dict[str, Any]) -> dict[str, Any]:
        # An endpoint validating data it gathered itself.
        return Profile.model_validate(data).model_dump(mode="json", exclude_none=True)

    return app


def test_a_refused_profile_is_answered_with_paths_and_codes_only() -> None:
    response = TestClient(make_app(installed=True)).post("/profile", json=BAD)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {(e["field"], e["type"]) for e in detail} == EXPECTED
    for secret in SECRETS:
        assert secret not in response.text


def test_a_validation_error_inside_an_endpoint_is_a_422_not_a_500() -> None:
    client = TestClient(make_app(installed=True), raise_server_exceptions=False)
    response = client.post("/raw", json=BAD)
    assert response.status_code == 422
    assert {(e["field"], e["type"]) for e in response.json()["detail"]} == {
        (field.removeprefix("body."), code) for field, code in EXPECTED
    }
    for secret in SECRETS:
        assert secret not in response.text


def test_a_body_that_is_not_json_says_so_without_echoing_it() -> None:
    client = TestClient(make_app(installed=True))
    response = client.post("/profile", content=b'{"email": "jane.secret@mail",',
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == ["json_invalid"]
    assert "jane.secret" not in response.text


def test_a_valid_profile_is_accepted() -> None:
    response = TestClient(make_app(installed=True)).post(
        "/profile", json={"email": "Jane@Mail.COM", "gender": "female"})
    assert response.status_code == 200
    assert response.json() == {"email": "Jane@mail.com", "gender": "f"}


def test_public_errors_keep_only_value_free_messages() -> None:
    class Shouting(Exception):
        def errors(self) -> list[dict[str, Any]]:
            return [{"type": "value_error", "loc": ("body", "x", 0),
                     "msg": "Value error, Zebulon is not allowed", "input": "Zebulon"}]

    assert public_errors(Shouting()) == [
        {"loc": ["body", "x", 0], "field": "body.x[0]", "type": "value_error",
         "msg": "invalid value"},
    ]
    with pytest.raises(ValidationError) as caught:
        Profile.model_validate({"gender": "Zebulon"})
    assert "Zebulon" not in json.dumps(public_errors(caught.value))
