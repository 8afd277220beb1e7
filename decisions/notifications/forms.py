"""The notification settings: a delivery per kind."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from decisions.notifications.models import Delivery, NotificationKind

KIND_LABELS = {
    NotificationKind.ROUND_OPENED: _l("A proposal is circulated for your position"),
    NotificationKind.REMINDER: _l("Reminder before a deadline, when your member has not answered"),
    NotificationKind.OBJECTION: _l("A member objects (secretariat)"),
    NotificationKind.OBJECTION_ANSWERED: _l("The secretariat answers your member's objection"),
    NotificationKind.ROUND_CLOSED: _l("A round closes, with its outcome"),
    NotificationKind.NOTICE: _l("Notice of a meeting, revised or cancelled"),
    NotificationKind.MINUTES_APPROVED: _l("Minutes approved"),
    NotificationKind.FOLLOWUP_DUE: _l("A follow-up item you own is due soon, or today"),
    NotificationKind.RATIFICATION: _l("Reminder that a decision awaits your member's own "
                                      "adoption"),
}
DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("Email at once"),
    Delivery.DIGEST: _l("In a daily digest"),
    Delivery.OFF: _l("Only in Samråd"),
}


def settings_form(kinds, current, formdata=None) -> FlaskForm:
    """A form with one radio group per kind this user can receive."""

    class SettingsForm(FlaskForm):
        pass

    for kind in kinds:
        setattr(SettingsForm, kind.value, RadioField(
            KIND_LABELS[kind], default=current[kind].value,
            choices=[SelectChoice(d.value, label) for d, label in DELIVERY_LABELS.items()],
            validators=[InputRequired(_l("Choose how you want to hear of this."))]))
    return SettingsForm(formdata=formdata)
