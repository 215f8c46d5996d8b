"""The placeholder-data guard: values a store invents when it has no real data.

PersonaClick's docs warn never to send bogus data such as ``anonymous@example.com``:
email is the primary identity key and phone the second, so a placeholder merges
unrelated visitors into one profile. Each rule has a stable code and can be
switched off on its own through :class:`Guard`; the rules in
:data:`OPT_IN_RULES` are off until a store switches them on (``opt_in=``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_GUARD", "GUARD_RULES", "OPT_IN_RULES", "PLACEHOLDER_BIRTHDAYS", "Guard",
    "phone_may_be_placeholder",
]

#: Every placeholder rule code with what it catches (documented in the README).
GUARD_RULES: dict[str, str] = {
    "placeholder_email_domain": (
        "email at a reserved or special-use domain (example.com/.net/.org, *.example, "
        "*.test, *.invalid, *.localhost, localhost)"
    ),
    "placeholder_email_local": (
        "email whose whole local part is a placeholder or stand-in word, alone or joined "
        "with others, digits and separators (anonymous, noreply, test, guest, user123, "
        "customer_1, fake.email, changeme ...), says there is no email (no, na, n.a, "
        "noemail, not_provided ...) or is one letter repeated; a bare mail@/email@ only "
        "at a shared free-mail service"
    ),
    "generated_email_local": (
        "email whose local part is machine-generated (a UUID or long hex hash, also after "
        "a short prefix such as user_)"
    ),
    "mirrored_email": (
        "email whose local part repeats a label of its domain and is one or two "
        "characters, one repeated character or a keyboard run (a@a.com, qwe@qwe.ru)"
    ),
    "store_placeholder_domain": "email at a domain the store declared as its placeholder domain",
    "placeholder_phone": (
        "phone that is one repeated digit, an ascending/descending run, a country code "
        "followed by one repeated digit, or whose national part is one repeated pair of digits"
    ),
    "fictional_phone": (
        "phone in a range reserved for fiction: North American 555 numbers "
        "(+1 NXX 555 XXXX, area code 555) and the UK's Ofcom drama ranges"
    ),
    "placeholder_name": (
        "name that is a placeholder word (test, anonymous, guest, n/a, null, undefined, "
        "unknown ...), the field's own label in a shop language (Name, Surname, Имя, "
        "Nachname, Prénom ...), one letter repeated, a keyboard run, or has no letter at all"
    ),
    "name_with_digits": "name that contains a digit (John1, user123)",
    "placeholder_birthday": (
        "birthday that is a default date (1900-01-01, 1901-01-01, 1111-11-11, "
        "0001-01-01, 1899-12-31 ...)"
    ),
    "epoch_birthday": "birthday on the Unix epoch, 1970-01-01 (opt-in: off by default)",
}

#: Rules that are off unless a store switches them on with ``Guard(opt_in=...)``:
#: they also catch some real people.
OPT_IN_RULES = frozenset({"epoch_birthday"})

_RESERVED_DOMAINS = frozenset({"localhost", "example.com", "example.net", "example.org"})
_RESERVED_SUFFIXES = (
    ".localhost", ".test", ".invalid", ".example",
    ".example.com", ".example.net", ".example.org",
)

# Keyboard rows and the alphabet: their first three or more keys are a "run".
_ROWS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_DIGIT_ROWS = ("1234567890", "9876543210")
_RUNS = frozenset(row[:n] for row in _ROWS + _DIGIT_ROWS for n in range(3, len(row) + 1))


def _run_pattern(row: str) -> str:
    """A regex for the runs of ``row``: "abc(?:d(?:e...)?)?"."""
    tail = row[3:]
    return row[:3] + "".join(f"(?:{key}" for key in tail) + ")?" * len(tail)


def _by_first_letter(tokens: Iterable[str]) -> str:
    """One alternation of ``tokens`` (each starting with a literal letter), grouped by that
    letter: the regex engine then tries one branch per letter, not one per word (this
    keeps the fast path's email test fast)."""
    groups: dict[str, list[str]] = {}
    for token in tokens:
        groups.setdefault(token[0], []).append(token[1:])
    branches = "|".join(f"{letter}(?:{'|'.join(rest)})" for letter, rest in sorted(groups.items()))
    return f"(?=[{''.join(sorted(groups))}])(?:{branches})"


# Stand-in words: the WHOLE local part is made of them (any number, joined with or
# without "-", "_", "." and followed by digits): user123, customer_1, fake.email.
# None is a real name or word a person uses alone: "anon" (a Thai given name),
# "nil" (Catalan, Turkish), "nada" (Arabic, South Slavic), "blank", "last" (surnames).
# No two words spell the same text (so a failing match cannot backtrack through
# exponentially many readings): "username" is user+name, "noone" is no[-_.]?one.
_STANDIN_WORDS = (
    "test", "testing", "tester", "guest", "fake", "dummy", "example", "sample", "placeholder",
    "demo", "temp", "tmp", "user", "customer", "client", "shopper", "e[-_.]?mail", "mail",
    "anonymous", "anonym", "unknown", "undefined", "null", "none", "nobody", "nothing",
    "empty", "missing", "noreply", "no[-_.]reply", "donotreply",
    "do[-_.]not[-_.](?:reply|e?mail|contact)", "noemail", "no[-_.]e[-_.]?mail", "nomail",
    "no[-_.]mail", "no[-_.]?(?:address|data|info|one)",
    "not[-_.]?(?:provided|available|applicable|given|specified|entered|known|set)",
    "unavailable", "unspecified", "change[-_.]?me", "replace[-_.]?me",
    "your[-_.]?(?:name|e[-_.]?mail|mail|address)", "name", "first[-_.]?name",
    "last[-_.]?name", "surname", "first[-_.]?last",
    # "no email" in German, Spanish, Portuguese, Polish/Russian (bez, net) and French.
    "kein(?:e(?:[-_.]?e)?[-_.]?|[-_.]e?|)mail",
    *(f"{no}[-_.]?(?:e[-_.]?)?(?:mail|maila|correo|pochty|poczty)"
      for no in ("sin", "sem", "bez", "net")),
    "pas[-_.]?de[-_.]?e?[-_.]?mail",
    "xx+(?!x)", *(_run_pattern(row) for row in _ROWS),
)
_STANDIN = _by_first_letter(_STANDIN_WORDS)
_PLACEHOLDER_LOCAL = re.compile(
    # "no", "na", "n.a", "n/a": no email, but only alone (with digits they are initials).
    # One letter repeated ("aaa", "zzz1") stands alone too.
    rf"(?:{_STANDIN})\d*(?:[-_.]?(?:{_STANDIN})\d*)*(?:[-_.]\d+)?|no|na|n[-_./]a\.?|"
    r"(?P<rep>[a-z])(?P=rep){2,}\d*"
)
# A bare mail@ or email@ is a common real mailbox on a person's own domain
# (mail@vorname-nachname.de); on a shared free-mail service it is nobody's.
_MAILBOX_WORDS = frozenset({"mail", "email", "e-mail", "e.mail", "e_mail"})
_FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr",
    "ymail.com", "hotmail.com", "hotmail.co.uk", "hotmail.de", "hotmail.fr", "hotmail.it",
    "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com",
    "mail.com", "email.com", "gmx.com", "gmx.de", "gmx.net", "gmx.at", "web.de",
    "t-online.de", "freenet.de", "mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru",
    "yandex.ru", "yandex.com", "yandex.ua", "yandex.by", "yandex.kz", "ya.ru", "rambler.ru",
    "ukr.net", "i.ua", "meta.ua", "email.ua", "seznam.cz", "email.cz", "centrum.cz",
    "post.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "libero.it", "virgilio.it",
    "orange.fr", "free.fr", "laposte.net", "sfr.fr", "wanadoo.fr", "protonmail.com",
    "proton.me", "zoho.com", "qq.com", "163.com", "126.com", "naver.com", "daum.net",
    "hanmail.net", "yahoo.co.jp", "rediffmail.com", "uol.com.br", "bol.com.br",
    "terra.com.br", "abv.bg", "mail.bg", "mail.kz", "tut.by",
})
_GENERATED_LOCAL = re.compile(
    r"(?:[a-z][a-z0-9]{0,15}[-_.]?)?"
    r"(?:[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[0-9a-f]{20,})"
)
# What makes a local part that repeats its domain (a@a.com) an invention: it is tiny,
# one repeated character or a run. ivan@ivan.ru is somebody's own domain.
_MIRROR_WORD = re.compile(
    "[a-z0-9]{1,2}|(?P<mirror>[a-z0-9])(?P=mirror)+|"
    + "|".join(_run_pattern(row) for row in _ROWS + _DIGIT_ROWS)
)

