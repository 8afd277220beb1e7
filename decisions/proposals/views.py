"""Proposal, round and position pages: load, authorize, call one service, respond."""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import decisions.lifecycle as lifecycle
import decisions.submissions as submissions
from decisions.clock import from_oslo, now, oslo
from decisions.confirm import confirm_first
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.files import queries as attachments
from decisions.http import (
    form_home,
    int_arg,
    load,
    page_number,
    require,
    see_other,
    wants_fragment,
)
from decisions.members import queries as member_queries
from decisions.members.models import Member
from decisions.permissions import can
from decisions.proposals import queries, services
from decisions.proposals.diff import announced
from decisions.proposals.forms import (
    POSITION_LABELS,
    ActionForm,
    AnswerForm,
    PositionForm,
    ProposalForm,
    ReplyForm,
    ReviseForm,
    RoundForm,
)
from decisions.proposals.models import (
    Area,
    Outcome,
    Position,
    PositionKind,
    Procedure,
    Proposal,
    ProposalStatus,
    Round,
)
from decisions.proposals.rules import DEFAULT_REMINDER_HOURS, OPEN, RoundState, allowed_kinds
from decisions.register.queries import decision_for_proposal

bp = Blueprint("proposals", __name__)


@bp.before_request
@login_required
def _signed_in():
    pass


def _areas() -> list[Area]:
    return list(db.session.scalars(select(Area).order_by(Area.id)))


def _area_choices(form, proposal: Proposal | None = None) -> None:
    """Areas in use, and the draft's own area even if it has been deactivated."""
    form.area.choices = [SelectChoice(a.id, a.name(_locale())) for a in _areas()
                         if a.active or (proposal is not None and a.id == proposal.area_id)]


STATUS_FILTERS = ("open", "awaiting", "decided", "withdrawn", "draft")


@bp.route("/proposals/")
def index():
    require("list", "proposal")
    status = request.args.get("status") or None
    status = status if status in STATUS_FILTERS else None
    areas = _areas()
    area_id = int_arg("area")
    area_id = area_id if area_id in {a.id for a in areas} else None
    # The draft filter is offered to whom the rule shows a draft.
    drafts_seen = can(current_user, "view", Proposal(case_number=None))
    moment = now()
    page = db.paginate(queries.proposals(current_user, status=status, area_id=area_id,
                                         now=moment),
                       page=page_number(), per_page=25, error_out=False)
    rounds = queries.latest_rounds(p.id for p in page.items)
    states = queries.states_of(list(rounds.values()), moment)
    return render_template("proposals/index.html", page=page, rounds=rounds, states=states,
                           areas=areas, status=status, area_id=area_id,
                           statuses=[s for s in STATUS_FILTERS
                                     if drafts_seen or s != "draft"])


@bp.route("/proposals/new", methods=["GET", "POST"])
def new():
    require("create", "proposal")
    form = ProposalForm()
    _area_choices(form)
    if form.validate_on_submit():
        try:
            submission = submissions.claim(current_user)
        except submissions.AlreadySaved as earlier:
            return submissions.to_first_save(earlier, url_for("proposals.index"))
        proposal = services.create_proposal(
            current_user, title=form.title.data, area=db.session.get(Area, form.area.data),
            background=form.background.data or "", resolution=form.resolution.data)
        submissions.led_to(submission, url_for("proposals.show", id=proposal.id))
        flash(_("The draft is saved."), "success")
        return see_other("proposals.show", id=proposal.id)
    return _form_page("proposals/edit.html", form, proposal=None)


@bp.route("/proposals/<int:id>")
def show(id: int):
    proposal = load(Proposal, id)
    rounds = queries.rounds_of(proposal.id)
    states = queries.states_of(rounds, now())
    decision = None
    if proposal.status == ProposalStatus.DECIDED:
        decision = decision_for_proposal(proposal.id)
    return render_template("proposals/show.html", proposal=proposal, rounds=rounds,
                           states=states, decision=decision, action_form=ActionForm(),
                           attachments=attachments.of_proposal(proposal.id))


@bp.route("/proposals/<int:id>/edit", methods=["GET", "POST"])
def edit(id: int):
    proposal = load(Proposal, id, "edit")
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    if request.method == "GET":
        form.area.data = proposal.area_id
        form.lock_version.data = proposal.lock_version
    _area_choices(form, proposal)
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.edit_draft(
                current_user, proposal, title=form.title.data,
                area=db.session.get(Area, form.area.data),
                background=form.background.data or "", resolution=form.resolution.data,
                lock_version=form.lock_version.data or 0)
            flash(_("The draft is saved."), "success")
            return see_other("proposals.show", id=proposal.id)
    return _form_page("proposals/edit.html", form, proposal=proposal)


