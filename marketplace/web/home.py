from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from marketplace.models import Posting
from marketplace.web.context import db_session

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    counts = dict(db_session().execute(select(Posting.kind, func.count()).group_by(Posting.kind)).all())
    return render_template("home.html", counts=counts, user=current_user)
