"""Extension instances, created unbound and initialised in ``create_app``."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from community.database import Base, render_migration_type

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_migration_type)
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits and storage come from the app's RATELIMIT_* settings (community.ratelimit).
limiter = Limiter(key_func=get_remote_address)
