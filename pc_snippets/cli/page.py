"""Static HTML test pages for profile snippets, made from the Jinja templates.

A page shows a profile's snippet at work. Offline (the default) it carries a
*recorder*: a stand-in for the PersonaClick SDK that records every call into
``window.personaclickRecorder.calls`` and shows the calls, the fields sent, the
raw JSON, the problems the check found and a ``profile get`` demo. With a shop
id it loads the real SDK instead.

Templates are compiled once per process (:func:`environment` is cached and a
:class:`PageBuilder` keeps its compiled templates), so writing 100,000 pages
costs 100,000 renders, not 100,000 compilations.

>>> from pc_snippets import EXAMPLE_PROFILE, check_profile
>>> html = PageBuilder().page(check_profile(EXAMPLE_PROFILE))
>>> html.startswith("<!DOCTYPE html>") and "personaclickRecorder" in html
True
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..core.check import CheckResult

# _script: the core's one place that puts a <script> element together.
from ..core.render import (
    _script,
    nonce_attribute,
    render_init,
    render_profile_get,
    render_profile_set,
)
from ..core.rules import RULES
from ..core.serialize import dumps_js

__all__ = [
    "SAMPLE_ANSWER",
    "IndexEntry",
    "PageBuilder",
    "environment",
    "templates_dir",
    "write_page",
    "write_site",
]

#: What the recorder answers to ``profile get``: keys from PersonaClick's docs,
#: including an older nested path (``fashion.sizes.shoe``).
SAMPLE_ANSWER: dict[str, Any] = {
    "gender": "m",
    "income_level": "middle",
    "children": True,
    "child_gender": "f",
    "fashion_sizes": {"shoe": ["42"], "shirt": ["L"]},
    "fashion": {"sizes": {"shoe": 42}},
    "pets": [{"type": "dog", "breed": "beagle"}],
}

#: Elements the ``profile get`` demo fills; ``realty.type`` is absent from the
#: sample answer on purpose (the snippet must tolerate missing keys).
FILL_PATHS = ("gender", "income_level", "child_gender", "fashion.sizes.shoe", "realty.type")

# The page function the profile get snippet calls (defined in _page.js).
_ANSWER_CALLBACK = "personaclickTestPage.showAnswer"


def templates_dir() -> Path:
    """Where the templates are: inside the installed package, else the repo's ``templates/``.

    The wheel ships the top-level ``templates/`` as ``pc_snippets/templates``; an
    editable install has no such folder and reads the repository's own.
    """
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    repository = package.parent / "templates"
    if repository.is_dir():
        return repository
    raise FileNotFoundError("pc_snippets templates are missing (a broken installation?)")


@functools.cache
def _script_code(name: str) -> str:
    """A page script's constant code (``templates/_page.js``, ``_recorder.js``)."""
    # As a Jinja include would give it: one trailing newline dropped.
    text = (templates_dir() / name).read_text(encoding="utf-8").removesuffix("\n")
    assert "</" not in text.lower(), name  # constant code: nothing can end the element
    return text


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the test pages (autoescaping everything, strict undefined).

    >>> environment().autoescape
    True
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates don't change while a command runs
    )
    return env


