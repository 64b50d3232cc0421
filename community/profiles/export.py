"""The member's archive (GDPR art. 15 and 20): one registry, one ZIP of JSON files.

``SECTIONS`` says, for every column that points at ``users``, how the rows it marks
as the member's are exported (a ``Section``: one JSON file, its fields described for
the README and the JSON Schema) or why they are not (``NotExported``).
``tests/test_export.py`` walks the schema and fails for a reference to ``users``
that no entry covers, so a new table cannot slip out of the export unnoticed.

What others may not see stays out (art. 15(4)): a topic the member can no longer
read is named by its number only, without its title or space, though the member's
own text in it is included; other members appear only as "staff" or not at all.
The rows come from ``community.profiles.export_rows``.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from community.accounts.models import SIGN_IN_HISTORY_DAYS, User
from community.database import utcnow
from community.extensions import db
from community.profiles import export_rows
from community.profiles.models import ProfileAvatar


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a JSON Schema type; "string|null" for one that may be empty
    description: str


@dataclass(frozen=True)
class Section:
    """One file of the archive and the references to ``users`` it exports."""

    filename: str
    description: str
    references: tuple[str, ...]  # "table.column"
    fields: tuple[Field, ...]
    rows: Callable[[User], Iterable[export_rows.Row]]


@dataclass(frozen=True)
class NotExported:
    references: tuple[str, ...]
    reason: str


# --- the registry -----------------------------------------------------------------

_TOPIC = Field("topic_id", "integer", "The topic's number: /t/<topic_id> on this site.")
_TITLE = Field("title", "string|null", "The topic's title; empty where you can no longer read it.")
_CREATED = Field("created_at", "string", "When (ISO 8601, UTC).")


def _f(name: str, type_: str, description: str) -> Field:
    return Field(name, type_, description)


SECTIONS: tuple[Section | NotExported, ...] = (
    Section("account.json", "Your account.", (), (
        _f("id", "integer", "Your member number."),
        _f("username", "string", "Your username."),
        _f("display_name", "string", "The name shown beside your posts."),
        _f("email", "string", "Your e-mail address."),
        _f("email_confirmed_at", "string|null", "When you confirmed it."),
        _f("role", "string", "member, moderator or admin."),
        _f("is_employee", "boolean", "Whether you are a verified employee."),
        _f("trust_level", "integer", "Your trust level (0 new to 4 leader)."),
        _f("created_at", "string", "When you joined."),
        _f("last_seen_at", "string|null", "When you were last active."),
    ), export_rows.account),
    Section("profile.json", "Your profile: every field, its value and who may see it.", (
        "profiles.user_id", "profile_avatars.user_id", "profile_field_values.user_id",
    ), (
        _f("field", "string", "The field's name."),
        _f("label", "string", "The field as the profile page names it."),
        _f("value", "string", "What you entered (the avatar: its file in this archive)."),
        _f("visibility", "string", "everyone, members, staff or only_me."),
    ), export_rows.profile),
    Section("topics.json", "Topics you started (discussions, questions and ideas).", (
        "topics.author_id",
    ), (
        _f("id", "integer", "The topic's number."),
        _f("kind", "string", "discussion, question or idea."),
        _TITLE,
        _f("space", "string|null", "Its space; empty where you can no longer read it."),
        _f("url", "string|null", "Its address."),
        _CREATED,
        _f("is_deleted", "boolean", "Whether it was deleted."),
    ), export_rows.topics),
    Section("posts.json", "Everything you posted, as Markdown, with earlier versions.", (
        "posts.author_id",
    ), (
        _f("id", "integer", "The post's number."),
        _TOPIC,
        _f("topic_title", "string|null", "The topic's title; empty if you can no longer read it."),
        _f("post_number", "integer", "Its place in the topic (1: you started it)."),
        _f("body_markdown", "string", "What you wrote."),
        _CREATED,
        _f("edited_at", "string|null", "When it was last edited."),
        _f("deleted_at", "string|null", "When it was deleted."),
        _f("is_wiki", "boolean", "Whether the space's members may edit it."),
        _f("review_state", "string", "published, pending (waiting for approval), hidden "
           "(by members' flags, until a moderator decides) or rejected."),
        _f("rejection_reason", "string", "Why a moderator rejected it, if they did."),
        _f("revisions", "array", "Earlier versions: revision_number, title, body_markdown, "
           "created_at, edited_by_me."),
    ), export_rows.posts),
    Section("ideas.json", "Ideas you posted and where they stand.", (), (
        _TOPIC, _TITLE,
        _f("status", "string", "The idea's status."),
        _f("vote_count", "integer", "Votes it has."),
        _CREATED,
    ), export_rows.ideas),
    Section("idea_votes.json", "Ideas you voted for.", ("idea_votes.user_id",), (
        _TOPIC, _TITLE, _CREATED,
    ), export_rows.idea_votes),
    Section("answer_votes.json", "Answers you found helpful.", ("answer_votes.user_id",), (
        _f("post_id", "integer", "The answer."), _TOPIC, _TITLE, _CREATED,
    ), export_rows.answer_votes),
    Section("accepted_answers.json", "Your answers that were accepted.", (), (
        _f("post_id", "integer", "Your answer."), _TOPIC, _TITLE,
        _f("accepted_at", "string|null", "When it was accepted."),
    ), export_rows.accepted_answers),
    Section("memberships.json", "Spaces you belong to.", ("memberships.user_id",), (
        _f("space_id", "integer", "The space's number."),
        _f("space", "string|null", "Its name; empty where you can no longer read it."),
        _f("role", "string", "member or moderator."),
        _f("created_at", "string", "Since when."),
    ), export_rows.memberships),
    Section("join_requests.json", "Your requests to join closed spaces.", (
        "join_requests.user_id",
    ), (
        _f("id", "integer", "The request's number."),
        _f("space", "string|null", "The space; empty where it is no longer listed for you."),
        _f("message", "string", "What you wrote."),
        _f("status", "string", "pending, approved or declined."),
        _CREATED,
        _f("decided_at", "string|null", "When staff decided."),
        _f("note_from_staff", "string", "The note staff sent you with their answer."),
    ), export_rows.join_requests),
    Section("invites_sent.json", "Invites you made.", ("invites.created_by_id",), (
        _f("id", "integer", "The invite's number."),
        _f("spaces", "array", "The spaces it opens that you can still read."),
        _f("grants_employee", "boolean", "Whether it makes its user an employee."),
        _f("was_mailed", "boolean", "Whether it went by e-mail (the address is not kept here)."),
        _f("max_uses", "integer", "How many times it works."),
        _f("use_count", "integer", "How many times it was used."),
        _CREATED,
        _f("expires_at", "string", "When it stops working."),
        _f("revoked_at", "string|null", "When you withdrew it."),
        _f("used_at", "array", "When each use happened."),
    ), export_rows.invites_sent),
    Section("invites_used.json", "Invites you joined through.", ("invite_uses.user_id",), (
        _f("invite_id", "integer", "The invite's number."),
        _f("spaces", "array", "The spaces it opened that you can still read."),
        _f("used_at", "string", "When you used it."),
    ), export_rows.invites_used),
    Section("groups.json", "Groups you belong to.", ("group_members.user_id",), (
        _f("group", "string|null", "The group's name."),
        _f("is_owner", "boolean", "Whether you own it."),
        _f("created_at", "string", "Since when."),
    ), export_rows.groups),
    Section("group_requests.json", "Your requests to join groups.", (
        "group_requests.user_id",
    ), (
        _f("id", "integer", "The request's number."),
        _f("group", "string|null", "The group; empty where you can no longer see it."),
        _f("message", "string", "What you wrote."),
        _f("status", "string", "pending, approved or declined."),
        _CREATED,
        _f("decided_at", "string|null", "When its owners decided."),
        _f("note_from_staff", "string", "The note they sent you with their answer."),
    ), export_rows.group_requests),
    Section("onboarding.json", "Your first steps here.", ("member_onboarding.user_id",), (
        _f("first_signed_in_at", "string|null", "When you first signed in."),
        _f("guidelines_read_at", "string|null", "When you read the guidelines."),
        _f("welcomed_at", "string|null", "When a moderator welcomed you."),
    ), export_rows.onboarding),
    Section("notifications.json", "Notifications you were sent.", ("notifications.user_id",), (
        _f("id", "integer", "The notification's number."),
        _f("kind", "string", "What happened."),
        # A message from the moderators is about no topic.
        _f("topic_id", "integer|null", "The topic's number (/t/<topic_id>), if about one."),
        _TITLE,
        _f("detail", "string", "A short value such as an idea's new status, or a "
           "moderator's message."),
        _CREATED,
        _f("read_at", "string|null", "When you read it."),
    ), export_rows.notifications),
    Section("watches.json", "Topics you watch, track or muted.", ("topic_watches.user_id",), (
        _TOPIC, _TITLE,
        _f("level", "string", "watching, tracking, normal or muted."),
        _CREATED,
    ), export_rows.watches),
    Section("space_watches.json", "Spaces you watch, track or muted.", ("space_watches.user_id",), (
        _f("space_id", "integer", "The space's number."),
        _f("space", "string|null", "Its name; empty where you can no longer read it."),
        _f("level", "string", "watching, tracking, normal or muted."),
        _CREATED,
    ), export_rows.space_watches),
    Section("reading.json", "How far you have read in topics you track.", (
        "topic_reads.user_id",
    ), (
        _TOPIC, _TITLE,
        _f("last_read_post_number", "integer", "The last post you had seen."),
        _f("updated_at", "string", "When (ISO 8601, UTC)."),
    ), export_rows.topic_reads),
    Section("email_preferences.json", "How often each kind of news reaches you by e-mail.", (
        "email_preferences.user_id",
    ), (
        _f("kind", "string", "The kind of notification."),
        _f("frequency", "string", "immediately, daily, weekly or never."),
        _f("updated_at", "string", "When you chose it."),
    ), export_rows.email_preferences),
    Section("mail.json", "E-mail we sent or are about to send you.", ("mail_outbox.user_id",), (
        _f("purpose", "string", "account, notification or digest."),
        _f("subject", "string|null", "Its subject, for messages written when queued."),
        _f("status", "string", "queued, sending, sent, skipped or failed."),
        _CREATED,
        _f("sent_at", "string|null", "When it left."),
    ), export_rows.mail),
    Section("weekly_summary.json", "Your subscription to the staff's weekly summary.", (
        "summary_subscriptions.user_id",
    ), (
        _CREATED,
        _f("last_sent_week", "string|null", "The Monday of the last week sent to you."),
    ), export_rows.summary_subscriptions),
    Section("sign_ins.json",
            f"Your sign-ins of the last {SIGN_IN_HISTORY_DAYS} days.", ("sign_ins.user_id",), (
        _f("created_at", "string", "When."),
        _f("ip_address", "string", "The address you connected from."),
        _f("user_agent", "string", "Your browser, as it named itself."),
    ), export_rows.sign_ins),
    Section("idea_responses.json", "Status changes and official responses you gave ideas.", (
        "idea_status_changes.actor_id",
    ), (
        _TOPIC, _TITLE,
        _f("old_status", "string", "Before."),
        _f("new_status", "string", "After."),
        _f("response_markdown", "string", "Your response."),
        _CREATED,
    ), export_rows.idea_responses),
    Section("idea_notes.json", "Internal notes you wrote on ideas.", ("idea_notes.author_id",), (
        _TOPIC, _TITLE, _f("body_markdown", "string", "Your note."), _CREATED,
    ), export_rows.idea_notes),
    Section("edits_of_others.json", "Edits you made to others' posts (wiki or moderation).", (
        "post_revisions.editor_id",
    ), (
        _f("post_id", "integer", "The post."),
        _f("revision_number", "integer", "The version your edit replaced."),
        _CREATED,
    ), export_rows.edits_of_others),
    Section("tags_created.json", "Tags you created.", ("tags.created_by_id",), (
        _f("name", "string", "The tag."), _CREATED,
    ), export_rows.tags_created),
    Section("moderation_actions.json", "What you did as a moderator or admin.", (
        "audit_entries.actor_id", "posts.deleted_by_id", "join_requests.decided_by_id",
        "group_requests.decided_by_id", "member_onboarding.welcomed_by_id",
        "onboarding_settings.updated_by_id", "post_flags.resolved_by_id",
        "signup_approvals.decided_by_id", "sanctions.created_by_id", "sanctions.lifted_by_id",
    ), (
        _f("action", "string", "What was done (domain:verb)."),
        _f("target_type", "string|null", "The kind of thing acted on."),
        _f("target_id", "integer|null", "Its number."),
        _CREATED,
    ), export_rows.moderation_actions),
    Section("moderation_about_me.json", "Moderation actions about your account.", (), (
        _f("action", "string", "What was done."),
        _f("reason", "string", "The reason staff gave."),
        _f("detail", "string", "A short value such as a new role."),
        _CREATED,
        _f("by", "string", "Always \"staff\": who acted is theirs to keep."),
    ), export_rows.moderation_about_me),
    Section("signup.json", "The approval your sign-up waited for, if the site asked for one.", (
        "signup_approvals.user_id",
    ), (
        _f("status", "string", "pending, approved or rejected."),
        _CREATED,
        _f("decided_at", "string|null", "When a moderator decided."),
        _f("reason", "string", "The reason they gave for a rejection."),
    ), export_rows.signup_approval),
    Section("flags.json", "Posts you flagged for the moderators, and what they decided.", (
        "post_flags.flagger_id",
    ), (
        _f("post_id", "integer", "The post you flagged."),
        _TOPIC, _TITLE,
        _f("reason", "string", "spam, inappropriate, off_topic or something_else."),
        _f("note", "string", "Your note to the moderators."),
        _CREATED,
        _f("resolved_at", "string|null", "When a moderator decided."),
        _f("outcome", "string|null", "agreed, disagreed or deferred."),
    ), export_rows.flags),
    Section("sanctions.json", "Warnings, silences and suspensions moderators gave you.", (
        "sanctions.user_id",
    ), (
        _f("kind", "string", "warning, silence or suspension."),
        _f("reason", "string", "The warning, or the reason you were given."),
        _CREATED,
        _f("ends_at", "string|null", "When it ends (the year 9999: until lifted)."),
        _f("lifted_at", "string|null", "When a moderator lifted it early."),
    ), export_rows.sanctions),
    Section("visits.json", "The days (UTC) you read or posted here: trust levels count them.", (
        "member_visits.user_id",
    ), (
        _f("day", "string", "The day (ISO 8601 date)."),
    ), export_rows.visits),
    Section("reading_time.json", "Your reading time and trust level bookkeeping.", (
        "member_stats.user_id",
    ), (
        _f("reading_seconds", "integer", "Seconds you spent reading topics, all told."),
        _f("last_read_report_at", "string|null", "When your reading was last counted."),
        _f("regular_since", "string|null", "When you last reached trust level 3."),
        _f("is_level_set_by_hand", "boolean", "Whether an admin set your level by hand."),
    ), export_rows.reading_stats),
    Section("exports.json", "Archives like this one you asked for.", ("data_exports.user_id",), (
        _CREATED,
        _f("expires_at", "string", "When its link stops working."),
        _f("size_bytes", "integer", "Its size."),
    ), export_rows.exports),
    NotExported(("topics.last_poster_id",),
                "Who posted last in a topic: your posts are in posts.json."),
    NotExported(("digest_marks.user_id",),
                "Which notifications your last digest covered: they are in notifications.json."),
    NotExported(("notifications.actor_id",),
                "Notifications other members were sent about what you did are theirs."),
)  # fmt: skip


def exported_references() -> set[str]:
    return {reference for entry in SECTIONS for reference in entry.references}


def _schema_type(type_: str) -> Any:
    types = type_.split("|")
    return types[0] if len(types) == 1 else types


def json_schema(section: Section) -> dict[str, Any]:
    """The JSON Schema of one file: an array of objects with exactly these fields."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": section.filename,
        "description": section.description,
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                field.name: {"type": _schema_type(field.type), "description": field.description}
                for field in section.fields
            },
            "required": [field.name for field in section.fields],
            "additionalProperties": False,
        },
    }


