"""full-text search over posts and topic titles

Revision ID: 5e4c0fa1b2c3
Revises: f214ef83e1eb
Create Date: 2026-11-23 00:00:00.000000

Written by hand: autogenerate does not see FTS5 tables, triggers or GIN indexes.

One search document per post: the post's Markdown source, plus its topic's title
for the topic's first post (a title search then finds the topic once, not once per
reply). Triggers keep the documents in step with posts and titles, so every write
path (services, admin scripts, other migrations) updates the index. Permissions are
not in the index: the search query joins posts -> topics -> spaces and applies the
viewer's clause, so moves and visibility changes need no reindexing.

- SQLite: an FTS5 table ``post_search(title, body)`` whose rowid is the post id,
  with the Porter stemmer (the nearest match to PostgreSQL's 'english').
- PostgreSQL: a table ``post_search(post_id, document tsvector)`` with a GIN index.
  A generated column or expression index cannot read the topic's title from
  another table, and matching title and body separately would miss a question
  whose words are split between them.

A later batch migration that recreates ``posts`` or ``topics`` on SQLite drops their
triggers with the old table: recreate them (``tests/test_search.py`` checks they
exist at head).
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5e4c0fa1b2c3"
down_revision = "f214ef83e1eb"
branch_labels = None
depends_on = None


SQLITE_UPGRADE = [
    # The Porter stemmer finds "pairing" for "paired"; remove_diacritics 2 finds
    # "café" for "cafe".
    """
    CREATE VIRTUAL TABLE post_search USING fts5(
        title, body, tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER post_search_post_insert AFTER INSERT ON posts BEGIN
        INSERT INTO post_search (rowid, title, body)
        VALUES (
            new.id,
            CASE WHEN new.post_number = 1
                THEN (SELECT title FROM topics WHERE topics.id = new.topic_id)
                ELSE '' END,
            new.body_source
        );
    END
    """,
    """
    CREATE TRIGGER post_search_post_update AFTER UPDATE OF body_source ON posts BEGIN
        UPDATE post_search SET body = new.body_source WHERE rowid = new.id;
    END
    """,
    """
    CREATE TRIGGER post_search_post_delete AFTER DELETE ON posts BEGIN
        DELETE FROM post_search WHERE rowid = old.id;
    END
    """,
    """
    CREATE TRIGGER post_search_topic_title AFTER UPDATE OF title ON topics BEGIN
        UPDATE post_search SET title = new.title
        WHERE rowid IN (SELECT id FROM posts WHERE topic_id = new.id AND post_number = 1);
    END
    """,
    # Backfill the posts written before this migration.
    """
    INSERT INTO post_search (rowid, title, body)
    SELECT posts.id,
           CASE WHEN posts.post_number = 1 THEN topics.title ELSE '' END,
           posts.body_source
    FROM posts JOIN topics ON topics.id = posts.topic_id
    """,
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER post_search_topic_title",
    "DROP TRIGGER post_search_post_delete",
    "DROP TRIGGER post_search_post_update",
    "DROP TRIGGER post_search_post_insert",
    "DROP TABLE post_search",
]

POSTGRESQL_UPGRADE = [
    # 'english' stems ("paired" finds "pairing") and drops stop words; the community
    # writes in English, and a wrong stem on another language costs little. The
    # config is named in every call: to_tsvector(regconfig, text) is immutable,
    # while the one-argument form follows default_text_search_config.
    """
    CREATE FUNCTION post_search_document(title text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
            || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')
    $$
    """,
    """
    CREATE TABLE post_search (
        post_id integer NOT NULL,
        document tsvector NOT NULL,
        CONSTRAINT pk_post_search PRIMARY KEY (post_id),
        CONSTRAINT fk_post_search_post_id_posts FOREIGN KEY (post_id)
            REFERENCES posts (id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX ix_post_search_document ON post_search USING gin (document)",
    """
    CREATE FUNCTION post_search_index_post() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO post_search (post_id, document)
        SELECT NEW.id,
               post_search_document(
                   CASE WHEN NEW.post_number = 1 THEN topics.title END, NEW.body_source
               )
        FROM topics WHERE topics.id = NEW.topic_id
        ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER post_search_post_insert AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION post_search_index_post()
    """,
    """
    CREATE TRIGGER post_search_post_update AFTER UPDATE OF body_source ON posts
    FOR EACH ROW WHEN (OLD.body_source IS DISTINCT FROM NEW.body_source)
    EXECUTE FUNCTION post_search_index_post()
    """,
    # Deleted posts leave through the foreign key's ON DELETE CASCADE.
    """
    CREATE FUNCTION post_search_index_topic_title() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE post_search
        SET document = post_search_document(NEW.title, posts.body_source)
        FROM posts
        WHERE posts.topic_id = NEW.id
          AND posts.post_number = 1
          AND post_search.post_id = posts.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER post_search_topic_title AFTER UPDATE OF title ON topics
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION post_search_index_topic_title()
    """,
    # Backfill the posts written before this migration.
    """
    INSERT INTO post_search (post_id, document)
    SELECT posts.id,
           post_search_document(
               CASE WHEN posts.post_number = 1 THEN topics.title END, posts.body_source
           )
    FROM posts JOIN topics ON topics.id = posts.topic_id
    """,
]

POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER post_search_topic_title ON topics",
    "DROP TRIGGER post_search_post_update ON posts",
    "DROP TRIGGER post_search_post_insert ON posts",
    "DROP FUNCTION post_search_index_topic_title()",
    "DROP FUNCTION post_search_index_post()",
    "DROP TABLE post_search",
    "DROP FUNCTION post_search_document(text, text)",
]

UPGRADE = {"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRESQL_UPGRADE}
DOWNGRADE = {"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRESQL_DOWNGRADE}


def _run(statements_by_dialect):
    # The migration context (rather than op.get_bind()) knows the dialect in offline
    # mode too, so `flask db upgrade --sql` prints the right statements.
    dialect = op.get_context().dialect.name
    if dialect not in statements_by_dialect:
        raise NotImplementedError(f"search is built for SQLite and PostgreSQL, not {dialect}")
    for statement in statements_by_dialect[dialect]:
        op.execute(statement)


def upgrade():
    _run(UPGRADE)


def downgrade():
    _run(DOWNGRADE)
