"""Forms of the accounts pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email.")),
                                                Length(max=254)])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(_l("Enter your password.")),
                                         Length(max=128)])
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class NewPasswordFields:
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a new password.")),
                                        Length(max=128)],
        description=_l("At least 12 characters. A few unrelated words are easy to remember "
                       "and hard to guess."))
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(_l("Type the new password again.")),
                    EqualTo("password", _l("The two passwords are not the same."))])


class ChangePasswordForm(NewPasswordFields, FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(_l("Enter your current password.")),
                                        Length(max=128)])


class ResetPasswordForm(NewPasswordFields, FlaskForm):
    pass


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email.")),
                                                Length(max=254)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code from the authenticator app"),
                       validators=[DataRequired(_l("Type the six digits the app shows.")),
                                   Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