_PLACEHOLDER_NAMES = frozenset({
    # Not "anon", "nan", "nil": real given names (Thai Anon, Nan; Catalan/Turkish Nil).
    "test", "test test", "testing", "tester", "anonymous", "guest", "n/a", "n.a.",
    "null", "none", "undefined", "unknown", "noname", "no name", "name", "first name",
    "firstname", "last name", "lastname", "surname", "user", "customer", "client", "fake",
    "dummy", "asdf", "qwerty", "x", "xx", "xxx",
    # Russian-language stores are a large part of PersonaClick's market.
    "тест", "гость", "аноним", "неизвестно", "нет", "пользователь", "клиент", "покупатель",
    "без имени", "йцукен", "фыва", "фывап",
    # The field's own label, typed or autofilled into it. Left out on purpose, as
    # they are real names: Dutch "Ad", Igbo "Ime", "Meno", "Nimi", "Nama", Korean
    # 성 and 성명, Hebrew שם (Shem), Turkish "Adi", single kanji 姓 and 名.
    "first_name", "last_name", "fname", "lname", "full name", "fullname", "given name",
    "family name", "middle name", "your name", "name surname", "first last",
    "first name last name", "имя", "фамилия", "отчество", "фио", "ф.и.\u043e.", "ф. и. \u043e.",
    "имя фамилия", "фамилия имя", "имя и фамилия", "ваше имя", "ім'я", "ім\u2019я", "імʼя",
    "прізвище", "по батькові", "імя", "прозвішча", "име", "презиме", "vorname",
    "nachname", "familienname", "ihr name", "nom", "prénom", "prenom", "nom de famille",
    "nom prénom", "votre nom", "nombre", "apellido", "apellidos", "nombre completo",
    "tu nombre", "nome", "cognome", "sobrenome", "apelido", "nome completo", "imię",
    "imie", "nazwisko", "jméno", "jmeno", "příjmení", "prijmeni", "priezvisko", "soyad",
    "soyad\u0131", "soyadi", "ad\u0131", "ad\u0131n\u0131z", "ad soyad",
    "ad\u0131 soyad\u0131", "isim", "i\u0307sim",
    "naam", "voornaam", "achternaam", "namn", "förnamn", "efternamn", "navn", "fornavn",
    "etternavn", "efternavn", "etunimi", "sukunimi", "név", "vezetéknév", "keresztnév",
    "utónév", "nume", "prenume", "όνομα", "ονομα", "επώνυμο", "επωνυμο", "prezime",
    "vardas", "pavardė", "vārds", "uzvārds", "eesnimi", "perekonnanimi", "الاسم", "اسم",
    "الاسم الأول", "اسم العائلة", "الاسم الأخير", "שם פרטי", "שם משפחה", "नाम", "उपनाम",
    "名前", "氏名", "お名前", "苗字", "名字", "姓名", "姓氏", "이름", "ชื่อ", "นามสกุล",
    "nama depan", "nama belakang", "nama lengkap", "نام", "نام خانوادگی", "họ và tên",
    "họ tên",
    *(run for run in _RUNS if run.isalpha()),
})
# A name of two or more words that are each a label alone ("Vorname Nachname").
_LABEL_WORDS = frozenset(word for word in _PLACEHOLDER_NAMES if word.isalpha()) - {
    "x", "xx", "xxx", "test", "user", "guest", "client", "customer", "fake", "dummy",
}

