"""The extension objects, created unbound and initialised in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from tasking.api.spec import Api
from tasking.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
api = Api()
csrf = CSRFProtect()
login = LoginManager()
# Counted per client address, in the store RATELIMIT_STORAGE_URI names (memory by default; a shared
# store such as redis:// when several instances serve).
limiter = Limiter(key_func=get_remote_address)
