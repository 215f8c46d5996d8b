"""Speed of ``pc-snippets check`` and ``pc-snippets page`` against the core check.

Generates N profiles (about a quarter with problems), writes them as JSON Lines,
then measures (best of 3 rounds, the loop and the command back to back in each;
not ``page``):

- core: ``check_profile`` in a loop over the same records, already in memory;
- ``pc-snippets check FILE`` end to end (process start, reading, checking, report);
- ``pc-snippets page FILE -o DIR`` end to end (a page per profile plus the index).

Run: ``python benchmarks/bench_cli.py`` (10,000 and 100,000 profiles) or
``python benchmarks/bench_cli.py 5000 50000``. Prints profiles/second, the
ratio to the core's rate (``check`` should reach >= 0.6x), the same ratio
without the fixed process start-up ("w/o start"), and the per-profile cost at
each size (linear scaling keeps it flat). Then one line, "pc-snippets check vs
in-process check_profile loop", for the largest size.

``python benchmarks/bench_cli.py --scale`` prints issue 12's scale table: JSON Lines
and CSV files of 10,000, 100,000 and 1,000,000 rows (``--scale 10000 100000`` for
other sizes), ``check`` with ``--jobs 1``, ``--jobs 2`` and ``--jobs 1 --report``
(the shared-value check on, as by default), each run's wall time (best of the
rounds), its rate against the in-process ``check_profile`` loop over the same
records, the cost per row (flat when scaling is linear), the peak RSS of its largest
process (``ru_maxrss``) and the ``--jobs 2`` speed-up and ``--report`` overhead.

Ratios are measured in interleaved rounds (``--rounds``, default 2): each round runs
the loop and then every variant once, and a ratio is taken within a round, the
median of the rounds printed. This shared VM has slow phases that last minutes
(the same run 1.6x slower ten minutes later): a loop timed first and commands
timed later would compare two phases, not two programs.

``python benchmarks/bench_cli.py --rows 1000000`` measures only that line, for
a JSON Lines file of that many rows (issue 9's one-million-row figure; it
needs about 1 GB of memory for the in-process records and a few minutes);
``page`` is skipped there, as it would write a million files.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pc_snippets import check_profile

CLI = Path(sys.executable).with_name("pc-snippets")
FIRST = ["Anna", "Boris", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivan", "Jun"]
LAST = ["Ivanova", "Smith", "Müller", "García", "Kowalski", "Nakamura", "O'Neil", "Rossi"]
DOMAINS = ["mail.com", "post.net", "inbox.org", "correo.es", "mail.ru"]


def profile(rng: random.Random, n: int) -> dict[str, Any]:
    """A realistic profile; some carry the mistakes stores make (placeholders, bad formats)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    year = rng.randint(1950, 2005)
    data: dict[str, Any] = {
        "id": n + 1,
        "email": f"{first.lower()}.{n}@{rng.choice(DOMAINS)}",
        "phone": f"44{rng.randint(10**9, 10**10 - 1)}",
        "first_name": first,
        "last_name": last,
        "gender": rng.choice(["m", "f", "female", "male"]),
        "birthday": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "location": rng.choice(["NY", "LA", "SF"]),
        "bought_something": rng.random() < 0.5,
        "loyalty_bonuses": rng.randint(0, 5000),
        "kids": [{"gender": rng.choice("mf"), "birthday": "2015-07-28"}],
    }
    roll = rng.random()
    if roll < 0.08:
        data["email"] = "anonymous@example.com"
    elif roll < 0.14:
        data["gender"] = ""
        data["phone"] = "0000000"
    elif roll < 0.20:
        data["age"] = 31  # disagrees with most birthdays
    elif roll < 0.25:
        data["birthday"] = "1990-02-30"
    return data


def generate(count: int, path: Path) -> list[dict[str, Any]]:
    rng = random.Random(count)
    records = [profile(rng, n) for n in range(count)]
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{command[:2]} failed: {completed.stderr.decode()[-500:]}")
    return elapsed


