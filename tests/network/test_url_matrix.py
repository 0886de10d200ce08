"""Who gets what from every URL of the project, with every method, per role.

The per-app access tests (tests/*/test_access.py) go into the details of each
app (lesson states, hidden threads, tokens). This is the global guard: every
URL pattern the resolver knows, allauth's and the admin's included, is asked
with GET and POST by every role, and the answers must be the ones in
EXPECTED. A URL without a row fails test_every_url_has_a_row, so nobody adds
a page, an app or a package without deciding who may use it. HEAD, PUT and
DELETE must refuse (405) or answer as GET or POST do: no method opens more.

Outcomes: an HTTP status, L (sent to the login page), W (the waiting page,
403, for a login that is not an approved membership). Objects a role may not
see answer 404, never 403; moderator pages answer 403 to members.

Roles: the objects in each URL (thread, lesson, notification, invitation,
profile, feed) belong to ``author``; ``other_member`` wrote the reply in the
author's thread and is the one moderators act on; ``member`` is an approved
member with no part in any of it. ``admin`` is a superuser with two-factor
authentication and no moderator flag; ``banned`` cannot log in at all (their
session does not survive the next request), so they get what a visitor gets.

Derived roles are checked against a role of the table rather than given
columns of their own (DERIVED_ROLES): a moderator without two factors, and a
moderator whose TOTP this session never passed, get exactly an ordinary
member's answers; a member whose account was removed, still holding the
session cookie, gets exactly a visitor's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from taggit.models import Tag as TaggitTag

from events import services as event_services
from events.models import CalendarToken, Registration
from forum import services as forum_services
from forum.models import ThreadKind
from lessons import feeds
from lessons import selectors as lesson_selectors
from lessons import services as lesson_services
from lessons.models import FeedToken, Instrument, LessonRevision, LessonState, Provision
from library import services as library_services
from library.models import EventMaterial
from members.models import ContactMessage, Invitation, Status, Tag, User
from members.services import create_invitation
from network.privacy import delete_account
from notifications.services import notify
from tests.conftest import TEST_PASSWORD, sign_in
from tests.network.url_patterns import Route, all_routes

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "pending",
    "banned",
    "member",
    "author",
    "other_member",
    "expert",
    "moderator",
    "admin",
]
# role -> the role of the table whose answers it must get, URL for URL.
DERIVED_ROLES = {
    "moderator_without_2fa": "member",
    "moderator_unverified": "member",
    "removed": "anonymous",
}
# Their own two-factor pages differ for someone who has an authenticator; and
# ``member`` is the one invited to co-author the world's lesson, which no
# moderator is (they get what any uninvited member gets: 404).
DERIVED_EXCEPTIONS = {
    "moderator_without_2fa": ("lessons:co_author",),
    "moderator_unverified": ("mfa_", "lessons:co_author"),
}
LOGIN, WAIT = "L", "W"
# Methods no view offers; a visitor, someone waiting and a member try them.
EXTRA_METHODS = ["put", "delete"]
EXTRA_ROLES = ["anonymous", "pending", "member"]
# Only under DEBUG (network/urls.py): the error pages' preview.
DEBUG_ONLY = {"_errors/<int:status>/"}

# One line per URL and method; the outcomes are in ROLES order.
TABLE = """
# URL                                        anon pend bann memb auth othr expt mod  admin
# The site as a whole.
_errors/<int:status>/                   GET  404  404  404  404  404  404  404  404  404
_errors/<int:status>/                   POST 404  404  404  404  404  404  404  404  404
favicon                                 GET  301  301  301  301  301  301  301  301  301
favicon                                 POST 405  405  405  405  405  405  405  405  405
health                                  GET  200  200  200  200  200  200  200  200  200
health                                  POST 405  405  405  405  405  405  405  405  405
landing                                 GET  200  200  200  200  200  200  200  200  200
landing                                 POST 405  405  405  405  405  405  405  405  405
robots                                  GET  200  200  200  200  200  200  200  200  200
robots                                  POST 405  405  405  405  405  405  405  405  405
first_steps_dismiss                     GET  L    W    L    405  405  405  405  405  405
first_steps_dismiss                     POST L    W    L    302  302  302  302  302  302
search                                  GET  L    W    L    200  200  200  200  200  200
search                                  POST L    W    L    405  405  405  405  405  405
forget_device                           GET  405  405  405  405  405  405  405  405  405
forget_device                           POST 303  303  303  303  303  303  303  303  303
signed_out                              GET  200  302  200  302  302  302  302  302  302
signed_out                              POST 405  405  405  405  405  405  405  405  405
set_language                            GET  405  405  405  405  405  405  405  405  405
set_language                            POST 302  302  302  302  302  302  302  302  302
contact                                 GET  200  200  200  200  200  200  200  200  200
contact                                 POST 200  200  200  200  200  200  200  200  200
# Members and the moderators' pages.
members:account_delete                  GET  L    200  L    200  200  200  200  200  200
members:account_delete                  POST L    200  L    200  200  200  200  200  200
members:approve                         GET  L    W    L    403  403  403  403  405  405
members:approve                         POST L    W    L    403  403  403  403  302  302
members:audit                           GET  L    W    L    403  403  403  403  200  200
members:audit                           POST L    W    L    403  403  403  403  405  405
members:ban                             GET  L    W    L    403  403  403  403  405  405
members:ban                             POST L    W    L    403  403  403  403  302  302
members:contact_messages                GET  L    W    L    403  403  403  403  200  200
members:contact_messages                POST L    W    L    403  403  403  403  405  405
members:contact_message                 GET  L    W    L    403  403  403  403  200  200
members:contact_message                 POST L    W    L    403  403  403  403  405  405
members:contact_message_handle          GET  L    W    L    403  403  403  403  405  405
members:contact_message_handle          POST L    W    L    403  403  403  403  302  302
members:contact_message_delete          GET  L    W    L    403  403  403  403  405  405
members:contact_message_delete          POST L    W    L    403  403  403  403  302  302
members:data_export                     GET  L    200  L    200  200  200  200  200  200
members:data_export                     POST L    200  L    200  200  200  200  200  200
members:directory                       GET  L    W    L    200  200  200  200  200  200
members:directory                       POST L    W    L    405  405  405  405  405  405
follows:member                          GET  L    W    L    405  405  405  405  405  405
follows:member                          POST L    W    L    302  302  302  302  302  302
follows:tag                             GET  L    W    L    405  405  405  405  405  405
follows:tag                             POST L    W    L    302  302  302  302  302  302
members:invitations                     GET  L    W    L    200  200  200  200  200  200
members:invitations                     POST L    W    L    200  200  200  200  200  200
members:join                            GET  302  302  302  302  302  302  302  302  302
members:join                            POST 405  405  405  405  405  405  405  405  405
members:pending                         GET  L    W    L    403  403  403  403  200  200
members:pending                         POST L    W    L    403  403  403  403  405  405
members:profile                         GET  404  404  404  200  200  200  200  200  200
members:profile                         POST 405  405  405  405  405  405  405  405  405
members:profile_edit                    GET  L    W    L    200  200  200  200  200  200
members:profile_edit                    POST L    W    L    200  200  200  200  200  200
members:reject                          GET  L    W    L    403  403  403  403  405  405
members:reject                          POST L    W    L    403  403  403  403  302  302
members:set_role                        GET  L    W    L    403  403  403  403  405  405
members:set_role                        POST L    W    L    403  403  403  403  302  302
follows:topics                          GET  L    W    L    301  301  301  301  301  301
follows:topics                          POST L    W    L    405  405  405  405  405  405
members:waiting                         GET  L    200  L    302  302  302  302  302  302
members:waiting                         POST L    405  L    405  405  405  405  405  405
# Notifications: the author's own.
notifications:announce                  GET  L    W    L    403  403  403  403  200  200
notifications:announce                  POST L    W    L    403  403  403  403  302  302
notifications:list                      GET  L    W    L    200  200  200  200  200  200
notifications:list                      POST L    W    L    405  405  405  405  405  405
notifications:open                      GET  L    W    L    405  405  405  405  405  405
notifications:open                      POST L    W    L    404  302  404  404  404  404
notifications:preferences               GET  L    W    L    200  200  200  200  200  200
notifications:preferences               POST L    W    L    200  200  200  200  200  200
notifications:read                      GET  L    W    L    405  405  405  405  405  405
notifications:read                      POST L    W    L    404  302  404  404  404  404
notifications:read_all                  GET  L    W    L    405  405  405  405  405  405
notifications:read_all                  POST L    W    L    302  302  302  302  302  302
# Forum: moderator pages answer 403 to members; posts they may not touch, 404.
forum:attachment                        GET  L    W    L    200  200  200  200  200  200
forum:attachment                        POST L    W    L    405  405  405  405  405  405
forum:create                            GET  L    W    L    200  200  200  200  200  200
forum:create                            POST L    W    L    200  200  200  200  200  200
forum:flags                             GET  L    W    L    403  403  403  403  200  200
forum:flags                             POST L    W    L    405  405  405  405  405  405
forum:flags_dismiss                     GET  L    W    L    405  405  405  405  405  405
forum:flags_dismiss                     POST L    W    L    403  403  403  403  302  302
forum:follow                            GET  L    W    L    405  405  405  405  405  405
forum:follow                            POST L    W    L    302  302  302  302  302  302
forum:list                              GET  L    W    L    200  200  200  200  200  200
forum:list                              POST L    W    L    405  405  405  405  405  405
forum:moderate                          GET  L    W    L    405  405  405  405  405  405
forum:moderate                          POST L    W    L    403  403  403  403  302  302
forum:post                              GET  L    W    L    302  302  302  302  302  302
forum:post                              POST L    W    L    405  405  405  405  405  405
forum:post_accept                       GET  L    W    L    405  405  405  405  405  405
forum:post_accept                       POST L    W    L    302  302  302  302  302  302
forum:post_delete                       GET  L    W    L    404  404  200  404  200  200
forum:post_delete                       POST L    W    L    404  404  302  404  302  302
forum:post_edit                         GET  L    W    L    404  404  200  404  200  200
forum:post_edit                         POST L    W    L    404  404  302  404  302  302
forum:post_flag                         GET  L    W    L    200  200  200  200  200  200
forum:post_flag                         POST L    W    L    200  200  200  200  200  200
forum:post_helpful                      GET  L    W    L    405  405  405  405  405  405
forum:post_helpful                      POST L    W    L    302  302  302  302  302  302
forum:post_hide                         GET  L    W    L    405  405  405  405  405  405
forum:post_hide                         POST L    W    L    403  403  403  403  302  302
forum:post_history                      GET  L    W    L    404  404  200  404  200  200
forum:post_history                      POST L    W    L    405  405  405  405  405  405
forum:post_purge                        GET  L    W    L    403  403  403  403  200  200
forum:post_purge                        POST L    W    L    403  403  403  403  400  400
forum:post_restore                      GET  L    W    L    405  405  405  405  405  405
forum:post_restore                      POST L    W    L    403  403  403  403  302  302
forum:preview                           GET  L    W    L    405  405  405  405  405  405
forum:preview                           POST L    W    L    200  200  200  200  200  200
forum:reply                             GET  L    W    L    405  405  405  405  405  405
forum:reply                             POST L    W    L    302  302  302  302  302  302
forum:retag                             GET  L    W    L    403  403  403  403  200  200
forum:retag                             POST L    W    L    403  403  403  403  200  200
forum:tag                               GET  L    W    L    200  200  200  200  200  200
forum:tag                               POST L    W    L    405  405  405  405  405  405
forum:tag_edit                          GET  L    W    L    404  404  404  200  200  200
forum:tag_edit                          POST L    W    L    404  404  404  200  200  200
forum:tag_merge                         GET  L    W    L    405  405  405  405  405  405
forum:tag_merge                         POST L    W    L    404  404  404  400  400  400
forum:tags                              GET  L    W    L    200  200  200  200  200  200
forum:tags                              POST L    W    L    405  405  405  405  405  405
forum:thread                            GET  L    W    L    200  200  200  200  200  200
forum:thread                            POST L    W    L    405  405  405  405  405  405
forum:thread_short                      GET  L    W    L    301  301  301  301  301  301
forum:thread_short                      POST L    W    L    405  405  405  405  405  405
forum:unaccept                          GET  L    W    L    405  405  405  405  405  405
forum:unaccept                          POST L    W    L    302  302  302  302  302  302
# Lessons: a published members-only lesson by the author.
lessons:act                             GET  L    W    L    405  405  405  405  405  405
lessons:act                             POST L    W    L    400  302  400  400  302  302
lessons:co_author                       GET  L    W    L    200  404  404  404  404  404
lessons:co_author                       POST L    W    L    302  404  404  404  404  404
lessons:create                          GET  L    W    L    200  200  200  200  200  200
lessons:create                          POST L    W    L    400  400  400  400  400  400
lessons:detail                          GET  404  404  404  200  200  200  200  200  200
lessons:detail                          POST 405  405  405  405  405  405  405  405  405
lessons:detail_short                    GET  404  404  404  301  301  301  301  301  301
lessons:detail_short                    POST 405  405  405  405  405  405  405  405  405
lessons:edit                            GET  L    W    L    404  200  404  404  200  200
lessons:edit                            POST L    W    L    404  400  404  404  400  400
lessons:export                          GET  404  404  404  200  200  200  200  200  200
lessons:export                          POST 405  405  405  405  405  405  405  405  405
lessons:feed                            GET  200  200  200  200  200  200  200  200  200
lessons:feed                            POST 405  405  405  405  405  405  405  405  405
lessons:feed_settings                   GET  L    W    L    200  200  200  200  200  200
lessons:feed_settings                   POST L    W    L    302  302  302  302  302  302
lessons:history                         GET  L    W    L    404  200  404  404  200  200
lessons:history                         POST L    W    L    405  405  405  405  405  405
lessons:instrument                      GET  200  200  200  200  200  200  200  200  200
lessons:instrument                      POST 405  405  405  405  405  405  405  405  405
lessons:instrument_follow               GET  L    W    L    405  405  405  405  405  405
lessons:instrument_follow               POST L    W    L    302  302  302  302  302  302
lessons:list                            GET  200  200  200  200  200  200  200  200  200
lessons:list                            POST 405  405  405  405  405  405  405  405  405
lessons:mine                            GET  L    W    L    200  200  200  200  200  200
lessons:mine                            POST L    W    L    405  405  405  405  405  405
lessons:print                           GET  404  404  404  200  200  200  200  200  200
lessons:print                           POST 405  405  405  405  405  405  405  405  405
lessons:private_feed                    GET  200  200  200  200  200  200  200  200  200
lessons:private_feed                    POST 405  405  405  405  405  405  405  405  405
lessons:provision                       GET  200  200  200  200  200  200  200  200  200
lessons:provision                       POST 405  405  405  405  405  405  405  405  405
lessons:provision_follow                GET  L    W    L    405  405  405  405  405  405
lessons:provision_follow                POST L    W    L    302  302  302  302  302  302
lessons:purge                           GET  L    W    L    403  403  403  403  200  200
lessons:purge                           POST L    W    L    403  403  403  403  400  400
lessons:restore                         GET  L    W    L    405  405  405  405  405  405
lessons:restore                         POST L    W    L    404  302  404  404  302  302
lessons:retag                           GET  L    W    L    404  404  404  200  200  200
lessons:retag                           POST L    W    L    404  404  404  200  200  200
lessons:review_queue                    GET  L    W    L    404  404  404  200  200  200
lessons:review_queue                    POST L    W    L    405  405  405  405  405  405
lessons:standards                       GET  200  200  200  200  200  200  200  200  200
lessons:standards                       POST 405  405  405  405  405  405  405  405  405
# Events: a members-only training the author organises; other_member is registered.
events:calendar                         GET  302  302  302  302  302  302  302  302  302
events:calendar                         POST 405  405  405  405  405  405  405  405  405
events:cancel                           GET  L    W    L    405  405  405  405  405  405
events:cancel                           POST L    W    L    404  302  404  404  302  302
events:create                           GET  L    W    L    404  404  404  200  200  200
events:create                           POST L    W    L    404  404  404  400  400  400
events:decide                           GET  L    W    L    405  405  405  405  405  405
events:decide                           POST L    W    L    404  302  404  404  404  404
events:detail                           GET  404  404  404  200  200  200  200  200  200
events:detail                           POST 405  405  405  405  405  405  405  405  405
events:detail_short                     GET  404  404  404  301  301  301  301  301  301
events:detail_short                     POST 405  405  405  405  405  405  405  405  405
events:edit                             GET  L    W    L    404  200  404  404  200  200
events:edit                             POST L    W    L    404  400  404  404  400  400
events:feed                             GET  200  200  200  200  200  200  200  200  200
events:feed                             POST 405  405  405  405  405  405  405  405  405
events:feed_settings                    GET  L    W    L    200  200  200  200  200  200
events:feed_settings                    POST L    W    L    302  302  302  302  302  302
events:ics                              GET  404  404  404  200  200  200  200  200  200
events:ics                              POST 405  405  405  405  405  405  405  405  405
events:leave                            GET  L    W    L    405  405  405  405  405  405
events:leave                            POST L    W    L    404  404  302  404  404  404
events:list                             GET  200  200  200  200  200  200  200  200  200
events:list                             POST 405  405  405  405  405  405  405  405  405
events:month                            GET  200  200  200  200  200  200  200  200  200
events:month                            POST 405  405  405  405  405  405  405  405  405
events:participants                     GET  L    W    L    404  200  404  404  404  404
events:participants                     POST L    W    L    405  405  405  405  405  405
events:participants_csv                 GET  L    W    L    404  200  404  404  404  404
events:participants_csv                 POST L    W    L    405  405  405  405  405  405
events:past                             GET  200  200  200  200  200  200  200  200  200
events:past                             POST 405  405  405  405  405  405  405  405  405
events:private_calendar                 GET  200  200  200  200  200  200  200  200  200
events:private_calendar                 POST 405  405  405  405  405  405  405  405  405
events:register                         GET  L    W    L    405  405  405  405  405  405
events:register                         POST L    W    L    302  302  400  302  302  302
# Library: a members-only resource the author added, published by an expert,
# with one file, in a collection, a material of the author's event.
library:bibtex                          GET  404  404  404  200  200  200  200  200  200
library:bibtex                          POST 405  405  405  405  405  405  405  405  405
library:collect                         GET  L    W    L    405  405  405  405  405  405
library:collect                         POST L    W    L    404  404  404  404  302  302
library:collection                      GET  200  200  200  200  200  200  200  200  200
library:collection                      POST 405  405  405  405  405  405  405  405  405
library:collection_create               GET  L    W    L    404  404  404  404  200  200
library:collection_create               POST L    W    L    404  404  404  404  400  400
library:collection_edit                 GET  L    W    L    404  404  404  404  200  200
library:collection_edit                 POST L    W    L    404  404  404  404  400  400
library:collection_follow               GET  L    W    L    405  405  405  405  405  405
library:collection_follow               POST L    W    L    302  302  302  302  302  302
library:collection_item                 GET  L    W    L    405  405  405  405  405  405
library:collection_item                 POST L    W    L    404  404  404  404  302  302
library:collections                     GET  200  200  200  200  200  200  200  200  200
library:collections                     POST 405  405  405  405  405  405  405  405  405
library:create                          GET  L    W    L    200  200  200  200  200  200
library:create                          POST L    W    L    400  400  400  400  400  400
library:delete                          GET  L    W    L    404  404  404  404  200  200
library:delete                          POST L    W    L    404  404  404  404  302  302
library:detail                          GET  404  404  404  200  200  200  200  200  200
library:detail                          POST 405  405  405  405  405  405  405  405  405
library:detail_short                    GET  404  404  404  301  301  301  301  301  301
library:detail_short                    POST 405  405  405  405  405  405  405  405  405
library:download                        GET  404  404  404  200  200  200  200  200  200
library:download                        POST 405  405  405  405  405  405  405  405  405
library:edit                            GET  L    W    L    404  404  404  200  200  200
library:edit                            POST L    W    L    404  404  404  400  400  400
library:feed                            GET  200  200  200  200  200  200  200  200  200
library:feed                            POST 405  405  405  405  405  405  405  405  405
library:history                         GET  L    W    L    200  200  200  200  200  200
library:history                         POST L    W    L    405  405  405  405  405  405
library:list                            GET  200  200  200  200  200  200  200  200  200
library:list                            POST 405  405  405  405  405  405  405  405  405
library:material_remove                 GET  L    W    L    405  405  405  405  405  405
library:material_remove                 POST L    W    L    404  302  404  404  302  302
library:materials                       GET  L    W    L    404  200  404  404  200  200
library:materials                       POST L    W    L    404  302  404  404  302  302
library:publish                         GET  L    W    L    405  405  405  405  405  405
library:publish                         POST L    W    L    302  302  302  302  302  302
library:review                          GET  L    W    L    200  200  200  200  200  200
library:review                          POST L    W    L    405  405  405  405  405  405
library:unpublish                       GET  L    W    L    405  405  405  405  405  405
library:unpublish                       POST L    W    L    302  302  302  302  302  302
# allauth: account, two-factor, sessions. Someone waiting manages their account.
account_change_password                 GET  L    200  L    200  200  200  200  200  200
account_change_password                 POST L    200  L    200  200  200  200  200  200
account_confirm_email                   GET  404  404  404  404  404  404  404  404  404
account_confirm_email                   POST 404  404  404  404  404  404  404  404  404
account_confirm_login_code              GET  L    302  L    302  302  302  302  302  302
account_confirm_login_code              POST L    302  L    302  302  302  302  302  302
account_confirm_reauthentication_code   GET  L    302  L    302  302  302  302  302  302
account_confirm_reauthentication_code   POST L    302  L    302  302  302  302  302  302
account_email                           GET  L    200  L    200  200  200  200  200  200
account_email                           POST L    302  L    302  302  302  302  302  302
account_email_verification_sent         GET  200  200  200  200  200  200  200  200  200
account_email_verification_sent         POST 405  405  405  405  405  405  405  405  405
account_inactive                        GET  200  200  200  200  200  200  200  200  200
account_inactive                        POST 405  405  405  405  405  405  405  405  405
account_login                           GET  200  302  200  302  302  302  302  302  302
account_login                           POST 200  302  200  302  302  302  302  302  302
account_logout                          GET  302  200  302  200  200  200  200  200  200
account_logout                          POST 302  302  302  302  302  302  302  302  302
account_reauthenticate                  GET  L    200  L    200  200  200  200  200  200
account_reauthenticate                  POST L    200  L    200  200  200  200  200  200
account_request_reauthentication_code   GET  L    200  L    200  200  200  200  200  200
account_request_reauthentication_code   POST L    200  L    200  200  200  200  200  200
account_reset_password                  GET  200  200  200  200  200  200  200  200  200
account_reset_password                  POST 200  200  200  200  200  200  200  200  200
account_reset_password_done             GET  200  200  200  200  200  200  200  200  200
account_reset_password_done             POST 405  405  405  405  405  405  405  405  405
account_reset_password_from_key         GET  404  404  404  404  404  404  404  404  404
account_reset_password_from_key         POST 404  404  404  404  404  404  404  404  404
account_reset_password_from_key_done    GET  200  200  200  200  200  200  200  200  200
account_reset_password_from_key_done    POST 405  405  405  405  405  405  405  405  405
account_set_password                    GET  L    302  L    302  302  302  302  302  302
account_set_password                    POST L    302  L    302  302  302  302  302  302
account_signup                          GET  200  302  200  302  302  302  302  302  302
account_signup                          POST 200  302  200  302  302  302  302  302  302
mfa_activate_totp                       GET  L    302  L    302  302  302  302  302  302
mfa_activate_totp                       POST L    302  L    302  302  302  302  302  302
mfa_authenticate                        GET  L    302  L    302  302  302  302  302  302
mfa_authenticate                        POST L    302  L    302  302  302  302  302  302
mfa_deactivate_totp                     GET  L    404  L    404  404  404  404  302  302
mfa_deactivate_totp                     POST L    404  L    404  404  404  404  302  302
mfa_download_recovery_codes             GET  L    404  L    404  404  404  404  404  404
mfa_download_recovery_codes             POST L    404  L    404  404  404  404  404  404
mfa_generate_recovery_codes             GET  L    302  L    302  302  302  302  302  302
mfa_generate_recovery_codes             POST L    302  L    302  302  302  302  302  302
mfa_index                               GET  L    200  L    200  200  200  200  200  200
mfa_index                               POST L    405  L    405  405  405  405  405  405
mfa_reauthenticate                      GET  L    302  L    302  302  302  302  200  200
mfa_reauthenticate                      POST L    302  L    302  302  302  302  200  200
mfa_view_recovery_codes                 GET  L    404  L    404  404  404  404  404  404
mfa_view_recovery_codes                 POST L    405  L    405  405  405  405  405  405
usersessions_list                       GET  L    200  L    200  200  200  200  200  200
usersessions_list                       POST L    302  L    302  302  302  302  302  302
"""

# The admin, the same for every registered model: staff with two factors only.
# Members are sent to the admin's login, which refuses them (403); a visitor
# goes to allauth's login, never to a form that would skip the second factor.
ADMIN_MODELS = [
    "account_emailaddress",
    "auth_group",
    "lessons_instrument",
    "members_user",
    "mfa_authenticator",
    "taggit_tag",
    "usersessions_usersession",
]
ADMIN_PAGE = "L W L 302 302 302 302 302 200"
ADMIN_TABLE = """
admin:index                             GET  302  W    302  302  302  302  302  302  200
admin:index                             POST 302  W    302  302  302  302  302  302  200
admin:login                             GET  L    403  L    403  403  403  403  403  302
admin:login                             POST L    403  L    403  403  403  403  403  200
admin:logout                            GET  302  W    302  302  302  302  302  302  405
admin:logout                            POST 302  W    302  302  302  302  302  302  200
admin:password_change                   GET  302  W    302  302  302  302  302  302  200
admin:password_change                   POST 302  W    302  302  302  302  302  302  200
admin:password_change_done              GET  302  W    302  302  302  302  302  302  200
admin:password_change_done              POST 302  W    302  302  302  302  302  302  405
admin:autocomplete                      GET  302  W    302  302  302  302  302  302  403
admin:autocomplete                      POST 302  W    302  302  302  302  302  302  405
admin:jsi18n                            GET  302  W    302  302  302  302  302  302  200
admin:jsi18n                            POST 302  W    302  302  302  302  302  302  405
admin:app_list                          GET  302  W    302  302  302  302  302  302  404
admin:app_list                          POST 302  W    302  302  302  302  302  302  404
admin:view_on_site                      GET  302  W    302  302  302  302  302  302  404
admin:view_on_site                      POST 302  W    302  302  302  302  302  302  404
admin/(?P<url>.*)$                      GET  302  W    302  302  302  302  302  302  404
admin/(?P<url>.*)$                      POST 302  W    302  302  302  302  302  302  404
"""


def parse_table(text: str) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, method, *outcomes = line.split()
            rows.setdefault(key, {})[method] = " ".join(outcomes)
    return rows


EXPECTED = parse_table(TABLE) | parse_table(ADMIN_TABLE)
for _model in ADMIN_MODELS:
    for _page in ["add", "change", "changelist", "delete", "history"]:
        EXPECTED[f"admin:{_model}_{_page}"] = {"GET": ADMIN_PAGE, "POST": ADMIN_PAGE}
    # The old address of an object, which redirects to its change page.
    _app, _name = _model.split("_", 1)
    EXPECTED[f"admin/{_app}/{_name}/<path:object_id>/"] = {
        "GET": "L W L 302 302 302 302 302 302",
        "POST": "L W L 302 302 302 302 302 302",
    }
for _key in ["admin:auth_user_password_change", "admin:taggit_tag_merge_tags"]:
    EXPECTED[_key] = {"GET": ADMIN_PAGE, "POST": ADMIN_PAGE}


class World:
    """The people and the objects the URLs are opened on, built when first asked for."""

    def __init__(self, make_user: Callable[..., User]) -> None:
        self.make_user = make_user
        self.users: dict[str, User] = {
            "pending": make_user(status=Status.PENDING, approved_at=None),
            "banned": make_user(is_banned=True, is_active=False),
            "member": make_user(),
            "author": make_user(display_name="Ana Author"),
            "other_member": make_user(display_name="Otto Other"),
            "expert": make_user(is_expert=True),
            "moderator": self._with_totp(make_user(is_moderator=True)),
            "admin": self._with_totp(make_user(is_superuser=True, is_staff=True)),
            "moderator_without_2fa": make_user(is_moderator=True),
            "moderator_unverified": self._with_totp(make_user(is_moderator=True)),
            "removed": make_user(display_name="Rhea Removed"),
        }
        self._sessions: dict[str, str] = {}

    def session_cookie(self, client: Client, role: str) -> str:
        """A session per role, opened once: logging in for every request would double the cost."""
        if role not in self._sessions:
            client.cookies.clear()  # else logging in would end the previous role's session
            if role == "moderator_unverified":
                # A session that never passed the second factor the member has.
                client.force_login(self.users[role])
            else:
                sign_in(client, self.users[role])
            self._sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            if role == "removed":
                delete_account(self.users[role], keep_contributions=False)
        return self._sessions[role]

    @staticmethod
    def _with_totp(user: User) -> User:
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
        return user

    @property
    def author(self) -> User:
        return self.users["author"]

    @cached_property
    def topic(self) -> Tag:
        return Tag.objects.create(name="Use of force", slug="use-of-force")

    @cached_property
    def thread(self):
        return forum_services.create_thread(
            author=self.author,
            title="How do we document kettling at protests?",
            body="We saw police **kettle** a peaceful crowd for hours.",
            tags=[self.topic],
            kind=ThreadKind.QUESTION,
            language="en",
        )

    @cached_property
    def post(self):
        """The other member's answer in the author's thread."""
        return forum_services.create_reply(
            author=self.users["other_member"], thread=self.thread, body="Film the exits."
        )

    @cached_property
    def provision(self) -> Provision:
        instrument = Instrument.objects.create(
            slug="code-of-conduct",
            title="Code of Conduct for Law Enforcement Officials",
            short_title="Code of Conduct",
            year=1979,
            source_url="https://www.ohchr.org/en/instruments-mechanisms/code-of-conduct",
        )
        return Provision.objects.create(
            instrument=instrument,
            number="3",
            title="Use of force only when strictly necessary",
            source_url="https://www.ohchr.org/en/instruments-mechanisms/code-of-conduct",
        )

    @cached_property
    def lesson(self):
        """The author's lesson, published for members (not public)."""
        data = lesson_services.LessonData(
            title="Liaison officers at a march",
            summary="Named liaison officers on both sides kept a tense march peaceful.",
            setting="demonstration",
            what_happened="Organisers and police agreed a **route** the day before.",
            country="KE",
            tags=[self.topic],
            provisions=[self.provision],
            # ``member`` is asked to co-author and has not answered: no author's rights.
            co_authors=[self.users["member"]],
        )
        lesson = lesson_services.create_lesson(author=self.author, data=data)
        type(lesson).objects.filter(pk=lesson.pk).update(state=LessonState.PUBLISHED)
        lesson.refresh_from_db()
        return lesson

    @cached_property
    def event(self):
        """A members-only training the author organises; other_member is registered."""
        start = timezone.now() + timedelta(days=20)
        founder = self.make_user(is_expert=True)
        data = event_services.EventData(
            title="Policing assemblies training",
            kind="training",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            place="Hall A",
            organisers=[self.author],
        )
        event = event_services.create_event(actor=founder, data=data)
        event.organisers.remove(founder)
        return event

    @cached_property
    def attachment(self):
        """A file on the other member's answer in the author's thread."""
        self.post  # noqa: B018 - the answer exists first
        reply = forum_services.create_reply(
            author=self.users["other_member"],
            thread=self.thread,
            body="The route plan is attached.",
            files=[("route.txt", b"North gate, then the square.")],
        )
        return reply.attachments.get()

    @cached_property
    def resource(self):
        """The author's members-only resource with one file, published by an expert."""
        file = library_services.stage_file(
            actor=self.author, name="report.txt", data=b"Notes on kettling."
        )
        resource = library_services.create_resource(
            actor=self.author,
            data=library_services.ResourceData(kind="report", title="Kettling report"),
            staged=[file],
        )
        return library_services.publish_resource(actor=self.users["expert"], resource=resource)

    @cached_property
    def resource_file(self):
        return self.resource.files.get()

    @cached_property
    def collection(self):
        collection = library_services.create_collection(
            actor=self.users["moderator"],
            data=library_services.CollectionData(title="Assemblies", slug="assemblies"),
        )
        library_services.add_to_collection(
            actor=self.users["moderator"], collection=collection, resource=self.resource
        )
        return collection

    @cached_property
    def material(self) -> EventMaterial:
        return library_services.attach_material(
            actor=self.author, event=self.event, resource=self.resource, when="before"
        )

    @cached_property
    def registration(self) -> Registration:
        return event_services.register(member=self.users["other_member"], event=self.event)

    @cached_property
    def calendar_token(self) -> CalendarToken:
        return event_services.calendar_token_for(member=self.author)

    @cached_property
    def revision(self) -> LessonRevision:
        return LessonRevision.objects.create(
            lesson=self.lesson, editor=self.author, snapshot=lesson_selectors.snapshot(self.lesson)
        )

    @cached_property
    def notification(self):
        (notification,) = notify([self.author], kind="announcement", actor=None, text="For you")
        return notification

    @cached_property
    def contact_message(self) -> ContactMessage:
        return ContactMessage.objects.create(category="other", message="For the moderators")

    @cached_property
    def invitation(self) -> Invitation:
        return create_invitation(inviter=self.author)

    @cached_property
    def feed_token(self) -> FeedToken:
        return feeds.feed_token_for(self.author)

    def admin_object(self, app_label: str, model_name: str) -> int:
        """An existing object for the admin pages of a model, so that they show it."""
        model = apps.get_model(app_label, model_name)
        existing = model.objects.order_by("pk").first()
        if existing is not None:
            return existing.pk
        make = {
            "auth.group": lambda: Group.objects.create(name="Editors"),
            "taggit.tag": lambda: TaggitTag.objects.create(name="Old tag", slug="old-tag"),
            "lessons.instrument": lambda: self.provision.instrument,
            "usersessions.usersession": lambda: UserSession.objects.create(
                user=self.author, ip="192.0.2.1", session_key="matrix", user_agent="test"
            ),
        }
        assert f"{app_label}.{model_name}" in make, f"add a {app_label}.{model_name} to make"
        return make[f"{app_label}.{model_name}"]().pk

    def values(self, route: Route) -> dict[str, object]:
        """A plausible, existing value for each parameter of the route."""
        key = route.key
        values: dict[str, object] = {}
        for name in route.parameters:
            values[name] = self.value(key, route.route, name)
        return values

    def value(self, key: str, route: str, name: str) -> object:
        if key == "forum:attachment":
            return {"pk": self.attachment.pk, "name": self.attachment.name}[name]
        if key.startswith("forum:"):
            if name == "pk":
                post_url = key.startswith("forum:post") or key == "forum:flags_dismiss"
                return self.post.pk if post_url else self.thread.pk
            if name == "slug":
                return self.thread.slug if key == "forum:thread" else self.topic.slug
            if name == "action":
                return "pin"
        if key.startswith("lessons:"):
            if key in {"lessons:instrument", "lessons:instrument_follow"}:
                return self.provision.instrument.slug
            if key in {"lessons:provision", "lessons:provision_follow"}:
                return self.provision.instrument.slug if name == "slug" else self.provision.pk
            if name == "pk":
                return self.lesson.pk
            if name == "slug":
                return self.lesson.slug
            if name == "revision":
                return self.revision.pk
            if name == "token":
                return self.feed_token.token
        if key.startswith("members:contact_message") and name == "pk":
            return self.contact_message.pk
        if key.startswith("events:"):
            if name == "pk":
                self.registration  # noqa: B018 - other_member comes to the event
                return self.event.pk
            if name == "slug":
                return self.event.slug
            if name == "registration":
                return self.registration.pk
            if name == "token":
                return self.calendar_token.token
            if name == "year":
                return 2031
            if name == "month":
                return 6
        if key.startswith("library:"):
            if key in {"library:collection_item"} and name == "item":
                return self.collection.items.get().pk
            if key.startswith("library:collection") and name == "slug":
                return self.collection.slug
            if name == "pk":
                return self.resource.pk
            if name == "slug":
                return self.resource.slug
            if name == "file_pk":
                return self.resource_file.pk
            if name == "name":
                return self.resource_file.name
            if name == "event":
                return self.event.pk
            if name == "material":
                return self.material.pk
        if key.startswith(("members:", "notifications:", "follows:")):
            if name == "slug":
                return self.topic.slug
            if name == "token":
                return self.invitation.token
            if name == "pk":
                return self.notification.pk
            if name == "handle":
                if key in {"members:approve", "members:reject"}:
                    return self.users["pending"].handle
                if key in {"members:ban", "members:set_role"}:
                    return self.users["other_member"].handle
                return self.author.handle
            if name == "role":
                return "expert"
        if key.startswith("admin:") or route.startswith("admin/"):
            if name == "object_id" and key == "admin:view_on_site":
                return self.author.pk
            if name == "object_id":
                app_label, model_name = re.search(r"admin/(\w+)/(\w+)/", route).groups()
                return self.admin_object(app_label, model_name)
            if name == "id":
                return self.author.pk
            if name == "content_type_id":
                return ContentType.objects.get_for_model(User).pk
            if name == "app_label":
                return "members"
            if name == "url":
                return "no-such-page/"
        if key.startswith("account_"):
            return {"key": "made-up-key", "uidb36": "1"}[name]
        if name == "status":
            return 404
        raise AssertionError(f"no value for <{name}> in {key} ({route}): add one to World.value")


