"""Django's makemessages, also extracting the texts the vocabulary data marks.

``common.catalogue.pgettext_noop`` marks topic names and descriptions and the
standards' titles in the data files (members/vocabulary.py, lessons/standards.py);
xgettext is told it is a keyword with a context, as ``pgettext`` is. (Django's
documented way to change xgettext's options: a command of the same name.)
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=pgettext_noop:1c,2"]
