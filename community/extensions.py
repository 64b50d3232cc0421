"""Extension instances, created unbound and initialised in ``create_app``."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from community.database import Base, render_migration_type

# The full-text search index is made by hand in a migration and has no model: the
# PostgreSQL table, or the SQLite FTS5 table and the shadow tables FTS5 keeps.
SEARCH_INDEX_TABLES = frozenset(
    {
        "post_search",
        "post_search_config",
        "post_search_content",
        "post_search_data",
        "post_search_docsize",
        "post_search_idx",
    }
)


def include_in_schema_comparison(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the search index out of autogenerate's comparison of models and schema.

    Without this, ``flask db migrate`` would write a migration that drops it.
    """
    return not (type_ == "table" and reflected and name in SEARCH_INDEX_TABLES)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(
    render_as_batch=True,
    compare_type=True,
    render_item=render_migration_type,
    include_object=include_in_schema_comparison,
)
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits and storage come from the app's RATELIMIT_* settings (community.ratelimit).
limiter = Limiter(key_func=get_remote_address)
