"""The placeholder-data guard: values a store invents when it has no real data.

PersonaClick's docs warn never to send bogus data such as ``anonymous@example.com``:
email is the primary identity key and phone the second, so a placeholder merges
unrelated visitors into one profile. Each rule has a stable code and can be
switched off on its own through :class:`Guard`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_GUARD", "GUARD_RULES", "PLACEHOLDER_BIRTHDAYS", "Guard", "phone_may_be_placeholder",
]

#: Every placeholder rule code with what it catches (documented in the README).
GUARD_RULES: dict[str, str] = {
    "placeholder_email_domain": (
        "email at a reserved or special-use domain (example.com/.net/.org, *.example, "
        "*.test, *.invalid, *.localhost, localhost)"
    ),
    "placeholder_email_local": (
        "email whose local part is a placeholder word (anonymous, noreply, test, guest, "
        "null, unknown, fake, dummy ...)"
    ),
    "generated_email_local": (
        "email whose local part is machine-generated (a UUID or long hex hash)"
    ),
    "store_placeholder_domain": "email at a domain the store declared as its placeholder domain",
    "placeholder_phone": (
        "phone that is one repeated digit, an ascending/descending run, or a country code "
        "followed by one repeated digit"
    ),
    "placeholder_name": (
        "name that is a placeholder word (test, anonymous, guest, n/a, null, undefined, "
        "unknown ...) or has no letter at all (-, ., ?)"
    ),
    "placeholder_birthday": (
        "birthday that is a default date (1900-01-01, 0001-01-01, 1899-12-31 ...)"
    ),
}

_RESERVED_DOMAINS = frozenset({"localhost", "example.com", "example.net", "example.org"})
_RESERVED_SUFFIXES = (
    ".localhost", ".test", ".invalid", ".example",
    ".example.com", ".example.net", ".example.org",
)

_PLACEHOLDER_LOCAL = re.compile(
    r"(?:anonymous|anonym|noreply|no[-_.]reply|donotreply|do[-_.]not[-_.]reply|"
    r"test|testing|tester|testuser|test[-_.]user|guest|null|none|undefined|unknown|"
    r"fake|dummy|example|sample|nobody|noemail|no[-_.]email|nomail|no[-_.]mail|"
    r"placeholder|asdf|qwerty|x{2,})[-_.]?\d*"
)
_GENERATED_LOCAL = re.compile(
    r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[0-9a-f]{20,}"
)

_PLACEHOLDER_NAMES = frozenset({
    # Not "anon", "nan", "nil": real given names (Thai Anon, Nan; Catalan/Turkish Nil).
    "test", "test test", "testing", "tester", "anonymous", "guest", "n/a", "n.a.",
    "null", "none", "undefined", "unknown", "noname", "no name", "name", "first name",
    "firstname", "last name", "lastname", "surname", "user", "customer", "client", "fake",
    "dummy", "asdf", "qwerty", "x", "xx", "xxx",
    # Russian-language stores are a large part of PersonaClick's market.
    "тест", "гость", "аноним", "неизвестно", "нет", "пользователь", "клиент", "покупатель",
})

_LETTER = re.compile(r"[^\W\d_]")

PLACEHOLDER_BIRTHDAYS = frozenset({
    "0001-01-01", "1800-01-01", "1899-12-30", "1899-12-31", "1900-01-01", "9999-12-31",
})

# A phone's national part (after an optional 1-3 digit country code) that is one
# repeated digit, or a +1/-1 run, is invented.
_ASCENDING = "01234567890123456789"
_DESCENDING = "98765432109876543210"


def phone_may_be_placeholder(digits: str) -> bool:
    """False when the phone ``digits`` (at least six) surely are no placeholder.

    Every tail :meth:`Guard.phone_problem` tests ends with the last six digits, so
    when those are not one repeated digit or a run, nothing is (the common case,
    decided cheaply).
    """
    last6 = digits[-6:]
    return last6 == last6[0] * 6 or last6 in _ASCENDING or last6 in _DESCENDING


@dataclass(frozen=True, init=False)
class Guard:
    """Configuration of the placeholder-data guard.

    ``disabled``: rule codes to switch off. ``placeholder_domains``: domains the
    store uses for invented addresses (``"noemail.myshop.com"``); an email there or
    at a subdomain is refused with ``store_placeholder_domain``.

    >>> Guard(disabled={"placeholder_name"}).enabled("placeholder_name")
    False
    """

    disabled: frozenset[str] = field(default_factory=frozenset)
    placeholder_domains: frozenset[str] = field(default_factory=frozenset)

    def __init__(
        self,
        *,
        disabled: Iterable[str] = (),
        placeholder_domains: Iterable[str] = (),
    ) -> None:
        disabled_set = frozenset(disabled)
        unknown = sorted(disabled_set - GUARD_RULES.keys())
        if unknown:
            raise ValueError(f"unknown guard rule code(s): {', '.join(unknown)}")
        domains = frozenset(d.strip().lower().lstrip(".") for d in placeholder_domains)
        object.__setattr__(self, "disabled", disabled_set)
        object.__setattr__(self, "placeholder_domains", domains)

    def enabled(self, code: str) -> bool:
        """Whether the rule ``code`` is switched on."""
        return code not in self.disabled

    def email_problem(self, local: str, domain: str) -> str | None:
        """The rule code an email breaks, or ``None``. ``domain`` is lower-case."""
        reserved = domain in _RESERVED_DOMAINS or domain.endswith(_RESERVED_SUFFIXES)
        # Rule switches are tested by set membership, not enabled(): this is the hot path.
        off = self.disabled
        if reserved and "placeholder_email_domain" not in off:
            return "placeholder_email_domain"
        if self.placeholder_domains and "store_placeholder_domain" not in off:
            for placeholder in self.placeholder_domains:
                if domain == placeholder or domain.endswith("." + placeholder):
                    return "store_placeholder_domain"
        # Sub-addressing ("+tag") does not change who the mailbox belongs to.
        mailbox = local.partition("+")[0].lower()
        if "placeholder_email_local" not in off and _PLACEHOLDER_LOCAL.fullmatch(mailbox):
            return "placeholder_email_local"
        generated = len(mailbox) >= 20 and _GENERATED_LOCAL.fullmatch(mailbox)
        if generated and "generated_email_local" not in off:
            return "generated_email_local"
        return None

    def phone_problem(self, digits: str) -> str | None:
        """The rule code a normalised phone (digits only) breaks, or ``None``."""
        if "placeholder_phone" in self.disabled or not phone_may_be_placeholder(digits):
            return None
        for prefix in range(4):
            rest = digits[prefix:]
            if len(rest) < 6:
                break
            if rest == rest[0] * len(rest) or rest in _ASCENDING or rest in _DESCENDING:
                return "placeholder_phone"
        return None

    def name_problem(self, name: str) -> str | None:
        """The rule code a trimmed name breaks, or ``None``."""
        if "placeholder_name" in self.disabled:
            return None
        folded = name.casefold()
        if folded.isalpha():  # the common case: one word of letters
            return "placeholder_name" if folded in _PLACEHOLDER_NAMES else None
        folded = " ".join(folded.split())
        if folded in _PLACEHOLDER_NAMES or not _LETTER.search(folded):
            return "placeholder_name"
        return None

    def birthday_problem(self, iso_date: str) -> str | None:
        """The rule code a ``YYYY-MM-DD`` birthday breaks, or ``None``."""
        if iso_date in PLACEHOLDER_BIRTHDAYS and "placeholder_birthday" not in self.disabled:
            return "placeholder_birthday"
        return None


#: The guard used when none is given: every rule on, no store domains.
DEFAULT_GUARD = Guard()
