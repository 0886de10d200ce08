"""Drafts kept in the browser (forum/static/forum/forum.js) and when to forget them.

A form that saves text (a thread, a reply, a lesson) keeps a draft in the
browser's storage until the text is saved. The view that saved it stores the
draft's name in the session under ``DRAFT_CLEAR_KEY``; the next page pops it
and names it in ``<meta name="draft-clear">``, and the script forgets that
draft. Forum and lessons share the key (and the script), so it lives here.
"""

# The value stays what the forum named it first: a session written before the
# key moved here is still read.
DRAFT_CLEAR_KEY = "forum_draft_clear"
