#!/usr/bin/env python
"""Django example. Run:  python examples/django/manage.py runserver  (http://127.0.0.1:8000/)"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
