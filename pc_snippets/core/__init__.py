"""The core: PersonaClick's data model, the validation and placeholder rules, rendering.

Plain functions and pydantic models; nothing here imports a web framework, the
adapters (:mod:`pc_snippets.adapter`) or the command line (:mod:`pc_snippets.cli`).
The public names are re-exported by :mod:`pc_snippets`; import them from there.
:func:`pc_snippets.core.serialize.dumps_js` is the one function that writes
JavaScript text.
"""
