"""A small real Django project for tests/test_django.py."""
