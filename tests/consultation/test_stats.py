"""Statistics for officials: opinions by chapter, village, stance and result, and the
villages no opinion has come from yet."""

import pytest
from django.urls import reverse

from consultation import moderation
from consultation.models import Result, Stance
from consultation.stats import consultation_stats
from tests.consultation.staff_helpers import ensure_villages
from tests.factories import make_comment, make_layer, make_planner

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(demo_plan):
    """The demo plan: the statistics count by its chapters and villages."""
    return demo_plan


@pytest.fixture
def scene(consultation, official, demo_plan):
    villages = ensure_villages(demo_plan)
    chapter3, chapter7 = demo_plan.chapters.get(number=3), demo_plan.chapters.get(number=7)
    layer = make_layer(
        demo_plan, "test-officials-stats-layer", geometry_type="Point", shapes=[], chapter=chapter7
    )
    a = make_comment(consultation, section=chapter3.sections.first(), villages=[villages[0]])
    b = make_comment(
        consultation, layer=layer, stance=Stance.OPPOSE, villages=[villages[0], villages[1]]
    )
    make_comment(consultation, stance=Stance.SUPPORT)  # the plan as a whole, no village
    spam = make_comment(consultation, villages=[villages[2]])
    moderation.answer(official, a, Result.ADOPTED, "采纳")
    moderation.answer(official, b, Result.NOT_ADOPTED, "不采纳")
    moderation.hide(official, spam, "广告")
    return {"villages": villages, "chapter3": chapter3, "chapter7": chapter7}


def test_counts_leave_hidden_comments_out(consultation, scene):
    stats = consultation_stats(consultation)
    assert (stats.total, stats.hidden) == (3, 1)
    # one of each of the scene's three opinions; no question (咨询) among them
    assert dict(stats.by_stance) == {
        str(Stance.SUPPORT.label): 1,
        str(Stance.OPPOSE.label): 1,
        str(Stance.SUGGEST.label): 1,
        str(Stance.QUESTION.label): 0,
    }
    assert [count for _label, count in stats.by_result] == [1, 0, 1, 0, 1]  # … explained, none


def test_chapters_count_sections_and_layers_and_the_plan_as_a_whole(consultation, scene):
    by_chapter = dict(consultation_stats(consultation).by_chapter)
    assert by_chapter[str(scene["chapter3"])] == 1
    assert by_chapter[str(scene["chapter7"])] == 1
    assert list(by_chapter.values())[-1] == 1  # the plan as a whole
    assert sum(by_chapter.values()) == 3


def test_villages_with_and_without_opinions(consultation, scene):
    villages = scene["villages"]
    stats = consultation_stats(consultation)
    counts = dict(stats.by_village)
    assert (counts[villages[0]], counts[villages[1]], counts[villages[2]]) == (2, 1, 0)
    assert villages[0] not in stats.villages_without
    # The hidden comment's village still has no opinion.
    assert villages[2] in stats.villages_without
    assert set(stats.villages_without) == set(villages) - {villages[0], villages[1]}


def test_the_statistics_page_shows_the_villages_without_opinions(
    official_client, consultation, scene
):
    response = official_client.get(reverse("staff-stats", args=[consultation.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="no-comment"' in text
    section = text.split('id="no-comment"', 1)[1]
    assert scene["villages"][2] in section and scene["villages"][0] not in section


def test_the_statistics_are_for_officials_only(client, consultation):
    url = reverse("staff-stats", args=[consultation.pk])
    assert client.get(url).status_code == 302
    client.force_login(make_planner())
    assert client.get(url).status_code == 403
