"""The extension objects, created unbound and initialised in create_app()."""
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