CSV_COLUMNS = ["id", "email", "phone", "first_name", "last_name", "gender", "birthday",
               "location", "bought_something", "loyalty_bonuses", "age"]


def write_csv(records: list[dict[str, Any]], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for record in records:
            writer.writerow([str(record.get(c, "")).lower() if isinstance(record.get(c), bool)
                             else record.get(c, "") for c in CSV_COLUMNS])


# Runs the command and prints its wall time and peak RSS. A small process of its own
# starts it: a child forked straight from this benchmark (which holds every generated
# record) would report this process's memory as its peak, copied at the fork.
_MEASURE = """import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - start
print(code, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"""


def run_measured(command: list[str], runs: int = 2) -> tuple[float, float]:
    """Best wall seconds of ``runs`` and the peak RSS in MB of the largest process the
    command ran (the main process, or a ``--jobs`` worker)."""
    walls, peaks = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True,
                             text=True, check=True).stdout.split()
        if int(out[0]) not in (0, 1):
            raise SystemExit(f"{command[:2]} failed with exit code {out[0]}")
        walls.append(float(out[1]))
        peaks.append(int(out[2]) / 1024)
    return min(walls), max(peaks)


def scale_table(sizes: list[int], rounds: int = 2) -> None:
    """Issue 12's table (see the module's notes)."""
    header = (f"{'rows':>9} {'format':>6} | {'variant':<18} | {'seconds':>8} | {'vs loop':>7} | "
              f"{'us/row':>6} | {'peak RSS MB':>11}")
    print(header)
    print("-" * len(header))
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="pc-bench-") as temp:
            jsonl = Path(temp) / "profiles.jsonl"
            records = generate(count, jsonl)
            table = Path(temp) / "profiles.csv"
            write_csv(records, table)
            for source in (jsonl, table):
                kind = source.suffix[1:]
                variants = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"],
                            "--jobs 1 --report": ["--jobs", "1", "--report",
                                                  str(Path(temp) / "r.html")]}
                # Interleaved rounds: the loop and every variant once per round, so a
                # slow phase of this shared VM hits a whole round; each ratio is
                # taken within its round (the median of the rounds is printed).
                loops: list[float] = []
                walls: dict[str, list[float]] = {name: [] for name in variants}
                peaks: dict[str, float] = dict.fromkeys(variants, 0.0)
                for _ in range(rounds):
                    loops.append(core_time(records))
                    for name, extra in variants.items():
                        wall, rss = run_measured([str(CLI), "check", str(source), *extra], 1)
                        walls[name].append(wall)
                        peaks[name] = max(peaks[name], rss)
                for name in variants:
                    wall = min(walls[name])
                    rate = statistics.median(
                        loop / run for loop, run in zip(loops, walls[name], strict=True))
                    print(f"{count:>9,} {kind:>6} | {name:<18} | {wall:>8.2f} | "
                          f"{rate:>6.2f}x | {wall / count * 1e6:>6.1f} | {peaks[name]:>11.1f}")
                one, two, report = (walls[name] for name in variants)
                speed_up = statistics.median(a / b for a, b in zip(one, two, strict=True))
                adds = statistics.median(b / a - 1 for a, b in zip(one, report, strict=True))
                print(f"{'':>9} {kind:>6} | --jobs 2 speed-up {speed_up:.2f}x, --report adds "
                      f"{adds:+.1%} (medians of {rounds} rounds; best against best: "
                      f"{min(one) / min(two):.2f}x, {min(report) / min(one) - 1:+.1%}; "
                      f"loop {min(loops):.2f} s)")
            del records