_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
# Generational suffixes written with a digit ("Smith 3rd") are part of real names.
_ORDINAL = re.compile(r"(?<!\w)[2-9](?:nd|rd|th)\.?(?!\w)")

#: Every date :meth:`Guard.birthday_problem` may flag (a cheap first test).
PLACEHOLDER_BIRTHDAYS = frozenset({
    "0001-01-01", "1000-01-01", "1111-11-11", "1601-01-01", "1753-01-01", "1800-01-01",
    "1899-12-30", "1899-12-31", "1900-01-01", "1901-01-01", "1901-12-13",
    "1970-01-01", "9999-12-31",
})
_EPOCH_BIRTHDAYS = frozenset({"1970-01-01"})

# A phone's national part (after an optional 1-3 digit country code) that is one
# repeated digit, or a +1/-1 run, is invented.
_ASCENDING = "01234567890123456789"
_DESCENDING = "98765432109876543210"

# ITU-T E.164 country codes: 1 and 7 are one digit, these two, all others three.
_TWO_DIGIT_CODES = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)
# Ofcom's numbers for TV and radio drama, with 44 and without the trunk 0: each is
# these seven digits and 000-999 (020 7946 0xxx is 442079460xxx).
_UK_DRAMA = frozenset({
    "1134960", "1144960", "1154960", "1164960", "1174960", "1184960",  # Leeds .. Reading
    "1214960", "1314960", "1414960", "1514960", "1614960",  # Birmingham .. Manchester
    "2079460", "1914980", "2890180", "2920180",  # London, Tyneside, N. Ireland, Cardiff
    "1632960", "7700900", "8081570", "9098790", "3069990",  # no area, mobile, 0808, 0909, 03
})


