"""A custom user model (not AUTH_USER_MODEL) to prove the default mapping is generic."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models


class Customer(AbstractBaseUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    login = models.CharField(max_length=50, unique=True)
    contact = models.EmailField(blank=True)

    USERNAME_FIELD = "login"
    EMAIL_FIELD = "contact"
