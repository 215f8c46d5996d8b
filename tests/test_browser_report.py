"""The ``check --report`` page in Debian's Chromium, on a desktop and a phone viewport.

The report is made by the installed console script (``--format json`` on stdout,
the page to a file) and served from a local ``http.server``; requests elsewhere are
refused and noted. The numbers read from the DOM are compared with the JSON run.
These tests fail (never skip) without Chromium.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from .browser_support import PageServer, chromium, open_page, run_cli
from .test_cli_report import from_json, write_inputs

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}

#: The numbers on the page, read from the data-* attributes and the text a person sees.
READ_DOM = """() => {
  const records = n => Array.from(n.querySelectorAll(".rec")).map(
      r => [r.dataset.file, Number(r.dataset.record)]);
  const stats = {}, shown = {};
  for (const s of document.querySelectorAll("#summary .stat")) {
    stats[s.id] = Number(s.dataset.value);
    shown[s.id] = s.querySelector(".big").textContent;
  }
  const codes = {};
  for (const r of document.querySelectorAll("#problems tr[data-code]"))
    codes[r.dataset.code] = [Number(r.dataset.count), Number(r.dataset.profiles), records(r)];
  return {
    stats, shown, codes,
    headers: Array.from(document.querySelectorAll("#headers tr[data-code]")).map(
        r => [r.dataset.file, Number(r.dataset.column), r.dataset.field, r.dataset.code]),
    shared: Array.from(document.querySelectorAll("#shared tr[data-code]")).map(
        r => [r.dataset.code, Number(r.dataset.count), records(r)]),
    errors: Array.from(document.querySelectorAll("#errors li")).map(li => li.dataset.file),
    scripts: document.scripts.length,
  };
}"""

#: Per fill row: the counts, the text shown and the drawn width of each bar (of its track).
READ_BARS = """() => Array.from(document.querySelectorAll("#fill tr[data-kind]")).map(r => ({
  field: r.dataset.field, before: Number(r.dataset.before), after: Number(r.dataset.after),
  text: Array.from(r.cells).slice(1).map(c => c.innerText.trim()),
  bars: Array.from(r.querySelectorAll("svg.bar")).map(s => {
    const [track, bar] = s.querySelectorAll("rect");
    return [bar.getBoundingClientRect().width, track.getBoundingClientRect().width];
  }),
}))"""


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_in_chromium_on_desktop_and_phone(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    files, read = write_inputs(tmp_path)
    ran = run_cli("check", *files, "--format", "json", "--report", str(site / "report.html"))
    assert ran.returncode == 2, ran.stderr  # one unreadable file, as without --report
    want = from_json(json.loads(ran.stdout))
    with PageServer(site) as server, chromium() as context:
        for name, (width, height) in VIEWPORTS.items():
            with open_page(context, server.url("report.html")) as page:
                page.set_viewport_size({"width": width, "height": height})
                shot = tmp_path / f"report-{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                shot_width, shot_height = png_size(shot)
                assert shot_width == width
                assert shot_height > height
                assert shot.stat().st_size > 20_000
                # No horizontal scroll, no error, nothing loaded from anywhere.
                assert page.evaluate("() => document.documentElement.scrollWidth <= "
                                     "document.documentElement.clientWidth")
                assert page.console_errors == []  # type: ignore[attr-defined]
                assert page.evaluate("() => window.__errors") == []
                assert page.external_requests == []  # type: ignore[attr-defined]

                shown = page.evaluate(READ_DOM)
                assert shown["scripts"] == 0
                assert {k: shown["stats"][k] for k in want["stats"]} == want["stats"]
                for key, value in want["stats"].items():  # the text says the same
                    assert shown["shown"][key] == f"{value:,}"
                assert shown["stats"]["stat-records"] == len(read)
                codes = {code: (count, profiles, [tuple(r) for r in first])
                         for code, (count, profiles, first) in shown["codes"].items()}
                assert codes == want["codes"]
                assert [tuple(h) for h in shown["headers"]] == want["headers"]
                assert [(c, n, [tuple(r) for r in first]) for c, n, first in shown["shared"]] \
                    == want["shared"]
                assert shown["errors"] == want["errors"]

                # Each bar is drawn to its share of the records, and its number is text.
                total = len(read)
                rows = page.evaluate(READ_BARS)
                assert len(rows) >= 24
                for row in rows:
                    for count, text, (bar, track) in zip(
                        (row["before"], row["after"]), row["text"], row["bars"], strict=True
                    ):
                        assert text.split() == [f"{count:,}", f"{100 * count / total:.1f}%"]
                        assert track > 40, row["field"]  # visible on a phone too
                        assert abs(bar / track - count / total) < 0.01, row["field"]
    assert server.requests == ["/report.html", "/report.html"]
