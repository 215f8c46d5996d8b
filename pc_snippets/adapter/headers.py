"""HTTP headers: a response carrying one visitor's data must never be stored by a shared cache.

Each adapter marks its responses with :func:`make_private` when the pipeline
rendered personal data for the request (:func:`~pc_snippets.adapter.carries_personal_data`)
or when the body streams (:func:`streamed_body`).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["SHARED_CACHE_HEADERS", "make_private", "private_cache_control", "streamed_body"]


def private_cache_control(value: str | None) -> str:
    """The ``Cache-Control`` value for a response carrying one visitor's data.

    ``public`` (and ``s-maxage``/``proxy-revalidate``, which only concern shared
    caches) are replaced by ``private``; everything else, ``no-store`` included,
    is kept in order.

    >>> private_cache_control("public, max-age=60, s-maxage=600")
    'private, max-age=60'
    >>> private_cache_control("no-store")
    'private, no-store'
    >>> private_cache_control(None)
    'private'
    """
    kept = []
    for directive in (value or "").split(","):
        directive = directive.strip()
        name = directive.partition("=")[0].strip().lower()
        if not directive or name in ("public", "private", "s-maxage", "proxy-revalidate"):
            continue
        kept.append(directive)
    return ", ".join(["private", *kept])


#: Headers giving shared caches (CDNs, reverse proxies) rules of their own, which
#: they obey *instead of* Cache-Control: ``CDN-Cache-Control`` (RFC 9213, and
#: Cloudflare's and Akamai's variants), ``Surrogate-Control`` (Fastly, Varnish,
#: Akamai) and Akamai's ``Edge-Control``. Left in place, "private" would not reach them.
SHARED_CACHE_HEADERS = (
    "CDN-Cache-Control",
    "Cloudflare-CDN-Cache-Control",
    "Akamai-Cache-Control",
    "Surrogate-Control",
    "Edge-Control",
)


class Headers(Protocol):
    """What the frameworks' header objects share (Werkzeug, Django, Starlette, Bottle)."""

    def get(self, key: str, /) -> str | None: ...
    def __setitem__(self, key: str, value: str, /) -> None: ...
    def __contains__(self, key: str, /) -> bool: ...
    def __delitem__(self, key: str, /) -> None: ...


def make_private(headers: Headers) -> None:
    """Mark a response that carries (or may carry) one visitor's data, in place.

    ``Cache-Control`` becomes private (:func:`private_cache_control`), and the
    headers meant for shared caches only (:data:`SHARED_CACHE_HEADERS`) are removed:
    a CDN honours ``CDN-Cache-Control: max-age=600`` whatever ``Cache-Control``
    says. Removed rather than set to ``no-store``: without them every shared cache
    falls back to ``Cache-Control`` (RFC 9213), which now says ``private``, and no
    CDN-specific value has to be invented.

    >>> headers = {"Cache-Control": "public, max-age=60", "CDN-Cache-Control": "max-age=60"}
    >>> make_private(headers)
    >>> headers
    {'Cache-Control': 'private, max-age=60'}
    """
    headers["Cache-Control"] = private_cache_control(headers.get("Cache-Control"))
    for name in SHARED_CACHE_HEADERS:
        if name in headers:
            del headers[name]


# Streamed responses. When a body streams (Flask's stream_with_context and
# stream_template, Starlette's StreamingResponse, Django's StreamingHttpResponse),
# its headers go out before it is produced: tags in it run after the adapter's
# last chance to change the headers, so whether it will carry profile data cannot
# be known in time. The rule, the same in every adapter: a response whose body is
# still to be produced when its headers are final is marked private up front,
#  - whoever the visitor: an anonymous visitor's page can still render another
#    person's profile ({% personaclick_profile_set order.customer %});
#  - whatever the settings: the response hook cannot know which environment, or
#    whether a template at all, will produce the body.
# "Still to be produced" is a streaming body without a Content-Length: a body of
# known length was complete before its headers, or is a file (Flask's send_file,
# Django's and Starlette's FileResponse), and keeps its caching; so do bodiless
# statuses (1xx, 204, 304: a 304's headers would update a cached public copy).
def streamed_body(status: int, streaming: bool, content_length: str | None) -> bool:
    """Whether a response must be private because its body streams (rule above).

    >>> streamed_body(200, True, None), streamed_body(200, True, "120")
    (True, False)
    """
    return streaming and content_length is None and status >= 200 and status not in (204, 304)
