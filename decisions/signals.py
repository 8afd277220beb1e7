"""The domain's events. A service sends one where its act is done (inside the act's
transaction, with the objects as keyword arguments); other parts of the app, such as
notifications, subscribe to them. The domains thereby know nothing of who listens.

Receivers run synchronously and in the same transaction, so whatever they write
commits or rolls back with the act.
"""

from blinker import Namespace

_events = Namespace()

# Accounts (decisions.accounts.services)
password_reset_requested = _events.signal("password-reset-requested")  # reset, with .token
login_locked = _events.signal("login-locked")  # user: failed attempts locked its login
invitation_sent = _events.signal("invitation-sent")  # invitation, with .token
user_deactivated = _events.signal("user-deactivated")  # user: every way in is to end
second_factor_reset = _events.signal("second-factor-reset")  # user: the code was removed

# Proposals (decisions.proposals.services)
round_opened = _events.signal("round-opened")  # round_ (a revision's new round too)
round_closed = _events.signal("round-closed")  # round_, with its outcome recorded
objection_registered = _events.signal("objection-registered")  # change: a new objection
objection_answered = _events.signal("objection-answered")  # entry: the secretariat's answer
objection_replied = _events.signal("objection-replied")  # entry: the member's reply
# round_, member_ids (those not answered); a receiver returns how many people it told
reminder_due = _events.signal("reminder-due")

# Meetings (decisions.meetings.agenda and decisions.meetings.minutes)
notice_published = _events.signal("notice-published")  # meeting: notice or its revision
meeting_cancelled = _events.signal("meeting-cancelled")  # meeting
minutes_approved = _events.signal("minutes-approved")  # meeting
minutes_ready = _events.signal("minutes-ready")  # meeting: drafted minutes for the chair

# Follow-up (decisions.followup.services)
# item, stage ("before" or "on"), users (its owners now); a receiver returns how many it told
followup_due = _events.signal("followup-due")
# meeting, loaded with its agenda: a notice is being frozen; receivers may fill in items'
# texts in memory (set_committed_value), never write
notice_preparing = _events.signal("notice-preparing")

# Ratification (decisions.ratification.services)
# decision, member_ids (those without a row), which ("before" or "after" the deadline);
# a receiver returns how many people it told
ratification_reminder_due = _events.signal("ratification-reminder-due")
