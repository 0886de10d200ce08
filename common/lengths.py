"""How much a member (or a visitor) may write in each long text field.

One table for the forms (max_length, the message next to the field), the models
(max_length) and the renderer (common.markup never reads past the largest
Markdown field), so the three cannot disagree. The rendering cost of the
longest text each Markdown field allows is measured by ``make bench``
("markdown worst case").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

MARKDOWN_MAX_LENGTH: Mapping[str, int] = MappingProxyType(
    {
        "post": 20_000,  # a reply, or the opening post of a thread
        "lesson_section": 20_000,  # each of what happened, what worked, ...
        "review_comment": 5_000,  # a comment on a step of a lesson's review
        "bio": 2_000,  # "about you" on a profile
        "event_description": 20_000,  # what a training, webinar or meeting is about
    }
)

# Long text that is never rendered as Markdown: shown as typed, escaped, with its
# line breaks (to the moderators only).
PLAIN_TEXT_MAX_LENGTH: Mapping[str, int] = MappingProxyType(
    {
        "contact_message": 5_000,  # a message through the contact form
    }
)