# POST data that makes a write go through where a form is needed.
POST_DATA: dict[str, dict[str, object]] = {
    "forum:reply": {"body": "A reply from the matrix."},
    "forum:preview": {"body": "Preview *this*."},
    "forum:post_edit": {"body": "Edited in the matrix."},
    "forum:moderate": {"reason": "test"},
    "members:approve": {"reason": "test"},
    "members:reject": {"reason": "test"},
    "members:ban": {"reason": "test"},
    "members:set_role": {"granted": "1"},
    "lessons:act": {"action": "archive"},
    "events:decide": {"answer": "accept"},
    "events:feed_settings": {"reset": "1"},
    "lessons:co_author": {"answer": "decline"},
    "lessons:feed_settings": {"reset": "1"},
    "lessons:instrument_follow": {"follow": "1"},
    "lessons:provision_follow": {"follow": "1"},
    "notifications:announce": {"text": "Hello from the matrix."},
}


def outcome(response: HttpResponse) -> str:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return LOGIN
    if response.status_code == 403 and b"waiting for a moderator" in response.content:
        return WAIT
    return str(response.status_code)


def observe(
    client: Client, world: World, route: Route, method: str, roles: list[str] = ROLES
) -> list[str]:
    """One request per role, each rolled back so that no role sees another's writes."""
    path = route.fill(world.values(route))
    data = POST_DATA.get(route.key, {}) if method == "post" else None
    cookies = {role: world.session_cookie(client, role) for role in roles if role != "anonymous"}
    outcomes = []
    for role in roles:
        # Rate-limit counters and cached sessions must not depend on the roles before.
        cache.clear()
        with transaction.atomic():
            client.cookies.clear()
            if role != "anonymous":
                client.cookies[settings.SESSION_COOKIE_NAME] = cookies[role]
            kwargs = {"data": data} if method == "post" else {}
            outcomes.append(outcome(getattr(client, method)(path, **kwargs)))
            transaction.set_rollback(True)
    return outcomes