def _round_choices(form) -> list[Member]:
    """The active members offered, grouped by subregion and county for the picker."""
    picker = member_queries.picker()
    form.members.choices = [SelectChoice(m.id, m.name) for m in picker.members]
    form.subregions.choices = [SelectChoice(s.id, s.name) for s, _ in picker.groups]
    form.counties.choices = [SelectChoice(c.id, c.name) for c, _ in picker.counties]
    form.picker = picker
    return picker.members


def _chosen(form, members: list[Member]) -> list[Member]:
    """The members a round goes to: all, or those checked one by one plus every active
    member of a checked subregion or county. The server decides, whatever a script
    showed."""
    if form.scope.data == "all":
        return members
    ids, subregions, counties = (set(field.data or []) for field in (
        form.members, form.subregions, form.counties))
    return [m for m in members if m.id in ids or m.subregion_id in subregions
            or m.county_id in counties]


def _round_settings(form, members: list[Member]) -> dict:
    chosen = _chosen(form, members)
    try:
        deadline = from_oslo(form.deadline.data)
    except OverflowError:  # 1 January of year 1 has no UTC: it is in the past anyway
        raise DomainError(_("The deadline must be in the future."), field="deadline") from None
    return {"members": chosen, "deadline": deadline,
            "procedure": Procedure(form.procedure.data),
            "quorum_percent": form.quorum_percent.data,
            "reminder_hours": DEFAULT_REMINDER_HOURS if form.reminder_hours.data is None
            else form.reminder_hours.data}


def _default_deadline() -> datetime:
    day = oslo(now()).date() + timedelta(days=14)
    return datetime.combine(day, time(12, 0))


@bp.route("/proposals/<int:id>/circulate", methods=["GET", "POST"])
def circulate(id: int):
    proposal = load(Proposal, id, "circulate")
    form = RoundForm()
    members = _round_choices(form)
    if request.method == "GET":
        form.deadline.data = _default_deadline()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            round_ = services.open_round(current_user, proposal, **_round_settings(form, members))
            flash(_("The proposal is circulated as case %(ref)s.", ref=proposal.case_ref),
                  "success")
            return see_other("proposals.round", id=round_.id)
    return _form_page("proposals/circulate.html", form, proposal=proposal)


@bp.route("/proposals/<int:id>/revise", methods=["GET", "POST"])
def revise(id: int):
    proposal = load(Proposal, id, "revise")
    form = ReviseForm()
    members = _round_choices(form)
    if request.method == "GET":
        latest = proposal.versions[-1] if proposal.versions else proposal
        form.title.data, form.background.data = latest.title, latest.background
        form.resolution.data = latest.resolution
        form.deadline.data = _default_deadline()
        if proposal.rounds:
            previous = proposal.rounds[-1]
            form.procedure.data = previous.procedure.value
            form.quorum_percent.data = previous.quorum_percent
            form.reminder_hours.data = previous.reminder_hours
            chosen = {m.id for m in previous.members}
            form.scope.data = "all" if chosen >= {m.id for m in members} else "chosen"
            form.members.data = sorted(chosen)
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            round_ = services.revise_proposal(
                current_user, proposal, title=form.title.data,
                background=form.background.data or "", resolution=form.resolution.data,
                **_round_settings(form, members))
            flash(_("Version %(n)s is circulated in a new round.", n=round_.version.number),
                  "success")
            return see_other("proposals.round", id=round_.id)
    return _form_page("proposals/revise.html", form, proposal=proposal)


@bp.route("/proposals/<int:id>/withdraw", methods=["POST"])
@confirm_first("withdraw_proposal", lambda id: load(Proposal, id, "withdraw"))
def withdraw(id: int):
    proposal = load(Proposal, id, "withdraw")
    if not ActionForm().validate_on_submit():
        abort(400)
    services.withdraw_proposal(current_user, proposal)
    flash(_("The proposal is withdrawn."), "success")
    return see_other("proposals.show", id=proposal.id)


