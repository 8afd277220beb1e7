"""Pages that list many things run a fixed number of SQL queries, whatever the data size."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.proposals import queries, services
from decisions.proposals.models import PositionKind, Procedure, Proposal, ProposalStatus
from decisions.proposals.rules import evaluate, evaluate_counts
from decisions.register.models import Decision
from tests.counting import counting_queries

KINDS = [PositionKind.SUPPORT, PositionKind.RESERVATION, PositionKind.STAND_ASIDE]




def queries_for(app, client, url: str, **kw) -> int:
    # A fresh app context gives the request its own session and `g`, as in production:
    # nothing the test loaded (or an earlier request cached) stands in for a query.
    with app.app_context(), counting_queries() as statements:
        response = client.get(url, **kw)
    assert response.status_code == 200, response.text[:500]
    return len(statements)


def busy_round(make, secretariat, count: int):
    """A round of `count` members where every tenth answered and one objects with an answer."""
    members = make.members(count)
    round_ = make.round_(secretariat, members)
    for i, member in enumerate(members[1::10]):
        make.position(secretariat, round_, member, KINDS[i % len(KINDS)])
    objector = members[0]
    make.position(secretariat, round_, objector, PositionKind.OBJECT,
                  comment="Kostnadene er ikke utredet.")
    services.answer_objection(secretariat, round_, objector, "Utredningen kommer i mars.")
    db.session.commit()
    return round_, members


def test_board_page_and_fragment_cost_the_same_queries_for_64_and_640_members(
        app, client, make):
    secretariat = make.user(Role.SECRETARIAT)
    small, _ = busy_round(make, secretariat, 64)
    large, _ = busy_round(make, secretariat, 640)
    make.login(client, secretariat)

    rounds = {"small": small.id, "large": large.id}

    page = {k: queries_for(app, client, f"/rounds/{id_}") for k, id_ in rounds.items()}
    fragment = {k: queries_for(app, client, f"/rounds/{id_}/board",
                               headers={"HX-Request": "true"}) for k, id_ in rounds.items()}

    assert page["small"] == page["large"]
    assert fragment["small"] == fragment["large"]


def test_board_page_seen_by_a_representative_costs_the_same_for_64_and_640_members(
        app, client, make):
    secretariat = make.user(Role.SECRETARIAT)
    small, small_members = busy_round(make, secretariat, 64)
    large, large_members = busy_round(make, secretariat, 640)
    # The same representative cannot belong to both rounds; one of each, same situation.
    seen_by = {small.id: make.representative(small_members[1]),
               large.id: make.representative(large_members[1])}

    counts = []
    for round_id, rep in seen_by.items():
        make.login(client, rep)
        counts.append(queries_for(app, client, f"/rounds/{round_id}"))
        client.post("/logout")

    assert counts[0] == counts[1]


def decided_proposals(make, secretariat, count: int) -> None:
    """`count` proposals, each decided in a round of one member that consented."""
    for i in range(count):
        member = make.member()
        proposal = make.proposal(secretariat, title=f"Sak nummer {i}")
        round_ = make.round_(secretariat, [member], proposal_=proposal)
        make.position(secretariat, round_, member, PositionKind.SUPPORT)


def mixed_proposals(make, secretariat, count: int) -> None:
    """`count` proposals: drafts, open rounds and decided ones, in turn."""
    member = make.member()
    for i in range(count):
        proposal = make.proposal(secretariat, title=f"Forslag {i}")
        if i % 3 == 0:
            continue
        round_ = make.round_(secretariat, [member], proposal_=proposal)
        if i % 3 == 2:
            make.position(secretariat, round_, member, PositionKind.SUPPORT)


def test_proposal_list_costs_the_same_queries_for_3_and_30_proposals(app, client, make):
    secretariat = make.user(Role.SECRETARIAT)
    make.login(client, secretariat)
    db.session.commit()  # the login read the user: do not keep that snapshot open
    mixed_proposals(make, secretariat, 3)
    few = queries_for(app, client, "/proposals/")

    mixed_proposals(make, secretariat, 27)
    many = queries_for(app, client, "/proposals/")

    statuses = db.session.scalars(select(Proposal.status)).all()
    assert len(statuses) == 30 and set(statuses) == {
        ProposalStatus.DRAFT, ProposalStatus.CIRCULATED, ProposalStatus.DECIDED}
    assert few == many


def test_decision_register_costs_the_same_queries_for_3_and_30_decisions(app, client, make):
    secretariat = make.user(Role.SECRETARIAT)
    make.login(client, secretariat)
    db.session.commit()  # the login read the user: do not keep that snapshot open
    decided_proposals(make, secretariat, 3)
    few = queries_for(app, client, "/decisions/")

    decided_proposals(make, secretariat, 27)
    many = queries_for(app, client, "/decisions/")

    assert db.session.scalar(select(func.count()).select_from(Decision)) == 30
    assert few == many


def position_post_statements(app, client, round_id: int, member_id: int, **kw) -> list[str]:
    data = {"kind": PositionKind.SUPPORT.value, "comment": "", **kw.pop("data", {})}
    with app.app_context(), counting_queries() as statements:
        response = client.post(f"/rounds/{round_id}/members/{member_id}/position",
                               data=data, **kw)
    assert response.status_code in (200, 303), response.text[:500]
    return statements


def test_a_position_post_is_one_pass_of_half_the_statements_it_took(app, client, make):
    """Load the round and the member, register, answer once: not the whole board built
    to authorize and again to answer, nor the round evaluated twice. Before, on
    SQLite: 28 statements answered with a redirect, 34 with the panel, 37 with the
    round page's board (built twice)."""
    secretariat = make.user(Role.SECRETARIAT)
    round_, members = busy_round(make, secretariat, 64)
    representative = make.representative(members[2])
    make.login(client, representative)
    db.session.commit()
    htmx = {"HX-Request": "true"}

    plain = position_post_statements(app, client, round_.id, members[2].id)
    panel = position_post_statements(
        app, client, round_.id, members[2].id, headers=htmx,
        data={"kind": PositionKind.RESERVATION.value, "comment": "Budsjettet må avklares."})
    round_page = position_post_statements(
        app, client, round_.id, members[2].id, headers=htmx,
        data={"kind": PositionKind.SUPPORT.value, "on": "round"})

    counts = (len(plain), len(panel), len(round_page))
    print("position POST statements (redirect, panel, round page):", counts)
    assert counts[0] <= 28 // 2, plain
    assert counts[1] <= 34 // 2, panel
    assert counts[2] <= 37 - 12, round_page  # the board and its history, built once
    # Since the objection threads load with their entries and the history with its
    # names, each in one query (SQLite; PostgreSQL one fewer, no BEGIN IMMEDIATE); the
    # round page's history is its newest changes and a COUNT of all (one more statement):
    assert all(c <= cap for c, cap in zip(counts, (13, 15, 22), strict=True)), counts


