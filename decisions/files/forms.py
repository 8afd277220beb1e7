"""One form per use case: adding an attachment, removing one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional


class UploadForm(FlaskForm):
    # Only the name is checked here; the service judges the content (a PDF or not).
    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose a PDF file."))])
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=300)],
                        description=_l("Leave empty to use the file name."))
    # The page to return to when the form was sent without htmx.
    next = HiddenField()


class RemoveForm(FlaskForm):
    next = HiddenField()
