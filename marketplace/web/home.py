from flask import Blueprint, render_template
from flask_login import current_user

from marketplace.services.postings import count_by_kind
from marketplace.web.context import db_session

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("home.html", counts=count_by_kind(db_session()), user=current_user)
