"""``docflow serve``: the web page (verify, QR target, archive, review, dashboard).

``create_app(home)`` builds the application; everything it shows comes from the service layer.
"""

from docflow.web.app import create_app
from docflow.web.auth import ROLES, AuthStore, User, UserError

__all__ = ["ROLES", "AuthStore", "User", "UserError", "create_app"]
