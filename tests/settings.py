"""The settings of a test run: the portal's own, with passwords hashed in one iteration.

Tests make a few hundred users, and each full PBKDF2 hash takes about a second on the
project's machines. The hash keeps the real algorithm and names its iteration count, so the
servers and commands the tests start, which run with planportal.settings (see
``server_environment`` in tests/conftest.py), still accept these passwords.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from planportal.settings import *  # noqa: F403


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1


PASSWORD_HASHERS = ["tests.settings.OneIterationPBKDF2PasswordHasher"]
