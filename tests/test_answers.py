"""Questions: accepted answers, votes on answers, the respond queue, webcare figures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from community.accounts.models import AnonymousViewer, User
from community.answers import queries as answer_queries
from community.answers import services as answer_services
from community.answers.models import AnswerVote
from community.errors import Forbidden, NotFound
from community.extensions import db
from community.spaces.models import Space
from community.topics import services as topic_services
from community.topics.models import Post, Topic, TopicKind
from tests import factories
from tests.conftest import count_queries, csrf_token_from, page_with_csrf_token


def _question(world, *, space="public", author="member", title="How do I pair a bulb?"):
    return factories.make_topic(
        world.spaces[space], author=world.user(author), title=title, kind=TopicKind.QUESTION
    )


def _post_button(client, topic_id, path, data):
    token = csrf_token_from(page_with_csrf_token(client, f"/t/{topic_id}"))
    return client.post(path, data={**data, "csrf_token": token})


# --- asking ---------------------------------------------------------------------------


def test_new_topic_form_creates_a_question_when_the_type_is_question(client_as, world):
    client = client_as("member")
    token = csrf_token_from(page_with_csrf_token(client, "/s/town-square/new"))
    response = client.post(
        "/s/town-square/new",
        data={"kind": "question", "title": "Why is my hub blinking?", "body": "Amber.",
              "csrf_token": token},
    )  # fmt: skip
    topic = db.session.scalar(select(Topic).where(Topic.title == "Why is my hub blinking?"))
    assert response.status_code == 302
    assert topic.kind is TopicKind.QUESTION
    assert "badge-question" in client.get("/s/town-square").text


def test_new_topic_form_refuses_a_kind_that_is_not_offered(client_as, world):
    client = client_as("member")
    token = csrf_token_from(page_with_csrf_token(client, "/s/town-square/new"))
    response = client.post(
        "/s/town-square/new",
        data={"kind": "idea", "title": "Not yet", "body": "Ideas come later.", "csrf_token": token},
    )
    assert response.status_code == 422
    assert db.session.scalar(select(Topic).where(Topic.title == "Not yet")) is None


# --- accepting ------------------------------------------------------------------------


def test_accept_answer_by_the_asker_marks_the_question_solved_everywhere(client_as, world):
    question = _question(world)
    answer = factories.make_reply(question, author=world.user("employee"), body="Hold the button.")
    client = client_as("member")

    response = _post_button(client, question.id, f"/t/{question.id}/accept", {"post_id": answer.id})

    assert response.status_code == 302
    assert question.accepted_post_id == answer.id
    assert question.accepted_at is not None
    assert "badge-solved" in client.get("/s/town-square").text
    assert "badge-solved" in client.get("/").text


def test_accepted_answer_is_shown_right_under_the_question(client_as, world):
    question = _question(world)
    factories.make_reply(question, author=world.user("closed_member"), body="First answer.")
    late = factories.make_reply(question, author=world.user("employee"), body="The right answer.")
    answer_services.accept_answer(world.user("member"), question, late)

    page = client_as("anonymous").get(f"/t/{question.id}?sort=oldest").text

    assert page.index("How do I pair") < page.index("The right answer.")
    assert page.index("The right answer.") < page.index("First answer.")
    assert "accepted answer" in page


def test_accept_answer_can_change_and_clear_the_choice(world):
    question = _question(world)
    first = factories.make_reply(question, author=world.user("employee"))
    second = factories.make_reply(question, author=world.user("closed_member"))
    asker = world.user("member")

    answer_services.accept_answer(asker, question, first)
    answer_services.accept_answer(asker, question, second)
    assert question.accepted_post_id == second.id
    answer_services.clear_accepted_answer(asker, question)
    assert question.accepted_post_id is None
    assert question.is_solved is False


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("member", True),  # the asker
        ("employee", True),  # staff who can read the space
        ("space_moderator", True),
        ("moderator", True),
        ("admin", True),
        ("closed_member", False),  # another member
        ("unconfirmed", False),
    ],
)
def test_accept_answer_is_for_the_asker_staff_and_moderators(world, persona, allowed):
    question = _question(world)
    answer = factories.make_reply(question, author=world.user("closed_member"))
    viewer = world.user(persona)
    if allowed:
        answer_services.accept_answer(viewer, question, answer)
        assert question.accepted_post_id == answer.id
    else:
        with pytest.raises(Forbidden):
            answer_services.accept_answer(viewer, question, answer)
        assert question.accepted_post_id is None


def test_accept_answer_of_another_topic_is_not_found(client_as, world):
    question = _question(world)
    other = _question(world, title="Another question here")
    stranger = factories.make_reply(other, author=world.user("employee"))
    client = client_as("member")

    response = _post_button(
        client, question.id, f"/t/{question.id}/accept", {"post_id": stranger.id}
    )

    assert response.status_code == 404
    assert question.accepted_post_id is None


def test_accept_answer_refuses_the_question_itself_and_discussions(world):
    question = _question(world)
    first_post = db.session.scalar(select(Post).where(Post.topic_id == question.id))
    with pytest.raises(NotFound):
        answer_services.accept_answer(world.user("member"), question, first_post)

    discussion = factories.make_topic(world.spaces["public"], author=world.user("member"))
    reply = factories.make_reply(discussion, author=world.user("employee"))
    with pytest.raises(Forbidden):
        answer_services.accept_answer(world.user("admin"), discussion, reply)


def test_accept_answer_in_a_space_the_viewer_cannot_read_is_not_found(client_as, world):
    question = _question(world, space="closed", author="closed_member")
    answer = factories.make_reply(question, author=world.user("space_moderator"))
    client = client_as("employee")  # an employee, but not in the closed space

    response = client.post(f"/t/{question.id}/accept", data={"post_id": answer.id})

    assert response.status_code in (400, 404)  # no CSRF token to be had: the page is hidden
    assert client.get(f"/t/{question.id}").status_code == 404
    assert question.accepted_post_id is None


# --- votes ----------------------------------------------------------------------------


def test_answer_vote_counts_once_and_can_be_taken_back(world):
    question = _question(world)
    answer = factories.make_reply(question, author=world.user("employee"))
    voter = world.user("closed_member")

    assert answer_services.set_answer_vote(voter, answer, is_voted=True) == 1
    assert answer_services.set_answer_vote(voter, answer, is_voted=True) == 1  # repeated
    assert answer_services.set_answer_vote(world.user("member"), answer, is_voted=True) == 2
    assert answer_services.set_answer_vote(voter, answer, is_voted=False) == 1
    assert answer_services.set_answer_vote(voter, answer, is_voted=False) == 1
    rows = db.session.scalar(
        select(func.count(AnswerVote.id)).where(AnswerVote.post_id == answer.id)
    )
    assert rows == answer.vote_count == 1


def test_answer_vote_refuses_own_answers_the_question_and_discussions(world):
    question = _question(world)
    own = factories.make_reply(question, author=world.user("employee"))
    with pytest.raises(Forbidden):
        answer_services.set_answer_vote(world.user("employee"), own, is_voted=True)
    first_post = db.session.scalar(select(Post).where(Post.topic_id == question.id))
    with pytest.raises(Forbidden):
        answer_services.set_answer_vote(world.user("employee"), first_post, is_voted=True)
    discussion = factories.make_topic(world.spaces["public"], author=world.user("member"))
    reply = factories.make_reply(discussion, author=world.user("employee"))
    with pytest.raises(Forbidden):
        answer_services.set_answer_vote(world.user("member"), reply, is_voted=True)


def test_answer_vote_answers_json_for_scripts_and_redirects_without_them(client_as, world):
    question = _question(world)
    answer = factories.make_reply(question, author=world.user("employee"))
    client = client_as("closed_member")
    token = csrf_token_from(page_with_csrf_token(client, f"/t/{question.id}"))

    as_json = client.post(
        f"/p/{answer.id}/vote",
        data={"value": "on", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    as_form = client.post(f"/p/{answer.id}/vote", data={"value": "off", "csrf_token": token})

    assert as_json.get_json() == {"voted": True, "count": 1}
    assert as_form.status_code == 302
    assert answer.vote_count == 0


def test_answers_are_ordered_accepted_first_then_by_votes_or_time(world):
    question = _question(world)
    early = factories.make_reply(question, author=world.user("employee"), body="early")
    popular = factories.make_reply(question, author=world.user("employee"), body="popular")
    accepted = factories.make_reply(question, author=world.user("admin"), body="accepted")
    for voter in ("member", "closed_member"):
        answer_services.set_answer_vote(world.user(voter), popular, is_voted=True)
    answer_services.accept_answer(world.user("member"), question, accepted)
    viewer = AnonymousViewer()

    by_votes, _ = answer_queries.list_answers(viewer, question, sort="votes", page=1, per_page=10)
    by_time, _ = answer_queries.list_answers(viewer, question, sort="oldest", page=1, per_page=10)

    assert [p.id for p in by_votes] == [accepted.id, popular.id, early.id]
    assert [p.id for p in by_time] == [accepted.id, early.id, popular.id]


def test_answer_votes_stay_exact_under_concurrent_requests(app, database_url):
    """Many members vote and take votes back at once; rows and counter agree.

    Runs with real commits (no rolled-back transaction), each thread in its own
    app context and session, and cleans up after itself.
    """
    voters_count = 12
    with app.app_context():
        asker = factories.make_user(username="concurrentasker")
        author = factories.make_user(username="concurrentauthor")
        voters = [factories.make_user(username=f"concurrent{n}") for n in range(voters_count)]
        space = factories.make_space(slug="concurrency")
        question = factories.make_topic(space, author=asker, kind=TopicKind.QUESTION)
        answer = factories.make_reply(question, author=author)
        answer_id, voter_ids = answer.id, [voter.id for voter in voters]
        user_ids = [asker.id, author.id, *voter_ids]
    errors: list[BaseException] = []
    barrier = threading.Barrier(voters_count)

    def vote_many_times(voter_id: int, rounds: int) -> None:
        try:
            # Each thread is a POST request, as in production (SQLite then takes its
            # write lock when the transaction begins; see community.database).
            with app.test_request_context(method="POST"):
                barrier.wait()
                for round_number in range(rounds):
                    voter = db.session.get(User, voter_id)
                    post = db.session.get(Post, answer_id)
                    answer_services.set_answer_vote(voter, post, is_voted=round_number % 2 == 0)
                    answer_services.set_answer_vote(voter, post, is_voted=True)
                db.session.remove()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=vote_many_times, args=(v, 5)) for v in voter_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        with app.app_context():
            rows = db.session.scalar(
                select(func.count(AnswerVote.id)).where(AnswerVote.post_id == answer_id)
            )
            counter = db.session.get(Post, answer_id).vote_count
        assert errors == []
        assert rows == counter == voters_count
    finally:
        with app.app_context():
            db.session.execute(delete(Space).where(Space.slug == "concurrency"))
            db.session.execute(delete(User).where(User.id.in_(user_ids)))
            db.session.commit()


# --- staff replies and the respond queue -----------------------------------------------


def test_first_staff_reply_is_recorded_once_and_only_for_employees(world):
    question = _question(world)
    factories.make_reply(question, author=world.user("closed_member"))
    assert question.first_staff_reply_at is None
    factories.make_reply(question, author=world.user("employee"))
    first = question.first_staff_reply_at
    factories.make_reply(question, author=world.user("admin"))  # not an employee here
    factories.make_reply(question, author=world.user("employee"))
    assert first is not None
    assert question.first_staff_reply_at == first


def test_employee_replying_to_their_own_question_is_not_a_staff_answer(world):
    question = _question(world, author="employee")
    factories.make_reply(question, author=world.user("employee"))
    assert question.first_staff_reply_at is None


def test_staff_replies_carry_a_visible_staff_mark(client_as, world):
    question = _question(world)
    factories.make_reply(question, author=world.user("employee"), body="From the team.")
    page = client_as("anonymous").get(f"/t/{question.id}").text
    assert 'class="badge badge-staff"' in page


def test_respond_queue_lists_open_questions_the_viewer_can_read_oldest_first(client_as, world):
    older = _question(world, title="Older unanswered question")
    newer = _question(world, title="Newer unanswered question")
    older.created_at = datetime.now(UTC) - timedelta(days=2)
    staffed = _question(world, title="Answered by staff already")
    factories.make_reply(staffed, author=world.user("employee"))
    solved = _question(world, title="Solved by the community")
    community_answer = factories.make_reply(solved, author=world.user("closed_member"))
    answer_services.accept_answer(world.user("member"), solved, community_answer)
    _question(world, space="closed", author="closed_member", title="Closed space question")
    _question(world, space="employee", author="admin", title="Employee space question")
    discussion = factories.make_topic(world.spaces["public"], author=world.user("member"))
    db.session.commit()

    page = client_as("employee").get("/respond").text

    assert page.index("Older unanswered question") < page.index("Newer unanswered question")
    assert "Employee space question" in page
    assert "Closed space question" not in page  # the employee is not a member there
    assert "Answered by staff already" not in page
    assert "Solved by the community" not in page
    assert discussion.title not in page
    assert newer.title in page


@pytest.mark.parametrize("persona", ["anonymous", "unconfirmed", "member", "closed_member"])
def test_respond_queue_is_hidden_from_members(client_as, persona):
    response = client_as(persona).get("/respond")
    assert response.status_code == (302 if persona == "anonymous" else 404)


# --- figures ----------------------------------------------------------------------------


def test_question_figures_match_a_hand_computed_fixture(world):
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    waits = [timedelta(hours=1), timedelta(hours=30), None, timedelta(hours=10)]
    questions = []
    for index, wait in enumerate(waits):
        question = _question(world, title=f"Figure question {index}")
        question.created_at = monday + timedelta(days=3 * index)
        question.first_staff_reply_at = question.created_at + wait if wait else None
        questions.append(question)
    answer = factories.make_reply(questions[0], author=world.user("employee"))
    answer_services.accept_answer(world.user("member"), questions[0], answer)
    hidden = _question(world, space="employee", author="admin", title="Not for members")
    hidden.created_at = monday
    db.session.commit()

    figures = answer_queries.question_figures(
        world.user("member"), since=monday, until=monday + timedelta(days=30)
    )

    # Staff waits in hours: 1, 10, 30 (one question unanswered, one hidden from members).
    assert figures.asked == 4
    assert figures.answered_by_staff == 3
    assert figures.median_first_staff_reply == timedelta(hours=10)
    assert figures.p90_first_staff_reply == timedelta(hours=26)  # 10 + 0.8 * (30 - 10)
    assert figures.share_answered_within_24h == pytest.approx(2 / 4)
    assert figures.share_solved == pytest.approx(1 / 4)
    assert figures.per_week == {
        monday.date(): 3,  # days 0, 3 and 6 of the week of 2 November
        (monday + timedelta(days=7)).date(): 1,
    }


def test_question_figures_for_staff_include_the_spaces_they_read(world):
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    hidden = _question(world, space="employee", author="admin", title="Staff only question")
    hidden.created_at = monday
    db.session.commit()
    for persona, expected in (("member", 0), ("employee", 1)):
        figures = answer_queries.question_figures(
            world.user(persona), since=monday, until=monday + timedelta(days=1)
        )
        assert figures.asked == expected


def test_reply_service_keeps_counts_when_a_staff_reply_lands(world):
    question = _question(world)
    topic_services.reply_to_topic(world.user("employee"), question, body="On it.")
    assert question.post_count == 2
    assert question.first_staff_reply_at is not None


def test_respond_queue_query_count_is_the_same_for_5_and_40_questions(client_as, database, world):
    client = client_as("employee")
    made = 0

    def measure(total: int) -> list[str]:
        nonlocal made
        for number in range(made, total):
            asker = factories.make_user(username=f"asker{number}")
            factories.make_topic(
                world.spaces["public"], author=asker, kind=TopicKind.QUESTION,
                title=f"Waiting question {number}",
            )  # fmt: skip
        made = total
        client.get("/respond")  # warm: the session's own first queries are not the page's
        with count_queries(database) as statements:
            page = client.get("/respond").text
        assert page.count("Waiting question") == total
        return statements

    few, many = measure(5), measure(40)
    assert len(few) == len(many), "\n---\n".join(many)
    # The member, their memberships, the queue (space and asker joined in), the header's
    # unread notifications.
    assert len(many) <= RESPOND_QUEUE_MAX_QUERIES, "\n---\n".join(many)


RESPOND_QUEUE_MAX_QUERIES = 5


def test_new_question_suggests_answered_questions_the_asker_may_read(client_as, world):
    admin = world.user("admin")
    solved = _question(world, title="Hub firmware update fails halfway")
    answer = factories.make_reply(solved, author=world.user("employee"), body="Retry on wifi.")
    answer_services.accept_answer(world.user("member"), solved, answer)
    _question(world, title="Hub firmware update is slow")  # unanswered: not suggested
    hidden = factories.make_topic(
        world.spaces["closed"], author=admin, title="Hub firmware update secret",
        kind=TopicKind.QUESTION,
    )  # fmt: skip
    hidden_answer = factories.make_reply(hidden, author=world.user("closed_member"))
    answer_services.accept_answer(admin, hidden, hidden_answer)

    page = (
        client_as("member").get("/s/town-square/new?kind=question&title=firmware+update+fails").text
    )

    assert "Answered questions like yours" in page
    assert "Hub firmware update fails halfway" in page
    assert "Hub firmware update is slow" not in page
    assert "Hub firmware update secret" not in page


def test_new_discussion_suggests_nothing(client_as, world):
    page = client_as("member").get("/s/town-square/new?kind=discussion&title=firmware").text
    assert "Answered questions like yours" not in page
    assert "No answered question like this one yet." not in page
