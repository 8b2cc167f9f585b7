"""The settings of a test run: the portal's own, with passwords hashed in one iteration and
uploads and photos stored in a folder of the run's own.

Tests make a few hundred users, and each full PBKDF2 hash takes about a second on the
project's machines. The hash keeps the real algorithm and names its iteration count, so the
servers and commands the tests start, which run with planportal.settings (see
``server_environment`` in tests/conftest.py), still accept these passwords.
"""

import tempfile
from pathlib import Path

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from planportal.settings import *  # noqa: F403


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1


PASSWORD_HASHERS = ["tests.settings.OneIterationPBKDF2PasswordHasher"]

# Files the tests upload (and the servers and workers they start, see ``server_environment``)
# never land in the media folder `make run` serves; tests/conftest.py removes this one at the end.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="planportal-test-media-"))

# The read replica's alias, as REPLICA_DATABASE_URL adds it, reading the test database through
# a connection of its own (TEST MIRROR). Unused until a test switches the router on
# (tests/planportal/test_read_replica.py): without it every read goes to the primary.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
