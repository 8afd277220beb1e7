"""One form per use case: an item (create and edit), an owner's update, a decision's
review date."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from decisions.followup.models import FollowupStatus

STATUS_LABELS = {
    FollowupStatus.PLANNED: _l("Planned"),
    FollowupStatus.IN_PROGRESS: _l("In progress"),
    FollowupStatus.DONE: _l("Done"),
    FollowupStatus.DROPPED: _l("Dropped"),
}
STATE_LABELS = {
    "none": _l("No follow-up"),
    "on_track": _l("On track"),
    "overdue": _l("Overdue"),
    "done": _l("Done"),
}


class ItemForm(FlaskForm):
    what = TextAreaField(_l("What is to be done"),
                         validators=[DataRequired(_l("Say what is to be done.")),
                                     Length(max=2000)])
    # "secretariat", "member:<id>" or "group:<id>" (choices set by the view)
    owner = SelectField(_l("Owner"), validators=[InputRequired(_l("Choose the owner."))])
    due = DateField(_l("Due date"), validators=[InputRequired(_l("Give the due date."))])
    weight = IntegerField(
        _l("Weight"), default=1,
        validators=[InputRequired(_l("Give the weight as a whole number.")),
                    NumberRange(min=1, max=1000, message=_l("A whole number from 1 to 1000."))],
        description=_l("How much the item counts in the decision's progress."))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class UpdateForm(FlaskForm):
    status = RadioField(_l("Status"),
                        choices=[SelectChoice(s.value, label)
                                 for s, label in STATUS_LABELS.items()],
                        validators=[InputRequired(_l("Choose the status."))])
    progress = IntegerField(
        _l("Progress (per cent)"),
        validators=[InputRequired(_l("Give the progress as a whole number.")),
                    NumberRange(min=0, max=100, message=_l("A per cent from 0 to 100."))],
        description=_l("Done counts as 100."))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReviewForm(FlaskForm):
    review_date = DateField(_l("Review date"), validators=[Optional()],
                            description=_l("Leave empty for no review date."))
