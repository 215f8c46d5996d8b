"""The Django app config: registers system checks and follows settings changes."""

from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped]


class PersonaClickConfig(AppConfig):  # type: ignore[misc]
    """``INSTALLED_APPS = [..., "pc_snippets.django"]`` (label ``personaclick``)."""

    name = "pc_snippets.django"
    label = "personaclick"
    verbose_name = "PersonaClick snippets"

    def ready(self) -> None:
        from django.core.signals import setting_changed  # type: ignore[import-untyped]

        from . import checks  # noqa: F401  (registers the checks)
        from .conf import reset

        # override_settings in tests, and anything else that changes settings live.
        setting_changed.connect(reset, dispatch_uid="pc_snippets.django.reset")
