"""Forms of the people pages: one per use case."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from decisions.accounts.models import Role

ROLE_LABELS = {
    Role.SECRETARIAT: _l("Secretariat"),
    Role.REPRESENTATIVE: _l("Representative"),
    Role.BOARD: _l("Board member"),
    Role.ADMIN: _l("Admin"),
}
KIND_LABELS = {"main": _l("Main representative"), "deputy": _l("Deputy")}


class PersonForm(FlaskForm):
    """Who a person is and what they do: name, email, role, and for a representative
    the member and whether they are its main representative. The role and member
    choices are set by the view (the roles the user may give, the active members)."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Write the person's name.")),
                                               Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Write an email address.")),
                                                Length(max=254)])
    role = SelectField(_l("Role"), validate_choice=True)
    member = SelectField(_l("Member"), coerce=int,
                         description=_l("Representatives only: the member they speak for."))
    kind = RadioField(_l("Representative"), default="deputy",
                      choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()],
                      description=_l("A member has one main representative; the others "
                                     "are deputies. Choosing a new main representative "
                                     "makes the former one a deputy."))


class InviteForm(PersonForm):
    pass


class ChangePersonForm(PersonForm):
    version = HiddenField()  # people.services.version of the person as shown


class ActionForm(FlaskForm):
    """A button that does one act (deactivate, reactivate, resend, reset the code)."""

