"""The one base of every service's refusal.

Each app's services raise their own subclass (``ForumError``, ``LessonError``,
``members.services.TopicError``): the message is for the member, and a view
shows it next to the form. A write that passes through two apps (a thread's
or a lesson's new topics are proposed by members.services inside the forum's
or the lessons' transaction) can refuse with either app's error; the view
catches this base, so it need not know which app said no.
"""


class ServiceError(Exception):
    """An action that is not allowed or not possible; the message is for the member."""
