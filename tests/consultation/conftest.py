"""The consultation tests' data: a consultation open on a small plan of the tests' own, far
from the demo plan (so no demo layer touches what a test draws), and a comment on it.

A test module that needs something else overrides one link of the chain: `plan` (with its
layers in test_submit_touches.py, the demo plan where the officials' tests count by its
chapters and villages), or `consultation`.
"""

import pytest

from tests.factories import make_comment, make_consultation, make_plan


@pytest.fixture
def plan(db):
    """测试镇's plan (tests/factories.make_plan): chapter 3 with sections 3.1 and 3.2."""
    return make_plan()


@pytest.fixture
def consultation(plan):
    """Open since yesterday, for 30 days."""
    return make_consultation(plan)


@pytest.fixture
def comment(consultation):
    """A received comment with contact details (made with the ORM)."""
    return make_comment(consultation)
