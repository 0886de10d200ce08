"""What happens to members, for the apps above that act on it.

members sits below the inbox (notifications) in the layers and does not import
it; the inbox listens instead (notifications/receivers.py, connected in its
AppConfig.ready()). Every signal is sent inside the transaction of the change,
so a receiver's rows (a notification, a queued email) commit or roll back with
it, and pushes go out only after commit. A receiver that raises fails the
change, as a direct call would; a failed push never raises (notify()).

The sender is the model the change is about (the member model; Tag for a
merge); the arguments are keyword arguments.
"""

from django.dispatch import Signal

# A moderator approved a request to join: member, moderator.
member_approved = Signal()
# A moderator turned a request down: member, moderator, reason.
member_rejected = Signal()
# A role was granted or taken back: member, actor, role ("expert", "moderator",
# "admin"), granted.
role_changed = Signal()
# A member was banned (their sessions already ended): member, moderator.
member_banned = Signal()
# Every session of a member ended (a changed or reset password): member_id.
member_sessions_ended = Signal()
# One session ended (a logout, "sign out everywhere else"): session_key.
session_ended = Signal()
# Two topics were merged: source, target. Sent once what was tagged with source
# is tagged with target, before source is deleted, for receivers to move what
# else points at source (its followers).
tags_merged = Signal()
# Someone wrote through the contact form: message (a ContactMessage), moderator_ids
# (whom to tell that it is waiting; never its text).
contact_message_received = Signal()
