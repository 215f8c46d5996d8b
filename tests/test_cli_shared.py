"""``pc-snippets check``: one email or phone on many records (``shared_email``, ``shared_phone``).

Expected counts and record numbers are computed from the generated records with
the core check (its payload is what is compared), never copied from output.
"""

from __future__ import annotations

import json
import random
import subprocess
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from pc_snippets import RULES, check_profile
from pc_snippets.cli import shared as shared_module
from pc_snippets.cli.shared import SHARED_RULES, SharedValues, blake2b_digest

from . import test_cli
from .browser_support import PC_SNIPPETS
from .test_cli import Cli, jsonl

cli = test_cli.cli  # the fixture of tests/test_cli.py

SHOP_PHONE = "+44 20 7946 1234"  # not a fictional range: accepted by the check
SHOP_EMAIL = "Info.Shop@Mail.com"


def people(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    first = ["Anna", "Boris", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana"]
    return [{"id": n + 1, "email": f"{rng.choice(first).lower()}.{n}@mail.com",
             "phone": f"+44 7{rng.randint(10**8, 10**9 - 1)}",
             "first_name": rng.choice(first)} for n in range(count)]


def expected(records: list[dict[str, Any]], field: str) -> dict[str, list[int]]:
    """Normalised value -> numbers of the records that would send it."""
    out: dict[str, list[int]] = {}
    for number, record in enumerate(records, 1):
        value = check_profile(record).payload.get(field)
        if value is not None:
            out.setdefault(value.lower(), []).append(number)
    return out


def shared_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": shared_" in line]


def test_codes_are_cli_level_not_per_record_rules() -> None:
    assert set(SHARED_RULES) == {"shared_email", "shared_phone"}
    assert not set(SHARED_RULES) & set(RULES)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for code in SHARED_RULES:
        assert f"| `{code}` |" in readme


def test_400_of_1000_records_share_the_shop_phone(tmp_path: Path, cli: Cli) -> None:
    records = people(1000, 1)
    rng = random.Random(2)
    for index in rng.sample(range(1000), 400):
        records[index]["phone"] = SHOP_PHONE
    path = jsonl(tmp_path / "people.jsonl", records)
    numbers = expected(records, "phone")
    shop = max(numbers.values(), key=len)
    assert len(shop) == 400
    assert sum(len(n) >= 5 for n in numbers.values()) == 1
    ran = cli("check", str(path))
    assert ran.returncode == 1
    first = ", ".join(map(str, shop[:5]))
    assert shared_lines(ran.stdout) == [
        f"{path}: shared_phone: one phone number on 400 records (records {first}, ...)"]
    assert ran.stdout.splitlines()[-1].startswith(f"{path}: shared_phone")  # after problems
    assert "1 value shared by 5 or more records" in ran.stderr
    normalised = check_profile({"phone": SHOP_PHONE}).payload["phone"]
    for secret in (SHOP_PHONE, normalised, normalised[2:]):
        assert secret not in ran.stdout + ran.stderr


def test_emails_differing_in_case_are_one_value(tmp_path: Path, cli: Cli) -> None:
    records = people(50, 3)
    spellings = [SHOP_EMAIL, SHOP_EMAIL.lower(), SHOP_EMAIL.upper(), "info.shop@MAIL.COM",
                 "INFO.shop@mail.com", "Info.Shop@mail.com"]
    for index, spelling in zip(range(3, 50, 8), spellings, strict=False):
        records[index]["email"] = spelling
    numbers = expected(records, "email")[SHOP_EMAIL.lower()]
    assert len(numbers) == 6
    ran = cli("check", str(jsonl(tmp_path / "p.jsonl", records)))
    assert ran.returncode == 1
    lines = shared_lines(ran.stdout)
    assert len(lines) == 1
    assert "shared_email: one email address on 6 records (records " \
           f"{', '.join(map(str, numbers[:5]))}, ...)" in lines[0]
    for spelling in spellings:
        assert spelling.lower() not in (ran.stdout + ran.stderr).lower()


def test_below_threshold_and_threshold_off(tmp_path: Path, cli: Cli) -> None:
    records = people(40, 4)
    for index in (1, 9, 17, 25):
        records[index]["phone"] = SHOP_PHONE  # 4 records: below the default 5
    path = jsonl(tmp_path / "p.jsonl", records)
    assert check_profile(records[0]).ok
    ran = cli("check", str(path))
    assert (ran.returncode, ran.stdout) == (0, "")
    assert cli("check", "--shared-threshold", "4", str(path)).returncode == 1
    assert cli("check", "--shared-threshold", "3", str(path)).stdout.count("shared_phone") == 1
    for off in ("0", "off", "OFF"):
        ran = cli("check", "--shared-threshold", off, "--format", "json", str(path))
        assert ran.returncode == 0
        assert json.loads(ran.stdout)["shared"] == []
    for bad in ("1", "-3", "many"):
        ran = cli("check", "--shared-threshold", bad, str(path))
        assert ran.returncode == 2
        assert "--shared-threshold" in ran.stderr


def test_show_values_prints_the_value_escaped(tmp_path: Path, cli: Cli) -> None:
    records = people(30, 5)
    hostile = "boss\x1b[31m@mail.com"  # refused by the check: never counted
    odd = "Shop@Bj\u00f6rk.se"  # an IDN domain: sent, so counted
    for index in range(0, 30, 5):
        records[index]["email"] = odd
        records[index + 1]["email"] = hostile
    path = jsonl(tmp_path / "p.jsonl", records)
    hidden = cli("check", str(path))
    assert "Bj\u00f6rk" not in hidden.stdout + hidden.stderr
    assert "bj\u00f6rk" not in (hidden.stdout + hidden.stderr).lower()
    shown = cli("check", "--show-values", str(path))
    line = shared_lines(shown.stdout)
    assert len(line) == 1
    sent = check_profile({"email": odd}).payload["email"]
    assert line[0].endswith(f"(value: {json.dumps(sent, ensure_ascii=True)})")
    assert "\u00f6" not in line[0]  # escaped: \\u00f6
    assert "\x1b" not in shown.stdout
    report = json.loads(cli("check", "--show-values", "--format", "json", str(path)).stdout)
    assert [item["value"] for item in report["shared"]] == [sent]
    # Standard input is read once: the value cannot be shown, and that is said.
    piped = subprocess.run(
        [str(PC_SNIPPETS), "check", "--show-values", "--input-format", "jsonl", "-"],
        input=path.read_text(encoding="utf-8"), capture_output=True, text=True, check=False,
    )
    assert piped.returncode == 1
    assert shared_lines(piped.stdout) == [line[0].replace(str(path), "-").replace(
        f"(value: {json.dumps(sent, ensure_ascii=True)})",
        "(value not available: standard input and pipes are read only once)")]
    assert "Traceback" not in piped.stderr


def test_json_output_and_two_files(tmp_path: Path, cli: Cli) -> None:
    first, second = people(20, 6), people(20, 7)
    for index in (2, 11):
        first[index]["phone"] = SHOP_PHONE
    for index in (0, 4, 8, 19):
        second[index]["phone"] = SHOP_PHONE
    a = jsonl(tmp_path / "a.jsonl", first)
    b = jsonl(tmp_path / "b.jsonl", second)
    # Across both files: 6 records; in either alone, fewer than 5.
    assert cli("check", str(a)).returncode == cli("check", str(b)).returncode == 0
    sent = check_profile({"phone": SHOP_PHONE}).payload["phone"]
    where = [(str(a), n) for n in expected(first, "phone")[sent]]
    where += [(str(b), n) for n in expected(second, "phone")[sent]]
    assert len(where) == 6
    ran = cli("check", "--format", "json", str(a), str(b))
    assert ran.returncode == 1
    report = json.loads(ran.stdout)
    assert report["problems"] == []
    assert report["shared"] == [{
        "code": "shared_phone", "field": "phone", "count": 6,
        "message": "one phone number on 6 records",
        "records": [{"file": file, "record": number} for file, number in where[:5]],
    }]
    assert report["summary"]["problems"] == 1
    text = cli("check", str(a), str(b))
    assert shared_lines(text.stdout) == [
        f"{a}: shared_phone: one phone number on 6 records (records {where[0][1]}, "
        f"{where[1][1]}, {b} record {where[2][1]}, {b} record {where[3][1]}, "
        f"{b} record {where[4][1]}, ...)"]
    assert sent not in ran.stdout + text.stdout + text.stderr


def test_memory_is_arrays_of_digests_not_values(monkeypatch: pytest.MonkeyPatch) -> None:
    payloads = [{"email": f"user.{n}@mail.com", "phone": f"4477{n:08d}"}
                for n in range(100_000)]
    shop = list(range(3, 100_000, 14_000))  # 8 records, spread over the run
    for index in shop:
        payloads[index]["phone"] = "442079461234"
    monkeypatch.setattr(shared_module, "_PART_SIZE", 1 << 14)  # count in parts of ~16k
    tracemalloc.start()
    try:
        shared = SharedValues(5)
        for payload in payloads:
            shared.add(payload)
        shared.flush()
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        findings = shared.findings()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(f.code, f.count, f.first) for f in findings] == [
        ("shared_phone", 8, tuple(index + 1 for index in shop[:5]))]
    rows = len(payloads)
    assert shared.nbytes() <= rows * 2 * 8 * 1.1  # 8 bytes a record and field
    assert held <= rows * 2 * 8 * 1.2 + 100_000  # ... and no Python object per value
    # Counting is done 1/7 at a time: a Counter of all 100k digests would take > 8 MB.
    assert peak - held <= 3_000_000


