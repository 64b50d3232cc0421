"""Markup rules every page keeps, checked on the pages that hold the most forms."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from community.spaces.models import IdeaBoard
from community.topics.models import TopicKind
from tests import factories

_ID = re.compile(r'\sid="([^"]*)"')


def _duplicate_ids(html: str) -> list[str]:
    return [value for value, count in Counter(_ID.findall(html)).items() if count > 1]


@pytest.fixture
def busy_pages(world) -> list[str]:
    """An idea seen by staff (vote, status, merge, notes and reply forms), a question
    with several answers to vote on and accept, and a space's admin page."""
    space = world.spaces["public"]
    space.idea_board = IdeaBoard.ALONGSIDE
    admin, member = world.user("admin"), world.user("member")
    idea = factories.make_topic(space, author=member, kind=TopicKind.IDEA)
    question = factories.make_topic(space, author=member, kind=TopicKind.QUESTION)
    for _ in range(3):
        factories.make_reply(question, author=admin)
        factories.make_reply(idea, author=admin)
    return [f"/t/{idea.id}", f"/t/{question.id}", f"/admin/spaces/{space.slug}/edit", "/"]


def test_pages_with_many_forms_have_no_duplicate_ids(client_as, busy_pages):
    client = client_as("admin")
    for path in busy_pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.text.count("<form") >= 2, path  # the check means something here
        assert _duplicate_ids(page.text) == [], path
