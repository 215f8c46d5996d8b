"""The tags' fast paths render exactly what the core renders (added with the tag speed-up)."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import Environment

from pc_snippets import ProfileError, render_profile_set
from pc_snippets.jinja import PersonaClickExtension

NONCE = "cmFuZG9tLW5vbmNl"


def _env(**settings: object) -> Environment:
    env = Environment(extensions=[PersonaClickExtension], autoescape=True)
    env.extend(personaclick_shop_id="357382bf66ac0ce2f1722677c59511",
               **{f"personaclick_{key}": value for key, value in settings.items()})
    return env


def test_repeat_dict_profile_matches_the_core_call() -> None:
    page = _env().from_string("{% personaclick_profile_set user %}")
    user = {"id": 7, "email": "ann@mail.com", "first_name": "Ann"}
    first = page.render(user=user, csp_nonce=NONCE)
    again = page.render(user=user, csp_nonce=NONCE)  # the same nonce: its check is reused
    assert first == again == str(render_profile_set(user, nonce=NONCE))


def test_nothing_to_send_needs_no_nonce() -> None:
    # A refused nonce only matters when a script is rendered, as before.
    page = _env().from_string("{% personaclick_profile_set user %}")
    assert page.render(user={"email": "not an email"}, csp_nonce="bad nonce!") == ""
    with pytest.raises(ValueError, match="nonce"):
        page.render(user={"email": "ann@mail.com"}, csp_nonce="bad nonce!")


def test_strict_profile_problem_wins_over_a_bad_nonce() -> None:
    page = _env(strict=True).from_string("{% personaclick_profile_set user %}")
    with pytest.raises(ProfileError):
        page.render(user={"email": "not an email"}, csp_nonce="bad nonce!")


def test_lenient_problems_are_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    page = _env().from_string("{% personaclick_profile_set user %}")
    html = page.render(user={"email": "ann@mail.com", "age": "old"}, csp_nonce=NONCE)
    assert "ann@mail.com" in html
    assert "old" not in html
    assert len(caplog.records) == 1  # one refused field, logged once
    assert "age" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    "source",
    [
        '{% personaclick_profile_get callback="shop.onProfile", nonce="' + NONCE + '" %}',
        "{% personaclick_profile_get callback=name, nonce=explicit %}",
    ],
    ids=["literal keywords: direct call", "render-time keywords: cleaned first"],
)
def test_both_compiled_forms_render_what_the_core_renders(source: str) -> None:
    from pc_snippets import render_profile_get

    html = _env().from_string(source).render(
        name="shop.onProfile", explicit=NONCE, csp_nonce="b3RoZXI="
    )
    assert html == str(render_profile_get(callback="shop.onProfile", nonce=NONCE))


def test_an_undefined_keyword_value_means_not_given() -> None:
    # nonce=missing falls back to the context's nonce, as if no nonce were written.
    from pc_snippets import render_init

    page = _env().from_string("{% personaclick_init nonce=missing, stream=also_missing %}")
    expected = render_init("357382bf66ac0ce2f1722677c59511", nonce=NONCE)
    assert page.render(csp_nonce=NONCE) == str(expected)


def test_strict_undefined_keyword_value_still_raises() -> None:
    from jinja2 import StrictUndefined, UndefinedError

    env = Environment(extensions=[PersonaClickExtension], undefined=StrictUndefined)
    env.extend(personaclick_shop_id="357382bf66ac0ce2f1722677c59511")
    with pytest.raises(UndefinedError):
        env.from_string("{% personaclick_init nonce=missing %}").render()


class _Counted:
    """Counts the checks and the serializations the pipeline makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import sys

        import pc_snippets.core.check
        import pc_snippets.core.serialize

        self.checks: list[int] = []
        self.serializations: list[int] = []
        check, dumps = pc_snippets.core.check._check, pc_snippets.core.serialize.dumps_js

        def counting_check(*args: Any) -> Any:
            self.checks.append(1)
            return check(*args)

        def counting_dumps(*args: Any, **kwargs: Any) -> Any:
            self.serializations.append(1)
            return dumps(*args, **kwargs)

        # check_profile (the pipeline's) looks _check up in its module; the core
        # renderer compared with below keeps its own reference.
        monkeypatch.setattr(pc_snippets.core.check, "_check", counting_check)
        for name, module in list(sys.modules.items()):  # wherever dumps_js was imported
            if name.startswith("pc_snippets") and getattr(module, "dumps_js", None) is dumps:
                monkeypatch.setattr(module, "dumps_js", counting_dumps)


def _send_once_hooks(send_once: bool, debug: bool, session: dict[str, str]) -> Any:
    from pc_snippets.adapter import Settings, StaticHooks

    class Hooks(StaticHooks):
        def session(self, request: object) -> dict[str, str]:
            return session

        def secret_key(self) -> bytes:
            return b"secret"

    return Hooks(Settings(shop_id="357382bf66ac0ce2f1722677c59511", send_once=send_once,
                          debug=debug))


@pytest.mark.parametrize("send_once", [False, True])
@pytest.mark.parametrize("data", [
    {"id": 7, "email": "ann@mail.com"},            # clean
    {"id": 7, "email": "anonymous@example.com"},   # one problem
    {"email": "anonymous@example.com"},            # nothing left to send
])
@pytest.mark.parametrize("debug", [False, True])
def test_every_path_checks_and_serializes_the_profile_once(
    monkeypatch: pytest.MonkeyPatch, send_once: bool, data: dict[str, object], debug: bool
) -> None:
    from pc_snippets.adapter import render_profile_set_for

    expected = render_profile_set(data, nonce=NONCE, debug=debug)  # before counting
    counted = _Counted(monkeypatch)
    session: dict[str, str] = {}
    hooks = _send_once_hooks(send_once, debug, session)
    first = render_profile_set_for(hooks, {}, data, nonce=NONCE)
    assert len(counted.checks) == 1
    # The payload is serialized once (send-once fingerprints the rendered snippet);
    # a debug warning serializes its message too.
    sent = "id" in data
    assert len(counted.serializations) == sent + (debug and "example.com" in str(data))
    # The pipeline renders what the core renders for the same data.
    assert first == expected
    again = render_profile_set_for(hooks, {}, data, nonce=NONCE)
    assert len(counted.checks) == 2
    if send_once and sent:
        assert again == ""  # the same data again in this session
    else:
        assert again == first


@pytest.mark.parametrize("debug", [False, True])
def test_a_refused_nonce_comes_after_one_check_and_no_render(
    monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    from pc_snippets.adapter import render_profile_set_for

    counted = _Counted(monkeypatch)
    session: dict[str, str] = {}
    hooks = _send_once_hooks(True, debug, session)
    with pytest.raises(ValueError, match="nonce"):
        render_profile_set_for(hooks, {}, {"id": 7, "email": "ann@mail.com"}, nonce="bad nonce!")
    assert len(counted.checks) == 1
    assert counted.serializations == []  # refused before anything was rendered
    assert session == {}  # nor remembered as sent