@pytest.mark.parametrize("digest", [None, "blake2b"])
def test_both_digests_count_the_same(digest: str | None) -> None:
    shared = SharedValues(3, digest=blake2b_digest() if digest else None)
    for number in range(1, 10):
        shared.add({"email": "A@mail.com" if number % 2 else f"x{number}@mail.com",
                    "phone": "442079461234"})
    assert [(f.code, f.count, f.first) for f in shared.findings()] == [
        ("shared_email", 5, (1, 3, 5, 7, 9)), ("shared_phone", 9, (1, 2, 3, 4, 5))]


@pytest.mark.parametrize("count", [5, 40])  # the short scan path (<= 16 values) and the long
def test_findings_with_a_limit_are_the_first_of_all_findings(count: int) -> None:
    rng = random.Random(count)
    shared = SharedValues(threshold=2)
    values = [f"v{rng.randrange(count)}@mail.com" for _ in range(6 * count)]
    for number, value in enumerate(values):
        phone = f"+44 20 7946 {1000 + rng.randrange(count):04d}" if number % 3 else None
        shared.add({"email": value, "phone": phone} if phone else {"email": value})
    everything = shared.findings()
    total = shared.found
    assert total == len(everything) > 4  # both fields, many values
    for limit in (1, 3, total - 1, total, total + 5):
        listed = shared.findings(limit=limit)
        assert listed == everything[:limit]
        assert shared.found == total