ROUTES = {route.key: route for route in all_routes()}


def test_every_url_has_a_row() -> None:
    missing = sorted(set(ROUTES) - set(EXPECTED))
    assert not missing, f"URLs without a row in EXPECTED: {missing}"
    gone = set(EXPECTED) - set(ROUTES) - DEBUG_ONLY
    assert not gone, f"rows for URLs that no longer exist: {sorted(gone)}"


def test_every_row_is_well_formed() -> None:
    for key, methods in EXPECTED.items():
        assert set(methods) == {"GET", "POST"}, key
        for method, outcomes in methods.items():
            assert len(outcomes.split()) == len(ROLES), (key, method)


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_url_answers_every_role_as_expected(
    client: Client, make_user: Callable[..., User], key: str
) -> None:
    route = ROUTES[key]
    world = World(make_user)
    observed = {method.upper(): observe(client, world, route, method) for method in ["get", "post"]}
    expected = {method: outcomes.split() for method, outcomes in EXPECTED.get(key, {}).items()}
    failures = [
        f"{role} {method} {route.fill(world.values(route))}: "
        f"expected {expected[method][i]}, got {observed[method][i]}"
        for method in observed
        if method in expected
        for i, role in enumerate(ROLES)
        if observed[method][i] != expected[method][i]
    ]
    for method in EXTRA_METHODS:
        answers = observe(client, world, route, method, EXTRA_ROLES)
        for role, answer in zip(EXTRA_ROLES, answers, strict=True):
            i = ROLES.index(role)
            allowed = {"405", observed["GET"][i], observed["POST"][i]}
            if answer not in allowed:
                failures.append(f"{role} {method.upper()} {route.route}: {answer}")
    derived = list(DERIVED_ROLES)
    for method in ["get", "post"]:
        answers = observe(client, world, route, method, derived)
        for role, answer in zip(derived, answers, strict=True):
            if key.startswith(DERIVED_EXCEPTIONS.get(role, ())):
                continue
            like = DERIVED_ROLES[role]
            wanted = observed[method.upper()][ROLES.index(like)]
            if answer != wanted:
                failures.append(
                    f"{role} {method.upper()} {route.route}: got {answer}, but {like} gets {wanted}"
                )
    assert key in EXPECTED, f"no row; observed: {observed}"
    assert not failures, "\n".join(failures)


