"""The shape of a member's handle: what ``@mention`` in rendered text can name.

It lives here, below every app, because the markup pipeline (common.markup)
recognises mentions by it and must not import members; members.models,
members.forms and members.naming take it from here, so the model's
validator, the form and the renderer cannot disagree.
"""

HANDLE_PATTERN = r"[a-z0-9](?:[a-z0-9_-]{1,28}[a-z0-9])"
