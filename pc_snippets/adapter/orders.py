"""Purchase once: a reload of the thank-you page must not count the order twice.

The session keeps which order ids were already rendered in a ``purchase``, as
short keyed digests, never the ids: ``salt:`` followed by 16 hex characters per
order, the newest last, at most :data:`MAX_ORDERS` (so about 550 characters, small
enough for a cookie session). Keyed with the application's secret and salted per
session for the reason :mod:`~pc_snippets.adapter.send_once` gives; 64 bits per
digest make a false "already sent" between two of a visitor's orders a chance of
about 1 in 10^17.

>>> session: dict[str, str] = {}
>>> orders = SentOrders(session, b"secret")
>>> orders.seen("N-1"), orders.remember("N-1"), orders.seen("N-1"), orders.seen("N-2")
(False, None, True, False)
>>> "N-1" in session[ORDERS_SESSION_KEY]
False
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

__all__ = ["MAX_ORDERS", "ORDERS_SESSION_KEY", "SentOrders"]

#: Session key of the purchase-once record.
ORDERS_SESSION_KEY = "_personaclick_orders"
#: How many of a session's most recent orders are remembered.
MAX_ORDERS = 32
_SALT_BYTES = 16
_SALT_HEX_LENGTH = 2 * _SALT_BYTES
_DIGEST_HEX_LENGTH = 16


class SentOrders:
    """The orders whose ``purchase`` was rendered in one session."""

    __slots__ = ("_key", "_session")

    def __init__(self, session: MutableMapping[str, Any], secret: bytes | str | None) -> None:
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        self._session = session
        # Without a secret the digests are still salted per session; an order id
        # is not personal data, and the record must work wherever a session does.
        self._key = hashlib.sha256(b"pc_snippets.orders\x00" + (secret or b"")).digest()

    def _stored(self) -> tuple[str, list[str]]:
        # (salt, digests) from the session; a fresh salt for nothing or anything else.
        stored = self._session.get(ORDERS_SESSION_KEY)
        if isinstance(stored, str):
            salt, colon, digests = stored.partition(":")
            if colon and len(salt) == _SALT_HEX_LENGTH and len(digests) % _DIGEST_HEX_LENGTH == 0:
                return salt, [digests[i:i + _DIGEST_HEX_LENGTH]
                              for i in range(0, len(digests), _DIGEST_HEX_LENGTH)]
        return secrets.token_hex(_SALT_BYTES), []

    def _digest(self, order: str | int, salt: str) -> str:
        # Hashed as text: order 7 and order "7" are one order to a shop, and the
        # same order may reach the tag once as a model's integer, once as text.
        text = f"{salt}:{order}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, text, hashlib.sha256).hexdigest()[:_DIGEST_HEX_LENGTH]

    def seen(self, order: str | int) -> bool:
        """Whether a ``purchase`` of this order was rendered earlier in the session."""
        salt, digests = self._stored()
        digest = self._digest(order, salt)
        return any(hmac.compare_digest(digest, known) for known in digests)

    def remember(self, order: str | int) -> None:
        """Record the order as sent (the oldest is forgotten beyond :data:`MAX_ORDERS`)."""
        salt, digests = self._stored()
        digest = self._digest(order, salt)
        if digest in digests:
            return
        digests = [*digests, digest][-MAX_ORDERS:]
        # A new value, assigned: every framework's session sees the change.
        self._session[ORDERS_SESSION_KEY] = f"{salt}:{''.join(digests)}"
