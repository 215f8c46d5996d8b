"""Django integration: an app for ``INSTALLED_APPS`` with the ``personaclick`` tag library.

.. code-block:: python

    INSTALLED_APPS = [..., "pc_snippets.django"]
    MIDDLEWARE = [..., "pc_snippets.django.middleware.PersonaClickMiddleware"]
    PERSONACLICK_SHOP_ID = "357382bf66ac0ce2f1722677c59511"

.. code-block:: django

    {% load personaclick %}
    {% personaclick_init %}
    {% personaclick_profile_set %}            {# request.user; AnonymousUser: nothing #}
    {% personaclick_profile_get callback="shop.onProfile" %}

Settings are checked by Django's system checks (``personaclick.E001`` ...).
For the Jinja2 backend use ``"environment": "pc_snippets.django.jinja2.environment"``.
"""