def build_archive(member: User) -> bytes:
    """The ZIP: one JSON file per section, the avatar, the schema and a README."""
    sections = [entry for entry in SECTIONS if isinstance(entry, Section)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in sections:
            rows = list(section.rows(member))
            archive.writestr(section.filename, json.dumps(rows, ensure_ascii=False, indent=1))
        archive.writestr(
            "schema.json",
            json.dumps({s.filename: json_schema(s) for s in sections}, indent=1),
        )
        avatar = db.session.get(ProfileAvatar, member.id)
        if avatar is not None and avatar.content_type in export_rows.AVATAR_NAMES:
            archive.writestr(export_rows.AVATAR_NAMES[avatar.content_type], avatar.image)
        # A text file, not a page: rendered without HTML escaping (the README holds
        # the member's own name and username, and static text).
        plain_text = current_app.jinja_env.overlay(autoescape=False)
        archive.writestr(
            "README.txt",
            plain_text.get_template("profiles/export_readme.txt").render(
                member=member,
                now=utcnow(),
                sections=sections,
                sign_in_days=SIGN_IN_HISTORY_DAYS,
                contact=current_app.config["PRIVACY_CONTACT"],
                export_hours=current_app.config["EXPORT_LINK_HOURS"],
            ),
        )
    return buffer.getvalue()