# --- Secrets in addresses ------------------------------------------------------------

# Parameters that carry a secret: whoever holds the address may use it.
SECRET_PARAMETERS = {"token", "key", "uidb36"}
# URL -> where its secret comes from. Ours are checked below; allauth's are
# HMACs over the account with SECRET_KEY (email confirmation, password reset).
SECRET_URLS = {
    "members:join": "members.Invitation.token",
    "lessons:private_feed": "lessons.FeedToken.token",
    "events:private_calendar": "events.CalendarToken.token",
    "account_confirm_email": "allauth",
    "account_reset_password_from_key": "allauth",
}


def test_every_secret_in_an_address_is_known() -> None:
    carrying = {key for key, route in ROUTES.items() if SECRET_PARAMETERS & set(route.parameters)}
    assert carrying == set(SECRET_URLS)


def test_secrets_in_addresses_are_not_guessable(make_user: Callable[..., User]) -> None:
    """256 bits from the system's random source: 43 or more URL-safe base64 characters."""
    members = [make_user() for _ in range(10)]
    tokens = {
        "members.Invitation.token": [create_invitation(inviter=m).token for m in members],
        "lessons.FeedToken.token": [feeds.reset_feed_token(m).token for m in members],
        "events.CalendarToken.token": [
            event_services.replace_calendar_token(member=m).token for m in members
        ],
    }
    assert set(tokens) == {source for source in SECRET_URLS.values() if source != "allauth"}
    for source, values in tokens.items():
        assert len(set(values)) == len(values), source
        for token in values:
            assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token), (source, token)
        # Not a counter or a timestamp: the characters are spread over the alphabet.
        assert len(set("".join(values))) > 50, source


# --- The admin asks for two factors ---------------------------------------------------


def test_the_admin_login_form_cannot_skip_the_second_factor(
    client: Client, make_user: Callable[..., User]
) -> None:
    admin = World._with_totp(make_user(is_superuser=True, is_staff=True))
    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_staff_without_two_factor_do_not_get_into_the_admin(
    client: Client, make_user: Callable[..., User]
) -> None:
    sign_in(client, make_user(is_superuser=True, is_staff=True))
    response = client.get("/admin/members/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