def test_round_states_counted_in_sql_are_the_states_the_rules_give_from_the_answers(
        app, make):
    """The lists tell a running round's state from counts in SQL (answer_counts); at
    any moment, before or after the deadline, they agree with the rules applied to
    the members' answers themselves."""
    secretariat = make.user(Role.SECRETARIAT)
    members = make.members(12)
    rounds = []
    for procedure, quorum, kinds in [
        (Procedure.CONSENT, None, []),
        (Procedure.CONSENT, None, [PositionKind.SUPPORT, PositionKind.STAND_ASIDE]),
        (Procedure.CONSENT, 50, [PositionKind.SUPPORT] * 4),
        (Procedure.CONSENT, 50, [PositionKind.SUPPORT] * 7),
        (Procedure.CONSENT, None, [PositionKind.RESERVATION, PositionKind.OBJECT]),
        (Procedure.SILENCE, None, [PositionKind.SUPPORT]),
        (Procedure.SILENCE, None, [PositionKind.SUPPORT, PositionKind.AMENDMENT]),
    ]:
        round_ = make.round_(secretariat, members, procedure=procedure, quorum_percent=quorum)
        for member, kind in zip(members, kinds, strict=False):
            make.position(secretariat, round_, member, kind)
        rounds.append(round_)
    # Every member answered: consent closes early (whether the outcome is recorded is
    # not what this compares: the rules are asked as if it were not).
    almost = make.round_(secretariat, members)
    for member in members:
        make.position(secretariat, almost, member, PositionKind.SUPPORT)
    rounds.append(almost)
    db.session.expire_all()

    counts = queries.answer_counts(r.id for r in rounds)
    member_ids = queries.member_ids_for(r.id for r in rounds)
    answers = queries.answers_for(r.id for r in rounds)
    assert counts[rounds[4].id].blocking == 1 and counts[rounds[3].id].answered == 7
    for moment in (now(), rounds[0].deadline, rounds[0].deadline + timedelta(days=1)):
        for round_ in rounds:
            from_counts = evaluate_counts(round_.procedure, round_.quorum_percent,
                                          counts[round_.id], round_.deadline, moment)
            from_answers = evaluate(round_.procedure, round_.quorum_percent,
                                    member_ids[round_.id], answers[round_.id],
                                    round_.deadline, moment)
            assert from_counts == from_answers, (round_.procedure, moment)


def test_proposal_list_shows_the_states_of_rounds_of_6_and_60_members_in_the_same_queries(
        app, client, make):
    """A list does not read a round's members one by one: a round of 60 members costs
    what a round of 6 does, and both show their state."""
    secretariat = make.user(Role.SECRETARIAT)
    make.login(client, secretariat)
    db.session.commit()
    small = make.round_(secretariat, make.members(6))
    few = queries_for(app, client, "/proposals/")
    members = make.members(60)
    large = make.round_(secretariat, members)
    for member in members[:30]:
        make.position(secretariat, large, member, PositionKind.SUPPORT)
    many = queries_for(app, client, "/proposals/")
    page = client.get("/proposals/").text
    assert few == many
    assert page.count("state-open") == 2, (small.id, large.id)


def test_postgresql_plans_every_run_of_a_prepared_statement_for_its_values(app, make):
    """psycopg prepares what a connection runs five times; the server would then switch
    to a generic plan, one that knows no bound value, and the board's stamp walked the
    whole audit trail with it at national scale (0.4-0.7 s a poll). Twelve runs on one
    connection: prepared, and every plan made for its values (decisions/connections.py)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    secretariat = make.user(Role.SECRETARIAT)
    round_ = make.round_(secretariat, make.members(3))
    for _ in range(12):
        assert queries.board_stamp(round_.id, secretariat) is not None
    generic, custom = db.session.execute(text(
        "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) "
        "FROM pg_prepared_statements WHERE statement LIKE '%max(audit_entries.id)%'")).one()
    assert generic + custom >= 7, "the stamp was not prepared on the server"
    assert (generic, custom) == (0, generic + custom), "a generic plan was used"
