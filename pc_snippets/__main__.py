"""``python -m pc_snippets``: the same as the ``pc-snippets`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
