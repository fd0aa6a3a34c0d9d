"""The admin pages' forms: backup download, restore upload and confirm, demo data, settings, test mail.

The settings form's fields are checked by the store (``webapp.store.sitesettings.validate``, one
copy of the rules); WTForms here only carries them and the CSRF token.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

#: Most demo reports one click loads (the CLI takes more; a request should end in seconds).
MAX_DEMO = 2000


class BackupForm(FlaskForm):
    with_users = BooleanField(_l("Include password hashes, so that accounts can sign in after a "
                                 "restore (keep the file safe)"))


class RestoreUploadForm(FlaskForm):
    file = FileField(_l("Backup file (.gpkg, made by this page or by flask backup)"))


class RestoreConfirmForm(FlaskForm):
    token = HiddenField()
    confirm = BooleanField(_l("Yes, restore this backup into this instance"))


class DemoLoadForm(FlaskForm):
    count = IntegerField(_l("Number of demo reports"), default=200,
                         validators=[InputRequired(), NumberRange(1, MAX_DEMO)])


class DemoClearForm(FlaskForm):
    confirm = BooleanField(_l("Yes, remove every demo report and demo organization"))


class SettingsForm(FlaskForm):
    SITE_NAME_AR = StringField(_l("Site name (Arabic)"))
    SITE_NAME_EN = StringField(_l("Site name (English)"))
    ABOUT_AR = TextAreaField(_l("About text (Arabic)"))
    ABOUT_EN = TextAreaField(_l("About text (English)"))
    CONTACT_EMAIL = StringField(_l("Public contact e-mail"))
    TILE_URL = StringField(_l("Tile server URL"))
    TILE_ATTRIBUTION = StringField(_l("Tile attribution"))
    MIN_PUBLIC_COUNT = StringField(_l("Smallest count published exactly (MIN_PUBLIC_COUNT)"))


class MailTestForm(FlaskForm):
    to = StringField(_l("Send to"), validators=[Optional()])
