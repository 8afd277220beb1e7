"""Forms of the administration of groups and seats."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from decisions.meetings.labels import GROUP_KIND_LABELS, GROUP_ROLE_LABELS
from decisions.meetings.models import GroupKind, GroupRole


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Write the group's name.")),
                                               Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(GROUP_KIND_LABELS),
                       default=GroupKind.COMMITTEE.value)


class EditGroupForm(GroupForm):
    active = BooleanField(_l("Active"), default=True, description=_l(
        "A deactivated group is not listed among the groups; its meetings and seats stay."))
    public_meetings = BooleanField(_l("Meetings are public"), default=False, description=_l(
        "The group's meetings are listed in the public calendar, with the public agenda "
        "once the notice is published."))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class SeatForm(FlaskForm):
    person_name = StringField(_l("Name"), validators=[
        DataRequired(_l("Write the person's name.")), Length(max=200)])
    role = SelectField(_l("Role"), choices=_choices(GROUP_ROLE_LABELS),
                       default=GroupRole.MEMBER.value)
    member = SelectField(_l("Member organisation"), coerce=int, default=0,
                         validators=[Optional()])
    term_start = DateField(_l("Term from"), validators=[InputRequired(_l("Give the date."))])
    term_end = DateField(_l("Term to"), validators=[Optional()],
                         description=_l("Leave empty if not known."))
    user = SelectField(_l("Login in Samråd"), coerce=int, default=0,
                       validators=[Optional()])
    email = StringField(_l("Email address (for a person outside Samråd)"), validators=[
        Optional(), Length(max=254)], description=_l(
        "Only for a person without a login: notices, cancellations and approved minutes "
        "are sent here, with a link to the documents."))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class EndSeatForm(FlaskForm):
    term_end = DateField(_l("Last day of the term"),
                         validators=[InputRequired(_l("Give the date."))])


class ChairForm(FlaskForm):
    from_day = DateField(_l("New chair from"), validators=[InputRequired(_l("Give the date."))])
    seat = SelectField(_l("New chair"), coerce=int, default=0, validators=[Optional()],
                       description=_l("A present seat holder, or a new person below."))
    person_name = StringField(_l("Or a new person's name"),
                              validators=[Optional(), Length(max=200)])
    member = SelectField(_l("Member organisation"), coerce=int, default=0,
                         validators=[Optional()])
    user = SelectField(_l("Login in Samråd"), coerce=int, default=0,
                       validators=[Optional()])
    email = StringField(_l("Email address (for a person outside Samråd)"),
                        validators=[Optional(), Length(max=254)])
    old_stays_member = BooleanField(_l("The present chair stays in the group as a member"))


class TermForm(FlaskForm):
    old_term_end = DateField(_l("Last day of the old term"),
                             validators=[InputRequired(_l("Give the date."))])
    new_term_start = DateField(_l("First day of the new term"),
                               validators=[InputRequired(_l("Give the date."))])
    new_term_end = DateField(_l("Last day of the new term"), validators=[Optional()],
                             description=_l("Leave empty if not known."))
