"""One form per use case: the requirement, a member's handling, the report-back item."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from decisions.ratification.models import Body, InForce, LocalOutcome
from decisions.ratification.rules import MAX_REMIND_DAYS, StateKind

BODY_LABELS = {
    Body.COUNCIL: _l("Municipal council (kommunestyre)"),
    Body.EXECUTIVE: _l("Executive committee (formannskap)"),
    Body.OTHER: _l("Other body"),
}
IN_FORCE_LABELS = {
    InForce.ALL: _l("When every member has adopted it"),
    InForce.COUNT: _l("When a number of members have adopted it"),
}
OUTCOME_LABELS = {
    LocalOutcome.ADOPTED: _l("Adopted"),
    LocalOutcome.ADOPTED_WITH_CHANGES: _l("Adopted with changes"),
    LocalOutcome.REJECTED: _l("Rejected"),
    LocalOutcome.NOT_HANDLED: _l("Will not be handled"),
}
STATE_LABELS = {
    StateKind.AWAITING: _l("Awaiting ratification"),
    StateKind.IN_FORCE: _l("In force"),
    StateKind.FAILED: _l("Ratification failed"),
}


class RequirementForm(FlaskForm):
    body = SelectField(_l("Adopted by"), choices=[SelectChoice(b.value, label) for b, label
                                                  in BODY_LABELS.items()],
                       validators=[InputRequired()])
    body_other = StringField(_l("Name of the other body"),
                             validators=[Optional(), Length(max=200)])
    deadline = DateField(_l("Deadline"), validators=[InputRequired(
        _l("Give the deadline as a date."))])
    in_force = RadioField(_l("In force"), choices=[SelectChoice(k.value, label) for k, label
                                                   in IN_FORCE_LABELS.items()],
                          default=InForce.ALL.value, validators=[InputRequired()])
    required_count = IntegerField(_l("Number of members"),
                                  validators=[Optional(), NumberRange(min=1, max=10000)])
    remind_days = IntegerField(_l("Reminder, days before the deadline"), default=14,
                               validators=[InputRequired(),
                                           NumberRange(min=0, max=MAX_REMIND_DAYS)])
    lock_version = HiddenField()


class HandlingForm(FlaskForm):
    body = SelectField(_l("Body"), choices=[SelectChoice(b.value, label) for b, label
                                            in BODY_LABELS.items()],
                       validators=[InputRequired()])
    meeting_date = DateField(_l("Meeting date"), validators=[InputRequired(
        _l("Give the meeting date."))])
    case_number = StringField(_l("Your case number (saksnummer)"),
                              validators=[InputRequired(_l("Give the case number.")),
                                          Length(max=60)])
    record_url = StringField(_l("Link to the public record (optional)"),
                             validators=[Optional(), Length(max=500)])
    outcome = RadioField(_l("Outcome"), choices=[SelectChoice(o.value, label) for o, label
                                                 in OUTCOME_LABELS.items()],
                         validators=[InputRequired(_l("Choose the outcome."))])
    change_text = TextAreaField(_l("What was changed"),
                                validators=[Optional(), Length(max=5000)])
    file = FileField(_l("The local decision as PDF (optional)"))
    lock_version = HiddenField()


class ActionForm(FlaskForm):
    pass
