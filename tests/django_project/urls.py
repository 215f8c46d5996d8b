from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.page),
    path("jinja/", views.jinja_page),
    path("explicit/", views.explicit),
]
