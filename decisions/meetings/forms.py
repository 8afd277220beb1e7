"""One form per use case of meetings, agendas and minutes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from decisions.markdown import MarkdownText
from decisions.meetings.labels import (
    ABSENCE_LABELS,
    ATTENDANCE_LABELS,
    ENTRY_LABELS,
    ITEM_KIND_LABELS,
)
from decisions.meetings.models import ItemKind


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class MeetingForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(_l("Give the date and time."))],
                                   description=_l("Norwegian time."))
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M",
                                 validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    video_url = StringField(_l("Video link"), validators=[
        Optional(), Length(max=500),
        URL(require_tld=False, message=_l("Give a full address starting with https://."))])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class NewItemForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=_choices(ITEM_KIND_LABELS),
                       default=ItemKind.DECISION.value)
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a title.")),
                                                 Length(max=300)])
    proposal = SelectField(_l("Linked proposal"), coerce=int, default=0,
                           validators=[Optional()])


class ItemForm(NewItemForm):
    case_officer = StringField(_l("Case officer"), validators=[Optional(), Length(max=200)])
    proposed_resolution = TextAreaField(_l("Proposed resolution"),
                                        validators=[Optional(), Length(max=20_000), MarkdownText()])
    background = TextAreaField(_l("Background"),
                               validators=[Optional(), Length(max=50_000), MarkdownText()],
                               description=_l("Markdown: **bold**, *italic*, lists, links."))
    exempt_basis = StringField(
        _l("Exempt from public access"), validators=[Optional(), Length(max=200)],
        description=_l("Leave empty for a public item; otherwise the legal basis, "
                       "e.g. offl. § 23."))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class MinutesForm(FlaskForm):
    notes = TextAreaField(_l("Notes"),
                          validators=[Optional(), Length(max=50_000), MarkdownText()])
    decision_text = TextAreaField(_l("Decision"),
                                  validators=[Optional(), Length(max=20_000), MarkdownText()])
    lock_version = IntegerField(widget=HiddenInput(),
                                validators=[InputRequired(_l("Reload the page."))])


class OfficersForm(FlaskForm):
    meeting_leader = StringField(_l("Meeting leader"), validators=[Optional(),
                                                                   Length(max=200)])
    minute_taker = StringField(_l("Minute-taker"), validators=[Optional(), Length(max=200)])


class AttendanceForm(FlaskForm):
    person_name = StringField(_l("Name"), validators=[DataRequired(_l("Write a name.")),
                                                      Length(max=200)])
    status = SelectField(_l("Attendance"), choices=_choices(ATTENDANCE_LABELS))
    stands_in_for = StringField(_l("Stands in for"), validators=[Optional(), Length(max=200)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class EntryForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=_choices(ENTRY_LABELS))
    member = SelectField(_l("Member"), coerce=int, default=0, validators=[Optional()])
    text = TextAreaField(_l("Entry"), validators=[DataRequired(_l("Write the entry.")),
                                                  Length(max=5_000)])


class AbsenceForm(FlaskForm):
    person_name = StringField(_l("Name"), validators=[DataRequired(_l("Write a name.")),
                                                      Length(max=200)])
    kind = SelectField(_l("Reason"), choices=_choices(ABSENCE_LABELS))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class ActionForm(FlaskForm):
    description = TextAreaField(_l("Action"), validators=[
        DataRequired(_l("Describe the action.")), Length(max=2_000)])
    owner = StringField(_l("Responsible"), validators=[
        DataRequired(_l("Say who is responsible.")), Length(max=200)])
    due = DateField(_l("Due"), validators=[Optional()])


class ApproveForm(FlaskForm):
    item = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ButtonForm(FlaskForm):
    """A button that posts (publish, move, remove, reorder): only its CSRF token is
    checked; the values it carries are read by the view."""
