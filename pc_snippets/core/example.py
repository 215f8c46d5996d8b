"""The example profile from PersonaClick's "Update User Profile" page.

Kept verbatim, including ``age: 31``: that was true when the page was written
(2021) and now disagrees with the birthday, so the built-in test page also shows
how a problem is reported (``age_mismatch``, the field dropped, the rest sent).
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLE_PROFILE"]

EXAMPLE_PROFILE: dict[str, Any] = {
    "id": 100500,
    "email": "john.doe@examplemail.com",
    "phone": "4400114527199",
    "first_name": "John",
    "last_name": "Doe",
    "birthday": "1990-03-11",
    "age": 31,
    "gender": "m",
    "location": "NY",
    "bought_something": True,
    "loyalty_id": "000001234567",
    "loyalty_card_location": "NY",
    "loyalty_status": "5% discount",
    "loyalty_bonuses": 1123,
    "loyalty_bonuses_to_next_level": 1877,
    "fb_id": "000000000354677",
    "vk_id": "vk031845",
    "telegram_id": "0125762968357835",
    "kids": [
        {"gender": "m", "birthday": "2001-04-12"},
        {"gender": "f", "birthday": "2015-07-28"},
    ],
    "auto": [{"brand": "Nissan", "model": "Qashqai", "vds": "TM7N243E4G0BJG978"}],
}
