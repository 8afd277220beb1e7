"""One form per use case: draft, circulate, revise, register a position, answer."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from decisions.markdown import MarkdownText
from decisions.proposals.labels import POSITION_LABELS  # noqa: F401 - imported from here
from decisions.proposals.models import Outcome, Procedure

OUTCOME_LABELS = {
    Outcome.CONSENSUS: _l("Consensus"),
    Outcome.ADOPTED: _l("Adopted (silence held)"),
    Outcome.NO_CONSENSUS: _l("No consensus"),
    Outcome.NOT_ADOPTED: _l("Not adopted (silence broken)"),
    Outcome.SUPERSEDED: _l("Replaced by a revised version"),
    Outcome.WITHDRAWN: _l("Withdrawn"),
}
PROCEDURE_LABELS = {
    Procedure.CONSENT: _l("Consent round"),
    Procedure.SILENCE: _l("Silence procedure"),
}


class TextFields:
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a title.")),
                                                 Length(max=300)])
    background = TextAreaField(
        _l("Background"), validators=[Optional(), Length(max=50_000), MarkdownText()],
        description=_l("Markdown: **bold**, *italic*, lists, links."))
    resolution = TextAreaField(
        _l("Proposed resolution"),
        validators=[DataRequired(_l("Write the proposed resolution.")), Length(max=20_000),
                    MarkdownText()])


class ProposalForm(TextFields, FlaskForm):
    area = SelectField(_l("Area of operation"), coerce=int,
                       validators=[InputRequired(_l("Choose an area."))])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundFields:
    procedure = RadioField(_l("Procedure"), default=Procedure.CONSENT.value,
                           choices=[SelectChoice(p.value, label)
                                    for p, label in PROCEDURE_LABELS.items()],
                           validators=[InputRequired(_l("Choose a procedure."))])
    deadline = DateTimeLocalField(
        _l("Deadline (Norwegian time)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(_l("Enter the deadline as date and time."))])
    quorum_percent = IntegerField(
        _l("Quorum (share of members that must respond, %)"),
        validators=[Optional(), NumberRange(1, 100, _l("Enter a share between 1 and 100."))],
        description=_l("Consent rounds only. Leave empty for no quorum."))
    reminder_hours = IntegerField(
        _l("Reminder (hours before the deadline)"), default=48,
        validators=[Optional(), NumberRange(0, 720, _l("Enter between 0 and 720 hours."))],
        description=_l("Members that have not answered get an email this long before the "
                       "deadline. 0: no reminder; empty: 48."))
    scope = RadioField(_l("Members"), default="all",
                       choices=[SelectChoice("all", _l("All members")),
                                SelectChoice("chosen", _l("Chosen members"))])
    members = MultiCheckboxField(_l("Chosen members"), coerce=int, validate_choice=False)
    # Whole subregions and counties: the server adds their active members to the chosen.
    subregions = MultiCheckboxField(_l("Whole subregions"), coerce=int, validate_choice=False)
    counties = MultiCheckboxField(_l("Whole counties"), coerce=int, validate_choice=False)


class RoundForm(RoundFields, FlaskForm):
    pass


class ReviseForm(TextFields, RoundFields, FlaskForm):
    pass


class PositionForm(FlaskForm):
    kind = RadioField(_l("Position"), validators=[InputRequired(_l("Choose a position."))])
    comment = TextAreaField(_l("Reason or comment"), validators=[Length(max=10_000)])


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Answer to the objection"),
                         validators=[DataRequired(_l("Write the answer.")),
                                     Length(max=10_000)])


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply to the secretariat"),
                         validators=[DataRequired(_l("Write the reply.")),
                                     Length(max=10_000)])


class AreaForm(FlaskForm):
    name_nb = StringField(_l("Name in Norwegian (bokmål)"),
                          validators=[DataRequired(_l("Write the area's name.")),
                                      Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=120)],
                          description=_l("Leave empty to use the Norwegian name."))
    kind = RadioField(_l("Kind of area"), default="operation",
                      choices=[SelectChoice("operation", _l("Area of operation")),
                               SelectChoice("strategy", _l("Strategy area (innsatsområde)"))],
                      validators=[InputRequired(_l("Choose the kind of area."))])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""
