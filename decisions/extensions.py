"""Flask extensions, created unbound here and bound to the app in create_app()."""

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from decisions.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()
# Attempts per client address at the login, code and password-reset forms. The
# counters live in RATELIMIT_STORAGE_URI: memory (one process) by default, Redis when
# several workers or hosts must share them.
limiter = Limiter(key_func=get_remote_address)
