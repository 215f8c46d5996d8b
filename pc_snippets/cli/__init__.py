"""The ``pc-snippets`` command line: check customer files, print snippets, write test pages.

It is built on the core (:mod:`pc_snippets.core`) only; no web framework is imported.
The entry point is :func:`main`, which takes ``argv`` and returns the exit code.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
