"""Imports every model, so that Alembic and the mappers see the whole schema."""

from decisions.accounts.models import (  # noqa: F401
    Invitation,
    LoginFailure,
    LoginSession,
    PasswordReset,
    PendingLogin,
    Role,
    User,
)
from decisions.audit.models import AuditEntry  # noqa: F401
from decisions.files.models import Attachment  # noqa: F401, E402
from decisions.followup.models import FollowupItem, FollowupUpdate  # noqa: F401
from decisions.meetings.models import (  # noqa: F401, E402
    ActionItem,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Group,
    GroupMembership,
    ItemAbsence,
    Meeting,
    MeetingDocument,
    ProtocolEntry,
)
from decisions.members.models import Member, MemberKind, Subregion  # noqa: F401
from decisions.notifications.models import (  # noqa: F401
    Notification,
    NotificationPreference,
    OutboundEmail,
)
from decisions.numbering import Counter  # noqa: F401
from decisions.oparl.models import Tombstone  # noqa: F401
from decisions.proposals.models import (  # noqa: F401
    Area,
    ObjectionEntry,
    ObjectionThread,
    Position,
    PositionChange,
    Proposal,
    ProposalVersion,
    Round,
    RoundMember,
)
from decisions.register.models import Decision, DecisionDocument, DecisionNote  # noqa: F401
from decisions.search.models import SearchEntry  # noqa: F401
from decisions.submissions import FormSubmission  # noqa: F401
