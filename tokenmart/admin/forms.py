"""The back office's web forms: ban a user, give a coupon to a segment.

They inherit BaseForm, so a NUL, a 23-digit id or 5,000 characters become a field error
on the re-rendered page instead of a database error.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tokenmart.admin.labels import SEGMENT
from tokenmart.admin.rfm import SEGMENTS
from tokenmart.analytics.holdout import MAX_HOLDOUT_PERCENT
from tokenmart.core.forms import INT_MAX, BaseForm

#: the longest ban reason the users table keeps (User.banned_reason)
BAN_REASON_MAX = 500


class BanForm(BaseForm):
    reason = StringField(_l("Reason (shown in the audit log)"),
                         validators=[DataRequired(), Length(max=BAN_REASON_MAX)])
    #: where to go back to after banning (a same-site path; anything else is ignored)
    next = HiddenField()


class SegmentGrantForm(BaseForm):
    """Give a coupon to a segment. The template is the button pressed; the holdout is
    bounded by the draw's own limit, so -5 or a 20-digit number is the field's error
    (kept as typed), not a grant refused for a segment or template that was chosen."""

    snapshot_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=INT_MAX)])
    segment = SelectField(_l("Segment"), choices=lambda: [SelectChoice(s, SEGMENT[s])  # type: ignore[arg-type]
                                                          for s in SEGMENTS])
    template_id = IntegerField(_l("Coupon template"),
                               validators=[DataRequired(), NumberRange(min=1, max=INT_MAX)])
    holdout_percent = IntegerField(_l("Hold out a control group (percent of the segment)"), default=0,
                                   validators=[Optional(),
                                               NumberRange(min=0, max=MAX_HOLDOUT_PERCENT)])
