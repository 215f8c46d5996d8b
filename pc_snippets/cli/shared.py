"""Placeholders only a whole file can reveal: one email or phone on many records.

``pc-snippets check`` counts the email and phone each record would send (the
check's payload, so ``Jane@Mail.com`` and ``jane@mail.com`` are one email: emails
are compared in lower case) across every file of the run. A value on at least
``threshold`` records is reported once, with its count and its first
:data:`FIRST_RECORDS` records: it is the shop's own number, a call-centre default
or a test account, not a customer's.

Memory. No value is kept, only a 64-bit keyed digest of it: one ``array('q')``
per field holds the digest of every record's value in record order (8 bytes per
record and field, no Python object each; the position is the record's ordinal;
0 means no value). At the end the digests are counted with a
:class:`~collections.Counter` in parts of at most about 131,072 (split by the
digest's low byte), so the transient memory stays near 10 MB; the
first records of each value found are located by scanning its array. A million
rows cost 16 MB of arrays. The digest is Python's own ``hash()`` of the text:
SipHash-1-3 under the interpreter's random 128-bit per-process key, 20 times
faster than HMAC-SHA256 here. When that key is not random (``PYTHONHASHSEED``
set) or not SipHash, a keyed BLAKE2b with a fresh random key is used instead.
Two different values share a 64-bit digest with a probability of about
``n**2 / 2**65`` (3e-8 for a million distinct values).

Values are never stored. With ``--show-values`` the command reads the value of
a finding again from its first record (re-reading the file up to that record,
and showing it only if its digest still matches); standard input cannot be read
twice, so there the value is not available.

>>> shared = SharedValues(threshold=3)
>>> for number in range(1, 6):
...     shared.add({"phone": "442071234567", "email": f"a{number}@mail.com"})
>>> [(f.code, f.count, f.first) for f in shared.findings()]
[('shared_phone', 5, (1, 2, 3, 4, 5))]
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_THRESHOLD", "FIRST_RECORDS", "MAX_LISTED", "SHARED_RULES", "Finding", "SharedValues",
    "parse_threshold",
]

#: Rule code -> meaning, for the findings of a whole run (not per-record problems,
#: so not in :data:`pc_snippets.RULES`).
SHARED_RULES: dict[str, str] = {
    "shared_email": "one email address on many records (threshold, default 5): a shop, "
                    "test or placeholder address, not a customer's",
    "shared_phone": "one phone number on many records (threshold, default 5): the shop's "
                    "own number, a call-centre default or a test account",
}

#: The fields compared, their rule codes and how a finding names them.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("email", "shared_email", "email address"),
    ("phone", "shared_phone", "phone number"),
)

#: A household rarely shares one contact among more than 4 people; a shop's own
#: number, a call-centre default or a test account is on tens to thousands of records.
DEFAULT_THRESHOLD = 5
#: Shared values listed (in the order of their first record); more are counted only.
MAX_LISTED = 1000
FIRST_RECORDS = 5
_PARTITIONS = 64  # a power of two


def parse_threshold(text: str) -> int:
    """``--shared-threshold``'s value: a whole number >= 2, or ``0`` / ``off`` (disabled).

    >>> parse_threshold("off"), parse_threshold("12")
    (0, 12)
    """
    if text.strip().lower() in ("off", "0"):
        return 0
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 2:
        raise ValueError("give a number of records, 2 or more (0 or 'off' disables the check)")
    return value


def _python_hash_is_keyed() -> bool:
    """Whether ``hash(str)`` is SipHash (64 bits) under a random per-process key."""
    seed = None if sys.flags.ignore_environment else os.environ.get("PYTHONHASHSEED")
    return (sys.hash_info.algorithm.startswith("siphash") and sys.hash_info.width == 64
            and bool(sys.flags.hash_randomization) and seed in (None, "", "random"))


def blake2b_digest() -> Callable[[str], int]:
    """A keyed 64-bit digest of text under a fresh random key (the fallback)."""
    key = secrets.token_bytes(32)
    blake2b = hashlib.blake2b

    def digest(text: str) -> int:
        raw = blake2b(text.encode("utf-8", "surrogatepass"), key=key, digest_size=8).digest()
        return int.from_bytes(raw, "little", signed=True)

    return digest


@dataclass(frozen=True)
class Finding:
    """One value on ``count`` records; ``first``: the ordinals of its first records."""

    code: str
    field: str
    noun: str
    count: int
    first: tuple[int, ...]
    digest: int

    @property
    def more(self) -> bool:
        """Whether records beyond ``first`` hold the value."""
        return self.count > len(self.first)


class SharedValues:
    """Counts the payload's email and phone by keyed digest (see the module's notes).

    ``add(payload)`` once per record, in order (the command calls it for every
    record of every file, so the n-th call is record ordinal n); then :meth:`findings`.
    """

    def __init__(self, threshold: int = DEFAULT_THRESHOLD,
                 digest: Callable[[str], int] | None = None) -> None:
        if threshold < 2:
            raise ValueError("threshold must be 2 or more")
        self.threshold = threshold
        if digest is None and _python_hash_is_keyed():
            self.digest: Callable[[str], int] = hash
        else:
            keyed = digest or blake2b_digest()
            self.digest = lambda text: keyed(text) if text else 0
        # Per field, the digest of each record's value, record after record (the
        # position is the record's ordinal - 1; 0: no value, as hash("") == 0).
        self.logs: tuple[array[int], ...] = tuple(array("q") for _ in FIELDS)
        self.add = self._adder()
        self.found = 0  # values found by the last findings(), listed or not

    def _adder(self) -> Callable[[Mapping[str, Any]], None]:
        emails, phones = (log.append for log in self.logs)
        digest = self.digest

        # The hot path of ``check``: a closure (no attribute look-ups), one digest
        # and one append per field.
        def add(payload: Mapping[str, Any]) -> None:
            value = payload.get("email")
            emails(digest(value.lower()) if value else 0)
            value = payload.get("phone")
            phones(digest(value) if value else 0)

        return add

    def flush(self) -> None:
        """Nothing to do: values are digested as they are added (kept for callers)."""

    def key_of(self, field: str, payload: Mapping[str, Any]) -> int | None:
        """The digest ``payload``'s ``field`` is counted under (``None``: no value)."""
        value = payload.get(field)
        if not isinstance(value, str) or not value:
            return None
        return self.digest(value.lower() if field == "email" else value)

    def nbytes(self) -> int:
        """Bytes held in the digest arrays (a measure of the memory used)."""
        return sum(log.buffer_info()[1] * log.itemsize for log in self.logs)

    def findings(self, limit: int | None = None) -> list[Finding]:
        """Every value on ``threshold`` or more records, in the order of its first
        record; with ``limit``, only the first ``limit`` of them (:attr:`found` still
        counts all): a file where most values repeat (an export appended to itself)
        must not cost a Python object per value.

        >>> shared = SharedValues(threshold=2)
        >>> for number in range(6):
        ...     shared.add({"email": f"a{number % 3}@mail.com"})
        >>> [f.first for f in shared.findings(limit=2)], shared.found
        ([(1, 4), (2, 5)], 3)
        """
        self.flush()
        found: list[Finding] = []
        self.found = 0
        for (field, code, noun), log in zip(FIELDS, self.logs, strict=True):
            hits: dict[int, int] = {}
            for part in _partitions(log):
                hits.update((key, count) for key, count in Counter(part).items()
                            if count >= self.threshold and key)
            self.found += len(hits)
            # The first `limit` of each field include the first `limit` of both.
            found += [Finding(code, field, noun, hits[key], first, key)
                      for key, first in _first_records(log, hits, limit).items()]
        found.sort(key=lambda finding: (finding.first[0], finding.field))
        return found if limit is None else found[:limit]