def _display(value: Any) -> str:
    # Text as is (the template escapes it), other values as their JSON spelling.
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def flatten(payload: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(field path, displayed value) for every leaf of ``payload``.

    >>> list(flatten({"kids": [{"gender": "m"}], "bought_something": True}))
    [('kids[0].gender', 'm'), ('bought_something', 'true')]
    """
    if isinstance(payload, dict):
        for key, value in payload.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(payload, list) and payload and all(
        isinstance(item, (dict, list)) for item in payload
    ):
        for index, item in enumerate(payload):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, _display(payload)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One line of the index page."""

    number: int
    href: str
    fields: int
    problems: int


class PageBuilder:
    """Renders test pages and index pages with templates compiled once.

    ``shop_id`` switches from the offline recorder to the real SDK loader and
    ``init`` (``stream`` is passed to ``init``). ``nonce`` is put on every script
    of the page, for serving it under a ``script-src 'nonce-...'`` policy (a real
    server must use a fresh nonce per response). Bad values raise ``ValueError``
    here, before any page is written.

    >>> from pc_snippets import check_profile
    >>> builder = PageBuilder(shop_id="357382bf66ac0ce2f1722677c59511", nonce="abc123")
    >>> "cdn.personaclick.com" in builder.page(check_profile({"email": "jane@mail.com"}))
    True
    """

    def __init__(
        self, *, shop_id: str | None = None, stream: str | None = None, nonce: str | None = None
    ) -> None:
        if stream is not None and shop_id is None:
            raise ValueError("a stream needs a shop id (--shop-id)")
        self.shop_id = shop_id
        self.stream = stream
        self.nonce = nonce
        # Rendered once: the same for every page. These calls validate the nonce,
        # the shop id and the stream.
        self._get_snippet = render_profile_get(
            callback=_ANSWER_CALLBACK, fill=True, event=True, nonce=nonce
        )
        self._init_snippet = (
            render_init(shop_id, stream=stream, nonce=nonce) if shop_id is not None else Markup()
        )
        # The page's own scripts, put together by the core renderer like every snippet.
        self._attribute = nonce_attribute(nonce)
        self._page_script = _script(self._attribute, _script_code("_page.js"))
        env = environment()
        self._page = env.get_template("page.html.j2")
        self._index = env.get_template("index.html.j2")
        from .. import __version__

        self._common: dict[str, Any] = {
            "version": __version__,
            "live": shop_id is not None,
            "shop_id": shop_id,
            "stream": stream,
        }

    def page(
        self,
        result: CheckResult,
        *,
        number: int | None = None,
        index_href: str | None = None,
        previous_href: str | None = None,
        next_href: str | None = None,
    ) -> str:
        """One test page for a checked profile (a :class:`~pc_snippets.CheckResult`)."""
        payload = result.payload
        set_snippet = render_profile_set(result, nonce=self.nonce)
        return self._page.render(
            self._common,
            number=number,
            index_href=index_href,
            previous_href=previous_href,
            next_href=next_href,
            field_count=len(payload),
            fields=list(flatten(payload)),
            problems=result.problems,
            rules=RULES,
            payload_json=json.dumps(payload, ensure_ascii=False, indent=2),
            snippet_source=str(set_snippet),  # plain str: shown as escaped text
            set_snippet=set_snippet,
            get_snippet=self._get_snippet,
            init_snippet=self._init_snippet,
            page_script=self._page_script,
            recorder_script=Markup() if self.shop_id is not None else self._recorder(payload),
            fill_paths=FILL_PATHS,
        )

    def _recorder(self, payload: dict[str, Any]) -> Markup:
        # The recorder's code called with its configuration (data through dumps_js).
        config = dumps_js({"expected": payload or None, "sampleAnswer": SAMPLE_ANSWER})
        return _script(self._attribute, f"{_script_code('_recorder.js')}({config});",
                       repeats=False)

    def index(
        self, entries: Iterable[IndexEntry], *, total: int, with_problems: int
    ) -> Iterator[str]:
        """The index page linking every profile page, streamed in pieces."""
        return self._index.generate(
            self._common, entries=entries, total=total, with_problems=with_problems
        )


def _write_text(path: Path, text: str | Iterable[str]) -> None:
    # Written to a temporary name and renamed, so a reader never sees half a page.
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as out:
        if isinstance(text, str):
            out.write(text)
        else:
            out.writelines(text)
    os.replace(temporary, path)


def write_page(builder: PageBuilder, result: CheckResult, path: Path) -> Path:
    """Write one test page to ``path``; return the path."""
    _write_text(path, builder.page(result))
    return path


def page_name(number: int) -> str:
    """File name of a profile's page in a folder of pages.

    >>> page_name(7)
    'profile-000007.html'
    """
    return f"profile-{number:06d}.html"


def write_site(
    builder: PageBuilder, results: Iterable[tuple[int, CheckResult]], directory: Path
) -> tuple[Path, int]:
    """Write a page per profile plus ``index.html`` into ``directory``.

    ``results`` is streamed (``(record number, CheckResult)`` pairs); only a small
    :class:`IndexEntry` per profile is kept for the index. Returns the index path
    and the number of pages written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    entries: list[IndexEntry] = []
    with_problems = 0
    iterator = iter(results)
    current = next(iterator, None)
    previous_number: int | None = None
    while current is not None:
        # One profile of lookahead, so each page can link to the next one.
        following = next(iterator, None)
        number, result = current
        name = page_name(number)
        html = builder.page(
            result,
            number=number,
            index_href="index.html",
            previous_href=page_name(previous_number) if previous_number is not None else None,
            next_href=page_name(following[0]) if following is not None else None,
        )
        _write_text(directory / name, html)
        entries.append(IndexEntry(number, name, len(result.payload), len(result.problems)))
        with_problems += bool(result.problems)
        previous_number = number
        current = following
    index = directory / "index.html"
    _write_text(index, builder.index(entries, total=len(entries), with_problems=with_problems))
    return index, len(entries)
