"""Send once: skip a ``profile set`` identical to one already rendered in this session.

The session keeps ``salt:HMAC(secret, salt + snippet)``, never the data. Keyed,
because session cookies are often readable by the visitor (a plain hash of an
email could be confirmed by guessing); salted per session, so the same data gives
a different value in every session: a leaked secret does not let one cookie be
tested against guessed emails with a table made once, nor link sessions.

The fingerprint is taken of the rendered snippet itself (its code, without the
start tag and so without the response's nonce): the payload is serialized once,
for the page, not a second time for the fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

__all__ = ["SEND_ONCE_SESSION_KEY", "SendOnce"]

#: Session key holding the send-once fingerprint (never the data itself).
SEND_ONCE_SESSION_KEY = "_personaclick_profile"
# The salt: random per session, stored next to the fingerprint.
_SALT_BYTES = 16
_SALT_HEX_LENGTH = 2 * _SALT_BYTES


class SendOnce:
    """The send-once record of one session.

    >>> session: dict[str, str] = {}
    >>> once = SendOnce(session, b"secret")
    >>> snippet = '<script nonce="YQ==">personaclick("profile","set",{"id":1});</script>'
    >>> once.seen(snippet), once.remember(snippet), once.seen(snippet)
    (False, None, True)
    >>> once.seen(snippet.replace("YQ==", "Yg=="))  # another response's nonce: the same
    True
    >>> other: dict[str, str] = {}
    >>> SendOnce(other, b"secret").remember(snippet)
    >>> other == session  # the same data, another session: another salt
    False
    """

    __slots__ = ("_key", "_session")

    def __init__(self, session: MutableMapping[str, Any], secret: bytes | str) -> None:
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        if not secret:
            raise ValueError("send-once needs the application's secret key")
        self._session = session
        self._key = hashlib.sha256(b"pc_snippets.send_once\x00" + secret).digest()

    def fingerprint(self, snippet: str, salt: str) -> str:
        """HMAC-SHA256 of ``salt`` and the snippet's code (what follows its start tag)."""
        # The salt has a fixed length (hex), so salt + code cannot be read two ways.
        # The start tag holds only the nonce (checked base64: no ">").
        code = snippet.partition(">")[2]
        return hmac.new(self._key, salt.encode("ascii") + code.encode("utf-8"),
                        hashlib.sha256).hexdigest()

    def _stored(self) -> tuple[str, str] | None:
        # (salt, fingerprint) from the session; None for nothing (or anything else).
        stored = self._session.get(SEND_ONCE_SESSION_KEY)
        if not isinstance(stored, str):
            return None
        salt, colon, mac = stored.partition(":")
        if not colon or len(salt) != _SALT_HEX_LENGTH:
            return None
        return salt, mac

    def seen(self, snippet: str) -> bool:
        """Whether this exact snippet was rendered earlier in the session."""
        stored = self._stored()
        if stored is None:
            return False
        salt, mac = stored
        return hmac.compare_digest(mac, self.fingerprint(snippet, salt))

    def remember(self, snippet: str) -> None:
        """Record that this snippet was rendered (keeping the session's salt)."""
        stored = self._stored()
        salt = stored[0] if stored is not None else secrets.token_hex(_SALT_BYTES)
        value = f"{salt}:{self.fingerprint(snippet, salt)}"
        if self._session.get(SEND_ONCE_SESSION_KEY) != value:
            self._session[SEND_ONCE_SESSION_KEY] = value