#: Digests counted at a time (a Counter of them: about 80 bytes each, for a moment).
_PART_SIZE = 1 << 17


def _partitions(log: array[int]) -> Iterator[Iterable[int]]:
    """``log``'s digests in parts of at most about ``_PART_SIZE`` distinct values,
    split by the digest's low byte (equal digests always fall in the same part)."""
    count = min(256, -(-len(log) // _PART_SIZE))
    if count <= 1:
        yield log
        return
    low = 0 if sys.byteorder == "little" else 7
    low_bytes = bytes(memoryview(log).cast("B")[low::8])
    for part in range(count):
        select = bytes(1 if byte % count == part else 0 for byte in range(256))
        yield itertools.compress(log, low_bytes.translate(select))


def _first_records(
    log: array[int], hits: dict[int, int], limit: int | None = None
) -> dict[int, tuple[int, ...]]:
    """The ordinals of the first FIRST_RECORDS records of each digest in ``hits``
    (with ``limit``: of the ``limit`` digests whose first record comes first)."""
    if len(hits) <= 16:  # C-level scans of the log
        out: dict[int, tuple[int, ...]] = {}
        for key in hits:
            positions = [log.index(key)]
            while len(positions) < min(FIRST_RECORDS, hits[key]):
                positions.append(log.index(key, positions[-1] + 1))
            out[key] = tuple(position + 1 for position in positions)
        if limit is not None and len(out) > limit:
            out = dict(sorted(out.items(), key=lambda item: item[1][0])[:limit])
        return out
    room = len(hits) if limit is None else limit
    first: dict[int, list[int]] = {}
    for ordinal, key in enumerate(log, 1):
        records = first.get(key)
        if records is None:
            # Scanned in record order: the first `room` digests met are the earliest.
            if len(first) < room and key in hits:
                first[key] = [ordinal]
        elif len(records) < FIRST_RECORDS:
            records.append(ordinal)
    return {key: tuple(records) for key, records in first.items()}
