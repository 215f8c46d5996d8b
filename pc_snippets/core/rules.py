"""Every rule code a :class:`~pc_snippets.Problem` can carry, with its meaning."""

from __future__ import annotations

from .events import EVENT_RULES
from .guard import GUARD_RULES
from .navigation import NAVIGATION_RULES

__all__ = ["ADAPTER_RULES", "RULES"]

#: Codes the framework adapters log about a render (not about a field of the data).
ADAPTER_RULES: dict[str, str] = {
    "queue_full": "an event queued for the next page while the session's queue is full "
                  "(10 events or 3,000 characters of data): it is not queued",
    "late_nonce": "the CSP nonce was read after the response's headers were sent (a streamed "
                  "body, django-csp): the snippets of that response are not rendered",
}

#: Rule code -> what it means. Guard (placeholder) rules can be switched off with
#: ``Guard(disabled=...)``; the others are format rules and always apply.
RULES: dict[str, str] = {
    "unknown_field": "the field is not a PersonaClick profile field (did-you-mean given)",
    "invalid_type": "the value has the wrong type (e.g. a number where text is expected)",
    "invalid_text": "text with control characters, lone surrogates, or (ids) whitespace",
    "too_long": "text longer than 256 characters",
    "too_many": "a list or object with more than 20 entries",
    "too_large": "custom properties beyond one snippet's budget: 64 names, 512 values, "
                 "16,384 characters",
    "invalid_id": "id is not a positive integer or non-empty text",
    "invalid_email": "not a valid email address (WHATWG syntax, IDN domains allowed)",
    "invalid_phone": "not 7 to 15 digits after removing separators, '+' or '00'; with a phone "
                     "region, a number too short or too long for its country",
    "phone_needs_region": "a national number (one leading trunk 0) without a phone region "
                          "to read it in",
    "invalid_gender": 'not "m" or "f" (or an obvious spelling such as "female")',
    "invalid_date": "not a real calendar date in YYYY-MM-DD form",
    "date_too_old": "a date before 1900-01-01",
    "date_in_future": "a date after today",
    "invalid_age": "age is not a whole number from 1 to 120",
    "age_mismatch": "age disagrees with the age computed from birthday by more than a year",
    "invalid_number": "not a finite number >= 0 that JavaScript represents exactly",
    "invalid_vds": "not a 6-character VDS or 17-character VIN (letters and digits, no I/O/Q)",
    "invalid_custom_key": "custom property name not matching [a-z0-9_]+ (at most 64 chars)",
    "reserved_custom_key": "custom property name that shadows a standard field or a JS name",
    "invalid_custom_value": "custom value not text, number, boolean, date, list or small object",
    **GUARD_RULES,
    **EVENT_RULES,
    **ADAPTER_RULES,
    **NAVIGATION_RULES,
}
