from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.page),
    path("jinja/", views.jinja_page),
    path("explicit/", views.explicit),
    path("streamed/", views.streamed),
    path("streamed-late/", views.streamed_late),
    path("whole/", views.whole),
    path("site.css", views.style),
    path("broken/", views.broken),
    path("contract/", views.contract),
]
handler500 = views.server_error
