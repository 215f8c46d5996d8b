"""Concurrent rendering from 8 threads gives byte-identical output to sequential rendering."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from pc_snippets import (
    EXAMPLE_PROFILE,
    Guard,
    render_call,
    render_init,
    render_profile_get,
    render_profile_set,
)

GUARDS = [None, Guard(disabled={"placeholder_name"}), Guard(placeholder_domains=["shop.com"])]


def make_profiles() -> list[dict[str, Any]]:
    profiles: list[dict[str, Any]] = []
    for i in range(400):
        profile: dict[str, Any] = {
            "id": i + 1,
            "email": f"user{i}@{'shop.com' if i % 7 == 0 else 'mail.com'}",
            "first_name": ["Ann", "Test", "Bob</script>", "Zoë\u2028"][i % 4],
            "gender": ["f", "m", "x"][i % 3],
            "phone": f"+44 20 7946 {1000 + i}",
            "kids": [{"gender": "f", "birthday": f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}"}],
        }
        if i % 5 == 0:
            profile = dict(EXAMPLE_PROFILE)
        profiles.append(profile)
    return profiles


PROFILES = make_profiles()
JOBS = [(i, PROFILES[i], GUARDS[i % len(GUARDS)]) for i in range(len(PROFILES))] * 3


def render_job(job: tuple[int, dict[str, Any], Guard | None]) -> str:
    i, profile, guard = job
    parts = [
        render_profile_set(profile, guard=guard, custom={"n": i % 4} if i % 2 else None),
        render_profile_get(callback=f"shop.cb{i % 5}", event=bool(i % 2)),
        render_init("357382bf66ac0ce2f1722677c59511", stream=f"s{i % 3}", nonce=f"nonce{i % 4}"),
        render_call("track", "view", {"id": f"SKU-{i}"}),
    ]
    return "".join(parts)


@pytest.mark.parametrize("chunksize", [3, 1])
def test_threads_match_sequential(chunksize: int) -> None:
    sequential = [render_job(job) for job in JOBS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(render_job, JOBS, chunksize=chunksize))
    with ThreadPoolExecutor(max_workers=8) as pool:  # again, with warm snippet caches
        warm = list(pool.map(render_job, JOBS, chunksize=chunksize))
    assert concurrent == sequential
    assert warm == sequential
    assert len(set(sequential)) > len(PROFILES) // 2  # the jobs really differ
