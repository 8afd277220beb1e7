"""A paper's main file: the public PDF of a decided proposal, the version decided with
its decision (the decision's number, date and procedure, the reservations and
stand-asides recorded with it). Rendered once, after the decision is stored, in bokmål
by the meetings' PDF machinery (PDF/A), stored with its SHA-256 and never rendered
again; only for a paper the interface publishes (no exempt item handled it)."""

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import contains_eager

from decisions.audit.services import record
from decisions.clock import now, oslo
from decisions.database import begin_writes
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings import pdf
from decisions.oparl import queries
from decisions.proposals.forms import PROCEDURE_LABELS
from decisions.proposals.labels import POSITION_LABELS
from decisions.proposals.models import Proposal
from decisions.register.models import Decision, DecisionDocument


def _due() -> Select:
    """The decisions of published papers that have no public PDF yet."""
    return (select(Decision.id)
            .where(Decision.proposal_id.in_(queries.public_papers()
                                            .with_only_columns(Proposal.id)),
                   ~exists(select(DecisionDocument.id)
                           .where(DecisionDocument.decision_id == Decision.id)))
            .order_by(Decision.id))


def decision_html(decision: Decision) -> str:
    app = current_app
    with force_locale(pdf.DOCUMENT_LANGUAGE):
        number = f"{decision.year}/{decision.number:03d}"
        adopted = format_date(oslo(decision.adopted_at).date(), "d. MMMM y")
        return render_template(
            "pdf/decision.html", decision=decision, proposal=decision.proposal,
            version=decision.round.version, number=number, adopted=adopted,
            procedure=PROCEDURE_LABELS[decision.procedure], positions=POSITION_LABELS,
            notes=sorted(decision.notes, key=lambda n: (n.kind.value, n.member.name)),
            title=f"Vedtak {number} – {decision.title}", alliance=app.config["ALLIANCE_NAME"],
            created=now().isoformat(timespec="seconds"),
            stylesheet=f"{pdf.ORIGIN}{app.static_url_path}/css/pdf.css",
            page_of_pages=pdf.page_of_pages_css())


def render(decision_id: int) -> DecisionDocument | None:
    """Renders the decision's public PDF with no transaction open and records it (the
    caller commits); None when it is not due (not published, or rendered already)."""
    if db.session.scalar(_due().where(Decision.id == decision_id)) is None:
        return None
    html = decision_html(db.session.get(Decision, decision_id))
    db.session.commit()  # only read so far: nothing is held while rendering
    data = pdf.write_pdf(html)
    key, digest = storage.save(data)
    begin_writes()
    storage.discard_unless_committed(db.session, [key])
    if db.session.scalar(_due().where(Decision.id == decision_id)) is None:
        return None  # rendered meanwhile by another worker: this file is discarded
    decision = db.session.get(Decision, decision_id)
    document = DecisionDocument(decision_id=decision_id, storage_key=key, sha256=digest,
                                size=len(data), created_at=now())
    db.session.add(document)
    db.session.flush()
    record(None, "decision.public_document_rendered", decision,
           after={"sha256": digest, "size": len(data)})
    return document


def render_for_round(round_id: int) -> None:
    """After a round adopted its proposal (run after the answer, in its own transaction)."""
    found = db.session.scalar(select(Decision.id).where(Decision.round_id == round_id))
    if found is not None:
        render(found)


def render_missing() -> list[DecisionDocument]:
    """Renders every published paper's missing PDF, each in its own transaction."""
    made = []
    for decision_id in list(db.session.scalars(_due())):
        document = render(decision_id)
        db.session.commit()
        if document is not None:
            made.append(document)
    return made


def documents_of(proposal_ids) -> dict[int, DecisionDocument]:
    ids = set(proposal_ids)
    if not ids:
        return {}
    return {proposal_id: doc for doc, proposal_id in db.session.execute(
        public_documents().add_columns(Decision.proposal_id)
        .where(Decision.proposal_id.in_(ids)))}


def public_documents() -> Select:
    """The PDFs of the papers the interface publishes."""
    return (select(DecisionDocument).join(DecisionDocument.decision)
            .options(contains_eager(DecisionDocument.decision))
            .where(Decision.proposal_id.in_(queries.public_papers()
                                            .with_only_columns(Proposal.id))))
