"""One form per use case: a member, a subregion or county, a merger, a CSV file."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from decisions.members.models import MemberKind

KIND_LABELS = {
    MemberKind.MUNICIPALITY: _l("Municipality"),
    MemberKind.COUNTY: _l("County authority"),
    MemberKind.OTHER: _l("Other"),
}


class MemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Write a name.")),
                                               Length(max=120)])
    kind = SelectField(_l("Kind"), default=MemberKind.MUNICIPALITY.value,
                       choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       validators=[InputRequired(_l("Choose a kind."))])
    subregion = SelectField(_l("Subregion"), coerce=int,
                            validators=[InputRequired(_l("Choose a subregion."))])
    county = SelectField(_l("County"), coerce=int, default=0,
                         description=_l("The county (fylke) the member lies in, if any."))
    renamed_on = DateField(_l("New name used from"), validators=[Optional()],
                           description=_l("Only when the name changes: the old name is kept "
                                          "in the member's history until this day. Empty: "
                                          "today."))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class PlaceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Write a name.")),
                                               Length(max=120)])


class ActiveForm(FlaskForm):
    """Close or reopen: only the CSRF token and which."""

    active = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MergeForm(FlaskForm):
    olds = MultiCheckboxField(_l("Members that merge"), coerce=int)
    into = SelectField(_l("Merge into"), coerce=int, default=0,
                       description=_l("An existing member, or a new one named below."))
    new_name = StringField(_l("Name of the new member"), validators=[Length(max=120)],
                           description=_l("Only when merging into a new member."))
    on = DateField(_l("Merged from"), validators=[InputRequired(_l("Enter the date."))])


class ImportForm(FlaskForm):
    what = RadioField(_l("The file holds"), default="members",
                      choices=[SelectChoice("members", _l("Members")),
                               SelectChoice("representatives", _l("Representatives"))])
    file = FileField(_l("CSV file"), description=_l(
        "Members: columns name, kind, subregion and optionally county. Representatives: "
        "columns name, email, member. Comma or semicolon separated, UTF-8."))


class ImportSaveForm(FlaskForm):
    what = HiddenField()
    content = HiddenField()
    digest = HiddenField()
