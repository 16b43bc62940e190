"""The app's Flask extensions besides the database, created unbound and attached in create_app()."""

from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate

migrate = Migrate()
login_manager = LoginManager()
compress = Compress()