def phone_may_be_placeholder(digits: str) -> bool:
    """False when the phone ``digits`` (at least six) surely are no placeholder.

    Every tail :meth:`Guard.phone_problem` tests for a repeat, run or repeated pair
    ends with the last six digits; fiction ranges are +1 numbers of 11 digits and
    +44 numbers of 12. So when the last six are no repeat, run or pair and the
    number is neither, nothing is (the common case, decided cheaply).

    >>> phone_may_be_placeholder("79129549656"), phone_may_be_placeholder("442079460958")
    (False, True)
    """
    last6 = digits[-6:]
    if (
        last6 == last6[0] * 6 or last6 in _ASCENDING or last6 in _DESCENDING
        or last6 == last6[:2] * 3
    ):
        return True
    size = len(digits)
    if size == 11:
        return digits[0] == "1" and (digits[4:7] == "555" or digits[1:4] == "555")
    return size == 12 and digits[:2] == "44" and digits[2:9] in _UK_DRAMA


def _country_code_length(digits: str) -> int:
    if digits[0] in "17":
        return 1
    return 2 if digits[:2] in _TWO_DIGIT_CODES else 3


def _repeated_pair(digits: str) -> bool:
    # abab... (a != b), at least five pairs: 1212121212. Shorter national numbers
    # of small countries (+372 5656 5656) are left alone: they may be real.
    return (
        len(digits) >= 10 and len(digits) % 2 == 0 and digits[0] != digits[1]
        and digits == digits[:2] * (len(digits) // 2)
    )


def _fictional(digits: str) -> bool:
    if len(digits) == 11 and digits[0] == "1":
        # NANP: the 555 exchange (555-0100..0199 reserved for fiction; the rest was
        # never given to subscribers, 555-1212 is directory assistance) and area code 555.
        return digits[1] in "23456789" and (digits[4:7] == "555" or digits[1:4] == "555")
    return len(digits) == 12 and digits[:2] == "44" and digits[2:9] in _UK_DRAMA


@dataclass(frozen=True, init=False)
class Guard:
    """Configuration of the placeholder-data guard.

    ``disabled``: rule codes to switch off. ``opt_in``: rules of
    :data:`OPT_IN_RULES` to switch on (``"epoch_birthday"``). ``placeholder_domains``:
    domains the store uses for invented addresses (``"noemail.myshop.com"``); an
    email there or at a subdomain is refused with ``store_placeholder_domain``.

    >>> Guard(disabled={"placeholder_name"}).enabled("placeholder_name")
    False
    >>> opted_in = Guard(opt_in={"epoch_birthday"})
    >>> Guard().enabled("epoch_birthday"), opted_in.enabled("epoch_birthday")
    (False, True)
    """

    disabled: frozenset[str] = field(default_factory=frozenset)
    placeholder_domains: frozenset[str] = field(default_factory=frozenset)
    opt_in: frozenset[str] = field(default_factory=frozenset)
    # Every code that is off: the disabled ones and the opt-in ones not opted in.
    _off: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)

    def __init__(
        self,
        *,
        disabled: Iterable[str] = (),
        placeholder_domains: Iterable[str] = (),
        opt_in: Iterable[str] = (),
    ) -> None:
        disabled_set = frozenset(disabled)
        opt_in_set = frozenset(opt_in)
        unknown = sorted((disabled_set | opt_in_set) - GUARD_RULES.keys())
        if unknown:
            raise ValueError(f"unknown guard rule code(s): {', '.join(unknown)}")
        always_on = sorted(opt_in_set - OPT_IN_RULES)
        if always_on:
            raise ValueError(f"guard rule(s) on by default, not opt-in: {', '.join(always_on)}")
        both = sorted(opt_in_set & disabled_set)
        if both:
            raise ValueError(f"guard rule(s) both disabled and opted in: {', '.join(both)}")
        domains = frozenset(d.strip().lower().lstrip(".") for d in placeholder_domains)
        object.__setattr__(self, "disabled", disabled_set)
        object.__setattr__(self, "placeholder_domains", domains)
        object.__setattr__(self, "opt_in", opt_in_set)
        object.__setattr__(self, "_off", disabled_set | (OPT_IN_RULES - opt_in_set))

    def enabled(self, code: str) -> bool:
        """Whether the rule ``code`` is switched on."""
        return code not in self._off

    def email_problem(self, local: str, domain: str) -> str | None:
        """The rule code an email breaks, or ``None``. ``domain`` is lower-case."""
        reserved = domain in _RESERVED_DOMAINS or domain.endswith(_RESERVED_SUFFIXES)
        # Rule switches are tested by set membership, not enabled(): this is the hot path.
        off = self._off
        if reserved and "placeholder_email_domain" not in off:
            return "placeholder_email_domain"
        if self.placeholder_domains and "store_placeholder_domain" not in off:
            for placeholder in self.placeholder_domains:
                if domain == placeholder or domain.endswith("." + placeholder):
                    return "store_placeholder_domain"
        # Sub-addressing ("+tag") does not change who the mailbox belongs to.
        mailbox = local.partition("+")[0].lower()
        if (
            "placeholder_email_local" not in off and _PLACEHOLDER_LOCAL.fullmatch(mailbox)
            and (mailbox not in _MAILBOX_WORDS or domain in _FREE_MAIL_DOMAINS)
        ):
            return "placeholder_email_local"
        generated = len(mailbox) >= 20 and _GENERATED_LOCAL.fullmatch(mailbox)
        if generated and "generated_email_local" not in off:
            return "generated_email_local"
        if (
            "mirrored_email" not in off and _MIRROR_WORD.fullmatch(mailbox)
            and mailbox in domain.split(".")[:-1]
        ):
            return "mirrored_email"
        return None

    def phone_problem(self, digits: str) -> str | None:
        """The rule code a normalised phone (digits only) breaks, or ``None``."""
        if not phone_may_be_placeholder(digits):
            return None
        off = self._off
        if "placeholder_phone" not in off:
            for prefix in range(4):
                rest = digits[prefix:]
                if len(rest) < 6:
                    break
                if rest == rest[0] * len(rest) or rest in _ASCENDING or rest in _DESCENDING:
                    return "placeholder_phone"
            if _repeated_pair(digits) or _repeated_pair(digits[_country_code_length(digits):]):
                return "placeholder_phone"
        if "fictional_phone" not in off and _fictional(digits):
            return "fictional_phone"
        return None

    def name_problem(self, name: str) -> str | None:
        """The rule code a trimmed name breaks, or ``None``."""
        off = self._off
        folded = name.casefold()
        if folded.isalpha():  # the common case: one word of letters
            if "placeholder_name" in off:
                return None
            repeated = len(folded) >= 3 and not folded.lstrip(folded[0])
            return "placeholder_name" if repeated or folded in _PLACEHOLDER_NAMES else None
        folded = " ".join(folded.split())
        if "placeholder_name" not in off:
            words = folded.split(" ")
            if (
                folded in _PLACEHOLDER_NAMES or not _LETTER.search(folded)
                or (len(words) > 1 and _LABEL_WORDS.issuperset(words))
            ):
                return "placeholder_name"
        if "name_with_digits" not in off and _DIGIT.search(_ORDINAL.sub("", folded)):
            return "name_with_digits"
        return None

    def birthday_problem(self, iso_date: str) -> str | None:
        """The rule code a ``YYYY-MM-DD`` birthday breaks, or ``None``."""
        if iso_date not in PLACEHOLDER_BIRTHDAYS:
            return None
        code = "epoch_birthday" if iso_date in _EPOCH_BIRTHDAYS else "placeholder_birthday"
        return None if code in self._off else code


#: The guard used when none is given: every rule on but the opt-in ones, no store domains.
DEFAULT_GUARD = Guard()
