"""Forms of the organisation page: join by invitation, ask to join, register a new organisation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.web.forms import RegisterForm


class InvitationForm(FlaskForm):
    code = StringField(_l("Invitation code"), validators=[DataRequired(), Length(max=100)])


class JoinRequestForm(FlaskForm):
    organisation_name = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)])
    message = TextAreaField(_l("Message to its administrators (optional)"), validators=[Length(max=500)])


class OrganisationForm(FlaskForm):
    organisation_name = RegisterForm.organisation_name
    organisation_kind = RegisterForm.organisation_kind
    credit_code = RegisterForm.credit_code
    region = RegisterForm.region
