"""Settings of server processes that tests start on the test database.

The test process stores passwords with the fast MD5 hasher (tests/conftest.py);
the server must be able to check them. Nothing else differs from
network.settings.
"""

from network.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