def core_time(records: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for record in records:
        check_profile(record)
    return time.perf_counter() - start


def best(runs: int, measure: Any, *args: Any) -> float:
    return min(measure(*args) for _ in range(runs))


def check_vs_core(count: int, runs: int) -> tuple[float, float, float]:
    """Best-of-``runs`` seconds of the in-process loop and of ``pc-snippets check``, and
    the median of the per-round ratios (loop, then command, in each round)."""
    with tempfile.TemporaryDirectory(prefix="pc-bench-") as temp:
        source = Path(temp) / "profiles.jsonl"
        records = generate(count, source)
        pairs = [(core_time(records), timed([str(CLI), "check", str(source)]))
                 for _ in range(runs)]
    core = min(loop for loop, _ in pairs)
    check = min(run for _, run in pairs)
    return core, check, statistics.median(loop / run for loop, run in pairs)


def without_startup(core: float, check: float, startup: float) -> str:
    """The ratio with the fixed process start-up taken out (throughput); at a size
    so small that the run is within start-up's noise, there is none to give."""
    return f"{core / (check - startup):.2f}x" if check > startup * 1.1 else "n/a"


def report_check(count: int, core: float, check: float, median: float, startup: float,
                 note: str) -> None:
    print(f"pc-snippets check vs in-process check_profile loop, {count:,} JSON Lines rows: "
          f"{median:.2f}x the loop's rate (median of the rounds' ratios; best against best "
          f"{core / check:.2f}x, {without_startup(core, check, startup)} without start-up; "
          f"target >= 0.6x: {'meets' if median >= 0.6 else 'MISSES'}){note}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000],
                        help="profile counts for the table (default: 10000 100000)")
    parser.add_argument("--rows", type=int, default=None,
                        help="only the check vs check_profile line, for this many rows")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--scale", nargs="*", type=int, default=None, metavar="ROWS",
                        help="issue 12's scale table (default sizes 10000 100000 1000000)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved rounds of the scale table (default 2)")
    args = parser.parse_args(argv)
    if args.scale is not None:
        scale_table(args.scale or [10_000, 100_000, 1_000_000], args.rounds)
        return

    startup = best(3, timed, [str(CLI), "--version"])
    print(f"process start-up (pc-snippets --version): {startup * 1000:.0f} ms")
    if args.rows is not None:
        report_check(args.rows, *check_vs_core(args.rows, args.runs), startup, "")
        return
    header = (f"{'profiles':>9} | {'core/s':>9} | {'check/s':>9} {'ratio':>6} "
              f"{'w/o start':>9} | {'page/s':>8} {'ratio':>6} | "
              f"{'us/profile core/check/page':>27}")
    print(header)
    print("-" * len(header))
    measured: dict[int, tuple[float, float, float]] = {}
    for count in args.sizes:
        with tempfile.TemporaryDirectory(prefix="pc-bench-") as temp:
            source = Path(temp) / "profiles.jsonl"
            records = generate(count, source)
            pairs = [(core_time(records), timed([str(CLI), "check", str(source)]))
                     for _ in range(args.runs)]
            core, check = min(p[0] for p in pairs), min(p[1] for p in pairs)
            site = Path(temp) / "site"
            page = timed([str(CLI), "page", str(source), "-o", str(site)])
            pages = sum(1 for _ in site.iterdir())
            assert pages == count + 1, pages
            shutil.rmtree(site)
        measured[count] = (core, check,
                           statistics.median(loop / run for loop, run in pairs))
        rate = {name: count / seconds for name, seconds in
                (("core", core), ("check", check), ("page", page))}
        steady = without_startup(core, check, startup)
        print(f"{count:>9,} | {rate['core']:>9,.0f} | {rate['check']:>9,.0f} "
              f"{rate['check'] / rate['core']:>5.2f}x {steady:>9} | {rate['page']:>8,.0f} "
              f"{rate['page'] / rate['core']:>5.2f}x | "
              f"{core / count * 1e6:>8.1f} {check / count * 1e6:>8.1f} {page / count * 1e6:>8.1f}")
    print()
    largest = max(args.sizes)
    note = ("\n  (the issue's figure is for 1,000,000 rows: "
            "python benchmarks/bench_cli.py --rows 1000000)" if largest < 1_000_000 else "")
    report_check(largest, *measured[largest], startup, note)


if __name__ == "__main__":
    main()
