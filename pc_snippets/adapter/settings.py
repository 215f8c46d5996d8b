"""The one settings table every adapter reads, spells its own way and checks alike.

Each row of :data:`SETTINGS` is a setting: its name, type, default and meaning.
An adapter spells the names its framework's way (a :class:`Naming`): Flask's
``app.config`` and Django's settings say ``PERSONACLICK_SHOP_ID``, a Jinja
environment ``personaclick_shop_id``, Starlette's ``setup()`` ``shop_id=``. It reads
the values with :func:`read_settings`, checks them with :func:`settings_problems`
(the same checks and messages everywhere, only the names spelled differently) and
builds :class:`Settings` with :func:`settings_from`. The README's settings table is
:func:`settings_markdown` (a test keeps the two equal).

>>> values = read_settings({"PERSONACLICK_STRICT": "yes"}.get, CONFIG)
>>> settings_problems(values, CONFIG)[0]
('E004', 'PERSONACLICK_STRICT must be True or False')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.consent_gate import ConsentSource, check_consent_source
from ..core.events import check_track_mapping
from ..core.guard import Guard
from ..core.navigation import check_navigation
from ..core.phones import check_region
from ..core.render import render_init

__all__ = [
    "CONFIG",
    "ENVIRONMENT",
    "KEYWORDS",
    "SETTINGS",
    "Naming",
    "Setting",
    "Settings",
    "guard_from",
    "load_settings",
    "missing_shop_id",
    "read_settings",
    "settings_error",
    "settings_from",
    "settings_markdown",
    "settings_problems",
]


@dataclass(frozen=True)
class Settings:
    """The settings in force for one render, the same for every framework.

    >>> Settings(shop_id="357382bf66ac0ce2f1722677c59511", stream="web").stream
    'web'
    """

    shop_id: str | None = None
    stream: str | None = None
    enabled: bool = True
    strict: bool = False
    send_once: bool = False
    #: True/False/None, or a callable the pipeline asks once per request.
    consent: Any = field(default=None, compare=False)
    cookieless: bool | None = None
    spa: bool = False
    #: ``"turbo"`` or ``"htmx"``: the snippets are made for pages that navigate
    #: without reloading (the core renderers' ``navigation``).
    navigation: str | None = None
    #: Where the visitor's consent is decided in the browser: every snippet waits for
    #: it (the core renderers' ``consent_source``; :func:`settings_from` turns a kind
    #: string into its :class:`~pc_snippets.ConsentSource`).
    consent_source: ConsentSource | str | None = None
    api_host: str | None = None
    cdn_host: str | None = None
    guard: Guard | None = field(default=None, compare=False)
    #: Phones without an international prefix are national numbers of this region.
    phone_region: str | None = None
    #: A product object's attribute names for ``track`` events (``{"id": "sku"}``).
    track_mapping: Mapping[str, str] | None = field(default=None, compare=False)
    #: Development mode (the framework's debug flag): dropped fields are also named
    #: in the browser console (path and rule code, never the value).
    debug: bool = False


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    type: str
    default: Any
    meaning: str
    #: How the value is checked: "bool", "optional bool", "optional text", "list",
    #: or the setting's own name for those with checks of their own.
    kind: str


SETTINGS: tuple[Setting, ...] = (
    Setting("shop_id", "text", None, "the shop key from your PersonaClick account "
            "(30 hexadecimal characters); required while enabled", "shop_id"),
    Setting("stream", "text or None", None, "stream name passed to `init` "
            "(`None`: the SDK's \"web\")", "optional text"),
    Setting("enabled", "bool", True, "`False`: every tag renders nothing, and no shop id is "
            "needed", "bool"),
    Setting("strict", "bool", False, "`True`: raise `ProfileError` instead of dropping a "
            "refused field", "bool"),
    Setting("send_once", "bool", False, "skip a `profile set` identical to one already "
            "rendered in this session (needs the session and the app's secret key)", "bool"),
    Setting("consent", "bool, None or callable", None, "the visitor's tracking decision: "
            "`True`/`False`/`None`, or a callable returning one, asked once per request "
            "(its argument: see each adapter)", "consent"),
    Setting("cookieless", "bool or None", None, "`init` option `cookieless`", "optional bool"),
    Setting("spa", "bool", False, "single-page app (`init` and `profile get`)", "bool"),
    Setting("navigation", "text or None", None, "`\"turbo\"` or `\"htmx\"`: pages that "
            "navigate without reloading; `init` runs once per window, every other tag once "
            "per page render (`None`: plain page loads)", "navigation"),
    Setting("consent_source", "text, `ConsentSource` or None", None, "the consent manager "
            "that decides in the browser: `\"tcf\"`, `\"google\"`, `\"cookiebot\"`, "
            "`\"onetrust\"`, `\"klaro\"`, `\"cookieconsent\"` (its defaults) or a "
            "`ConsentSource(...)`; every tag waits for the visitor's agreement there, unless "
            "`consent` already decided (`None`: no gate; not with `navigation`)",
            "consent_source"),
    Setting("api_host", "text or None", None, "custom API host (`init`)", "optional text"),
    Setting("cdn_host", "text or None", None, "custom CDN host (`init`)", "optional text"),
    Setting("guard_disabled", "list of text", (), "placeholder-guard rule codes to switch off",
            "list"),
    Setting("placeholder_domains", "list of text", (), "the store's invented-email domains "
            "(placeholder guard)", "list"),
    Setting("guard_opt_in", "list of text", (), "off-by-default guard rule codes to switch on "
            "(`epoch_birthday`)", "list"),
    Setting("phone_region", "text or None", None, "ISO 3166-1 alpha-2 region (`\"RU\"`) in "
            "which a phone written without an international prefix is read as a national "
            "number (`None`: phones are read as written, country code included)",
            "phone_region"),
    Setting("track_mapping", "mapping or None", None, "a product object's attribute names for "
            "`track` events, given once (`{\"id\": \"sku\", \"price\": \"unit_price\"}`); "
            "mappings (dicts) are read by their keys", "track_mapping"),
)

#: Problem codes that mean "a value of the wrong type" (see :func:`settings_error`).
TYPE_CODES = frozenset({"E004", "E007"})

# A shop id the core accepts, used to check the other init settings one at a time.
_PROBE_SHOP_ID = "357382bf66ac0ce2f1722677c59511"

_TYPE_MESSAGES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "bool": (lambda value: isinstance(value, bool), "must be True or False"),
    "optional bool": (lambda value: value is None or isinstance(value, bool),
                      "must be True, False or None"),
    "optional text": (lambda value: value is None or isinstance(value, str),
                      "must be a string or None"),
    "shop_id": (lambda value: value is None or isinstance(value, str), "must be a string"),
    "phone_region": (lambda value: value is None or isinstance(value, str),
                     "must be a string or None"),
    "navigation": (lambda value: value is None or isinstance(value, str),
                   'must be None, "turbo" or "htmx"'),
    # The core's message (check_consent_source), for a value of the wrong type too.
    "consent_source": (lambda value: value is None or isinstance(value, (str, ConsentSource)),
                       "must be None, a ConsentSource or one of 'tcf', 'google', "
                       "'cookiebot', 'onetrust', 'klaro', 'cookieconsent'"),
}


@dataclass(frozen=True)
class Naming:
    """How a framework spells the table's names.

    >>> CONFIG("shop_id"), ENVIRONMENT("shop_id"), KEYWORDS("shop_id")
    ('PERSONACLICK_SHOP_ID', 'personaclick_shop_id', 'shop_id')
    """

    prefix: str
    upper: bool = False

    def __call__(self, name: str) -> str:
        return self.prefix + (name.upper() if self.upper else name)


CONFIG = Naming("PERSONACLICK_", upper=True)  # Flask's app.config, Django's settings
ENVIRONMENT = Naming("personaclick_")  # a Jinja environment's attributes (env.extend)
KEYWORDS = Naming("")  # keyword arguments (Starlette's setup())

_MISSING = object()


def read_settings(lookup: Callable[[str, Any], Any], naming: Naming) -> dict[str, Any]:
    """The table's settings that are set, by table name.

    ``lookup(spelled_name, missing)`` returns the value, or ``missing`` when the
    setting is not set (``dict.get`` and ``getattr``-with-default both fit).
    """
    values = {}
    for setting in SETTINGS:
        value = lookup(naming(setting.name), _MISSING)
        if value is not _MISSING:
            values[setting.name] = value
    return values


def settings_problems(
    values: Mapping[str, Any], naming: Naming, *, require_shop_id: bool = True
) -> list[tuple[str, str]]:
    """Check setting values (by table name); return ``(code, message)`` pairs.

    The core renderers do the checking, so an adapter accepts exactly what the
    renderers accept. Codes: ``E001`` missing shop id, ``E002`` malformed shop id,
    ``E003`` malformed stream or host, ``E004`` wrong type, ``E005`` bad guard
    settings, ``E007`` a consent that is no decision and no callable, ``E009`` a
    phone region that is no region code, ``E010`` a track mapping naming no product field,
    ``E011`` a navigation that is not ``"turbo"`` or ``"htmx"``, ``E012`` a consent
    source that is no kind, or one set together with a navigation.

    >>> settings_problems({"shop_id": None, "enabled": False}, KEYWORDS)
    []
    """
    problems: list[tuple[str, str]] = []
    for setting in SETTINGS:
        value = values.get(setting.name)
        test = _TYPE_MESSAGES.get(setting.kind)
        if setting.name in values and test is not None and not test[0](value):
            problems.append(("E004", f"{naming(setting.name)} {test[1]}"))
        elif setting.kind == "optional text" and isinstance(value, str):
            try:
                render_init(_PROBE_SHOP_ID, **{setting.name: value})  # type: ignore[arg-type]
            except ValueError as exc:
                problems.append(("E003", f"{naming(setting.name)} is malformed: {exc}"))
    # Names checked by the core itself, with the adapter's spelling in the message.
    for name, code, core_check in (("navigation", "E011", check_navigation),
                                   ("consent_source", "E012", check_consent_source)):
        value = values.get(name)
        if isinstance(value, str):
            try:
                core_check(value, naming(name))
            except ValueError as exc:
                problems.append((code, str(exc)))
    source = values.get("consent_source")
    if source is not None and values.get("navigation") is not None:
        # As the renderers refuse it (pc_snippets.core.consent_gate.renderer_source).
        problems.append(("E012", f"{naming('consent_source')} cannot be combined with "
                                 f"{naming('navigation')}: set one of them"))
    region = values.get("phone_region")
    if isinstance(region, str):
        try:
            check_region(region, naming("phone_region"))
        except ValueError as exc:
            problems.append(("E009", str(exc)))
    try:
        check_track_mapping(values.get("track_mapping"), naming("track_mapping"))
    except (TypeError, ValueError) as exc:
        problems.append(("E004" if isinstance(exc, TypeError) else "E010", str(exc)))
    consent = values.get("consent")
    if not (consent is None or isinstance(consent, bool) or callable(consent)):
        problems.append(("E007", f"{naming('consent')} must be True, False, None or a "
                                 f"callable, not a {type(consent).__name__}"))
    try:
        guard_from(values.get("guard_disabled"), values.get("placeholder_domains"),
                   values.get("guard_opt_in"))
    except (TypeError, ValueError) as exc:
        names = (f"{naming('guard_disabled')} / {naming('placeholder_domains')} / "
                 f"{naming('guard_opt_in')}")
        problems.append(("E005", f"{names}: {exc}"))
    if values.get("enabled", True) is False:
        return problems  # a disabled integration needs no shop id
    shop_id = values.get("shop_id")
    if shop_id is None or shop_id == "":
        if require_shop_id:
            problems.append(("E001", missing_shop_id(naming)))
    elif isinstance(shop_id, str):
        try:
            render_init(shop_id)
        except ValueError as exc:
            problems.append(("E002", f"{naming('shop_id')} is malformed: {exc}"))
    return problems


def missing_shop_id(naming: Naming) -> str:
    """The message for a missing shop id (``E001``)."""
    return (f"{naming('shop_id')} is not set: set it to the shop key from your PersonaClick "
            f"account, or set {naming('enabled')} = False to switch the snippets off")


def guard_from(disabled: Any, placeholder_domains: Any, opt_in: Any = None) -> Guard | None:
    """A :class:`~pc_snippets.Guard` from the three list settings; ``None`` for the default."""
    if not disabled and not placeholder_domains and not opt_in:
        return None
    for value in (disabled, placeholder_domains, opt_in):
        if isinstance(value, str) or not isinstance(value, Iterable | None):
            raise TypeError("must be lists of strings")
    return Guard(disabled=disabled or (), placeholder_domains=placeholder_domains or (),
                 opt_in=opt_in or ())


def settings_from(
    values: Mapping[str, Any], *, debug: bool = False, guard: Guard | None = None
) -> Settings:
    """:class:`Settings` from checked values (see :func:`settings_problems`).

    ``guard`` (a ready :class:`~pc_snippets.Guard`) stands in for the two list
    settings; ``debug`` is the framework's own flag, not a table setting.
    """
    known = {setting.name: values[setting.name] for setting in SETTINGS
             if setting.kind != "list" and setting.name in values}
    if guard is None:
        guard = guard_from(values.get("guard_disabled"), values.get("placeholder_domains"),
                           values.get("guard_opt_in"))
    if "consent_source" in known:  # a kind, once: the renderers then get the object
        known["consent_source"] = check_consent_source(known["consent_source"])
    return Settings(**known, guard=guard, debug=debug)


def settings_error(problems: list[tuple[str, str]], title: str) -> TypeError | ValueError:
    """One exception for all the problems: ``TypeError`` if each is a wrong type, else
    ``ValueError`` (for adapters without an exception of their framework's)."""
    kind = TypeError if all(code in TYPE_CODES for code, _ in problems) else ValueError
    return kind(title + "; ".join(message for _, message in problems))


def load_settings(
    lookup: Callable[[str, Any], Any], naming: Naming, *, title: str = "PersonaClick: ",
    debug: bool = False,
) -> Settings:
    """Read, check and build the settings in one call; raise :func:`settings_error`.

    >>> load_settings({"shop_id": "357382bf66ac0ce2f1722677c59511"}.get, KEYWORDS).enabled
    True
    >>> load_settings({"spa": "yes"}.get, KEYWORDS)
    Traceback (most recent call last):
    ValueError: PersonaClick: spa must be True or False; shop_id is not set: ...
    """
    values = read_settings(lookup, naming)
    problems = settings_problems(values, naming)
    if problems:
        raise settings_error(problems, title)
    return settings_from(values, debug=debug)


def _shown(value: Any) -> str:
    if value is None:
        return "`None`"
    return "`[]`" if value == () else f"`{value!r}`"


def settings_markdown() -> str:
    """The README's settings table, made from :data:`SETTINGS`."""
    rows = [
        "| Flask config, Django setting | Jinja environment, Starlette `setup()` | type | "
        "default | meaning |",
        "|---|---|---|---|---|",
    ]
    for setting in SETTINGS:
        default = "— (required while enabled)" if setting.name == "shop_id" else _shown(
            setting.default)
        rows.append(
            f"| `{CONFIG(setting.name)}` | `{ENVIRONMENT(setting.name)}`, `{setting.name}=` | "
            f"{setting.type} | {default} | {setting.meaning} |"
        )
    return "\n".join(rows) + "\n"
