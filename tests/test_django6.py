"""The Django tags on real Django >= 6.0 and its own Content Security Policy.

Django 6 needs Python >= 3.12; this suite runs on the machine's Python 3.11 with
Django 5.2. So a Python >= 3.12 interpreter on this machine gets a fresh venv
with the newest Django and this package, runs ``tests/django6_site.py`` there,
and the pages it prints are checked here with the usual oracles: an HTML parser
for the nonces, a JavaScript engine for the data. (A stand-in module written to
Django 6's documented behaviour is tested in ``test_django.py``; it did not catch
that Django 6 changed ``parse_bits()``, which this test did.)
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pc_snippets import check_profile
from tests.pages import calls_named, page_scripts, run_page

ROOT = Path(__file__).resolve().parent.parent
SHOP_ID = "357382bf66ac0ce2f1722677c59511"


def newer_python() -> str:
    """A Python >= 3.12 interpreter on this machine (Django 6 needs it)."""
    candidates = [shutil.which(f"python3.{minor}") for minor in (13, 12)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[23]*/bin/python")))
    for candidate in candidates:
        if candidate is None:
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True, text=True, check=False,
        )
        if probe.stdout.strip() == "True":
            return candidate
    raise AssertionError(
        "no Python >= 3.12 found (python3.13, python3.12 or ~/.pyenv/versions/3.12*): "
        "Django 6 cannot be tested without one"
    )


@pytest.fixture(scope="module")
def django6_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("django6")
    interpreter = newer_python()
    subprocess.run([interpreter, "-m", "venv", str(home / "venv")], check=True)
    python = str(home / "venv" / ("Scripts" if sys.platform == "win32" else "bin") / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "django>=6", str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    run = subprocess.run(
        [python, str(ROOT / "tests" / "django6_site.py")],
        capture_output=True, text=True, check=False, cwd=home,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    output: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return output


def test_it_is_really_django_6(django6_output: dict[str, Any]) -> None:
    major = int(django6_output["django"].split(".")[0])
    assert major >= 6
    assert not [code for code in django6_output["checks"] if code.startswith("personaclick.")]


@pytest.mark.parametrize("source", ["csp_nonce variable", "get_nonce(request)"])
def test_pages_carry_django_6_nonce_and_the_profile(
    django6_output: dict[str, Any], source: str
) -> None:
    page = django6_output["pages"][source]
    assert page["status"] == 200
    match = re.search(r"'nonce-([^']+)'", page["csp"])
    assert match, "Django's CSP middleware sent no nonce"
    assert [script.nonce for script in page_scripts(page["html"])] == [match.group(1)] * 3
    calls = run_page(page["html"])
    assert calls_named(calls, "init") == [["init", SHOP_ID]]
    user = django6_output["user"]
    assert calls_named(calls, "profile", "set") == [
        ["profile", "set", check_profile(user).payload]
    ]
    assert page["cache"] == "private"