def _form_page(template: str, form, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _locale() -> str:
    return str(get_locale())


# Rounds and positions


def _viewable(round_: Round | None) -> Round:
    """The round if the viewer may see it: 404 for no such round, else 403."""
    if round_ is None:
        abort(404)
    if not can(current_user, "view", round_):
        abort(403)
    return round_


def _board_or_404(id: int) -> queries.Board:
    board = queries.board(id, now())
    _viewable(board.round if board is not None else None)
    return board


def _position_form(round_: Round, position=None, formdata=None) -> PositionForm:
    form = PositionForm(formdata=formdata)
    form.kind.choices = [SelectChoice(k.value, POSITION_LABELS[k])
                          for k in allowed_kinds(round_.procedure)]
    if formdata is None and position is not None:
        form.kind.data, form.comment.data = position.kind.value, position.comment
    return form


def _panel(board: queries.RoundSummary, member: Member, form: PositionForm | None = None,
           saved: bool = False, on_round_page: bool = False,
           reply_typed: dict | None = None) -> dict:
    """What the position panel shows for one member: its position, the form, and
    the diff against the version it answered before. `on_round_page`: the panel sits
    on the round page, with the board and the history that a save changes too."""
    position = board.positions.get(member.id)
    previous = queries.previous_position(board.round, member.id)
    diff = None
    if previous is not None:
        old = previous[1].version
        stored = queries.version_diff(old, board.round.version)
        diff = {"version": old.number,
                "resolution": announced(stored.resolution_html),
                "background": announced(stored.background_html),
                "title": announced(stored.title_html)}
    return {"member": member, "position": position, "previous": previous, "diff": diff,
            "form": form or _position_form(board.round, position), "saved": saved,
            "action_form": ActionForm(), "on_round_page": on_round_page,
            # The member's objection and its conversation, also where it is carried
            # from an earlier version or was withdrawn in this round.
            "thread": queries.objection_threads(board.round, [member.id]).get(member.id),
            "reply_typed": reply_typed}


@bp.route("/rounds/<int:id>")
def round(id: int):
    """The round page. With its board as last rendered for all who see it alike, the
    page reads the round, its state from counts and the members it names beside the
    board (`queries.round_summary`), not every member's row; else the whole board is
    read, drawn and kept."""
    view = _board_view(id)
    etag = None if view is None else _etag_of(view)
    kept = None if view is None else _kept_board(view, etag)
    if kept is None:
        board = _board_or_404(id)
        drawn = None if view is None else _rendered_board(view, etag, lambda: board)
        return _round_page(board, board_html=drawn)
    summary = queries.round_summary(id, current_user.member_id, now())
    _viewable(summary.round if summary is not None else None)
    return _round_page(summary, board_html=kept)


def _round_page(board: queries.RoundSummary, answer_typed: dict | None = None,
                status: int = 200, reply_typed: dict | None = None,
                board_html: Markup | None = None):
    """`board`: the whole board, or a summary when `board_html` is the board drawn."""
    panel = None
    if current_user.member_id in {m.id for m in board.members} and can(
            current_user, "speak_for", current_user.member):
        panel = _panel(board, current_user.member, on_round_page=True,
                       reply_typed=reply_typed)
    if board_html is None:
        # The board as the fragment sends it (kept for all who see it alike), else drawn
        # here: None when the viewer's stamp is missing (the template then draws it).
        view = _board_view(board.round.id)
        board_html = (None if view is None
                      else _rendered_board(view, _etag_of(view), lambda: board))
    return render_template("proposals/round.html", board=board, panel=panel,
                           **_newest_history(board.round.id),
                           answer_typed=answer_typed or {}, board_html=board_html,
                           revision_offered=_revision_offered(board)), status


# The round page shows the newest changes of position (a round that a load of saves
# has changed a thousand times would otherwise render every one); the whole history
# is on its own page, a page at a time.
HISTORY_ON_ROUND_PAGE = 25
HISTORY_PER_PAGE = 100


def _newest_history(round_id: int) -> dict:
    """The round page's history: its newest changes, and how many there are in all
    (counted in SQL, always: the page sends the same statements for any history)."""
    return {"history": queries.history(round_id, per_page=HISTORY_ON_ROUND_PAGE),
            "history_total": queries.history_count(round_id)}


@bp.route("/rounds/<int:id>/history")
def history(id: int):
    """The round's whole history of positions, newest page first, as the round page
    shows it (and to whom it shows it)."""
    round_ = _viewable(queries.round_with_text(id))
    page = queries.history(id, per_page=HISTORY_PER_PAGE, after=int_arg("after"),
                           before=int_arg("before"))
    return render_template("proposals/history.html", round=round_, history=page,
                           history_total=queries.history_count(id))


# Where the secretariat reads the objections it decides what to do with them: an open
# round that objections block, or a round that ended without the text being adopted.
REVISE_AFTER = (Outcome.NO_CONSENSUS, Outcome.NOT_ADOPTED)


def _revision_offered(board: queries.RoundSummary) -> bool:
    round_ = board.round
    if (round_.proposal.status != ProposalStatus.CIRCULATED
            or not can(current_user, "revise", round_.proposal)):
        return False
    if board.state.is_open:
        blocked = bool(board.objections or board.carried)
    else:
        blocked = board.state.outcome in REVISE_AFTER
    # Only the proposal's latest round: an earlier one has been followed up already.
    latest = queries.latest_rounds([round_.proposal_id])[round_.proposal_id]
    return blocked and latest.id == round_.id


@bp.route("/rounds/<int:id>/board")
def board(id: int):
    """The polled fragment. Its ETag is known from one small query before the board is
    built, so a poller that shows the current board gets a 304 for that query alone;
    one that has an older board gets the board as last rendered for anyone who sees
    it the same way (`_rendered_board`), built again only after a change."""
    view = _board_view(id)
    if view is None:  # no stamp: 404 or 403, else (no case number) built, unkept
        return render_template("proposals/_board.html", board=_board_or_404(id))
    etag = _etag_of(view)
    if request.if_none_match.contains(etag):
        return _fresh(make_response("", 304), etag)
    return _fresh(make_response(_rendered_board(view, etag, lambda: _board_or_404(id))), etag)


def _board_view(id: int) -> tuple | None:
    """Everything the fragment shows depends on: the round as of its last change (None:
    no such round, or not the viewer's to see), whether its deadline has passed, whether
    the viewer registers on members' behalf (the one thing the board offers by role)
    and the language. The same for everyone who sees the round alike."""
    stamp = queries.board_stamp(id, current_user)
    if stamp is None:
        return None
    deadline = stamp[2]
    return (stamp, now() >= deadline,
            can(current_user, "register_on_behalf", kind="member"), _locale())


def _etag_of(view: tuple) -> str:
    # Who is looking is part of it too: a browser shared by two people revalidates.
    parts = (view, current_user.id, current_user.role, current_user.member_id)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def _board_etag(id: int) -> str | None:
    view = _board_view(id)
    return None if view is None else _etag_of(view)


# The fragment as last rendered for each way of seeing a board (`_board_view`), kept per
# process: after a position is registered, every open browser of the round fetches the
# new board within a poll, and all but the first who see it alike get it from here.
# The viewer's ETag is put in its place in the text (ETAG_SLOT) on the way out.
ETAG_SLOT = "board-etag-slot"
RENDERS_KEPT = 64  # a national board is about 0.1 MB
_renders_lock = threading.Lock()


def _rendered_board(view: tuple, etag: str, build: Callable[[], queries.Board]) -> Markup:
    """The board fragment for `view` with the viewer's `etag`: as kept, or rendered from
    `build()` and kept."""
    kept = _kept_board(view, etag)
    if kept is not None:
        return kept
    html = render_template("proposals/_board.html", board=build(), etag=ETAG_SLOT)
    with _renders_lock:
        renders = _renders()
        renders[view] = html
        while len(renders) > RENDERS_KEPT:
            renders.popitem(last=False)  # the longest unused
    return Markup(html.replace(ETAG_SLOT, etag))  # noqa: S704 - rendered by Jinja


def _kept_board(view: tuple, etag: str) -> Markup | None:
    """The board fragment for `view` as kept, with the viewer's `etag`; None if not kept."""
    with _renders_lock:
        renders = _renders()
        html = renders.get(view)
        if html is None:
            return None
        renders.move_to_end(view)
    return Markup(html.replace(ETAG_SLOT, etag))  # noqa: S704 - rendered by Jinja


def _renders() -> OrderedDict[tuple, str]:
    return current_app.extensions.setdefault("board_renders", OrderedDict())


def _fresh(response, etag: str | None):
    if etag is not None:
        response.set_etag(etag)
        response.cache_control.private = True
        response.cache_control.no_cache = True  # asked again each time, answered 304
    return response


def _member_in(board: queries.Board, member_id: int) -> Member:
    member = next((m for m in board.members if m.id == member_id), None)
    if member is None:
        abort(404)
    if not can(current_user, "register_position", member):
        abort(403)
    return member


@bp.route("/rounds/<int:id>/members/<int:member_id>/position", methods=["GET", "POST"])
def position(id: int, member_id: int):
    if request.method == "GET":
        board = _board_or_404(id)
        member = _member_in(board, member_id)
        return render_template("proposals/position.html", board=board,
                               panel=_panel(board, member))
    # One pass: the round and the member, the service, one answer. The board is
    # built only for what the answer shows of it.
    round_, member = _round_and_member(id, member_id)
    form = _position_form(round_, formdata=request.form)
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            saved = services.register_position(current_user, round_, member,
                                               kind=PositionKind(form.kind.data),
                                               comment=form.comment.data or "")
            return _after_position(round_, member, saved)
    return _position_failed(_board_or_404(id), member, form)


def _round_and_member(id: int, member_id: int) -> tuple[Round, Member]:
    """The round and one of its members, as `_board_or_404` and `_member_in` check
    them (404, then 403), without the board."""
    round_, member = queries.round_and_member(id, member_id)
    _viewable(round_)
    if member is None:
        abort(404)
    if not can(current_user, "register_position", member):
        abort(403)
    return round_, member


@dataclass
class _Saved:
    """What the position panel shows of the round after a save, when the page shows
    no board: the round, its state and the saved position."""

    round: Round
    state: RoundState
    positions: dict[int, Position]


def _saved_view(round_: Round, position: Position) -> _Saved:
    moment = now()
    # The save recorded the outcome of a round it closed, and a round before its
    # deadline is not closed otherwise: only a round past it is evaluated again.
    state = OPEN if round_.outcome is None and round_.deadline > moment else \
        queries.states_of([round_], moment)[round_.id]
    return _Saved(round_, state, {position.member_id: position})


def _posted_from_round_page() -> bool:
    """The panel's forms say which page they are on (a hidden field), so that an htmx
    answer swaps out of band only what that page shows."""
    return request.form.get("on") == "round"


@bp.route("/rounds/<int:id>/members/<int:member_id>/confirm", methods=["POST"])
def confirm(id: int, member_id: int):
    board = _board_or_404(id)
    member = _member_in(board, member_id)
    form = _position_form(board.round, board.positions.get(member.id))
    if not ActionForm().validate_on_submit():
        abort(400)
    with lifecycle.refusal(form):
        services.confirm_previous_position(current_user, board.round, member)
        return _after_position(board.round, member)
    return _position_failed(board, member, form)


def _after_position(round_: Round, member: Member, saved: Position | None = None):
    round_id = round_.id
    if wants_fragment():
        on_round_page = _posted_from_round_page()
        board = queries.board(round_id, now()) if on_round_page or saved is None \
            else _saved_view(round_, saved)
        history = _newest_history(round_id) if on_round_page else {}
        return render_template("proposals/_position_saved.html", board=board, **history,
                               etag=_board_etag(round_id) if on_round_page else None,
                               panel=_panel(board, member, saved=True,
                                            on_round_page=on_round_page))
    flash(_("The position of %(member)s is registered.", member=member.name), "success")
    return see_other("proposals.round", id=round_id)


def _position_failed(board: queries.Board, member: Member, form: PositionForm):
    panel = _panel(board, member, form=form, on_round_page=_posted_from_round_page())
    if wants_fragment():
        # htmx swaps 200 responses only; the errors are in the fragment.
        return render_template("proposals/_position_panel.html", board=board, panel=panel)
    return render_template("proposals/position.html", board=board, panel=panel), 422


def _objector_in(board: queries.Board, member_id: int) -> Member:
    member = next((m for m in board.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


def _write_to_objection(board: queries.Board, member: Member, form, write, done: str):
    """An answer or a reply in the member's objection thread: the round page on
    success; on a refusal the page again with what was typed and why."""
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            submissions.claim(current_user)
            write(current_user, board.round, member, form.text.data)
            flash(done, "success")
            return see_other("proposals.round", id=board.round.id)
    typed = {"text": form.text.data or "", "errors": [*form.text.errors, *form.form_errors]}
    if isinstance(form, ReplyForm):
        return _round_page(board, reply_typed=typed, status=422)
    return _round_page(board, {member.id: typed}, 422)


@bp.route("/rounds/<int:id>/members/<int:member_id>/answer", methods=["POST"])
@form_home(lambda id, member_id: url_for("proposals.round", id=id, _anchor=f"answer-{member_id}"))
def answer(id: int, member_id: int):
    board = _board_or_404(id)
    member = _objector_in(board, member_id)
    if not can(current_user, "answer_objection", board.round):
        abort(403)
    return _write_to_objection(board, member, AnswerForm(), services.answer_objection,
                               _("The answer is recorded."))


@bp.route("/rounds/<int:id>/members/<int:member_id>/reply", methods=["POST"])
@form_home(lambda id, member_id: url_for("proposals.round", id=id, _anchor=f"reply-{member_id}"))
def reply(id: int, member_id: int):
    board = _board_or_404(id)
    member = _objector_in(board, member_id)
    if not can(current_user, "reply_to_objection", member):
        abort(403)
    return _write_to_objection(board, member, ReplyForm(), services.reply_to_objection,
                               _("The reply is recorded."))