def test_only_the_first_shared_values_are_listed_the_rest_counted(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    main_module = importlib.import_module("pc_snippets.cli.main")  # the package's main() hides it
    monkeypatch.setattr(main_module, "MAX_LISTED", 3)
    records = [{"email": f"same{n % 7}@mail.com"} for n in range(21)]  # 7 values, 3 each
    source = jsonl(tmp_path / "dup.jsonl", records)
    text = cli("check", str(source), "--shared-threshold", "2")
    assert text.returncode == 1
    listed = shared_lines(text.stdout)
    assert [line.split("(records ")[1] for line in listed] == [
        "1, 8, 15)", "2, 9, 16)", "3, 10, 17)"]  # the values whose first records come first
    assert "4 more values shared by 2 or more records not listed (the first 3 are)" in text.stdout
    assert text.stderr.rstrip().endswith("7 values shared by 2 or more records")
    ran = cli("check", str(source), "--shared-threshold", "2", "--format", "json",
              "--report", str(tmp_path / "r.html"))
    run = json.loads(ran.stdout)
    assert len(run["shared"]) == 3
    assert run["shared_not_listed"] == 4
    assert run["summary"]["problems"] == 7
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="stat-shared" data-value="7"' in page
    assert "4 more shared values are not listed (the first 3 are)." in page
