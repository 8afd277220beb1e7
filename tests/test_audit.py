"""The audit trail: written with every change, readable and filterable by the secretariat."""

from sqlalchemy import select

from decisions.audit.labels import ACTS, OBJECT_TYPES
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from tests.factories import login
from tests.world import demo_data


def _demo_secretariat():
    from decisions.accounts.models import User

    demo_data()
    db.session.commit()
    return db.session.scalar(select(User).where(User.email == "sekretariat@samraad.test"))


def test_every_act_and_object_type_in_the_demo_trail_has_a_readable_name(app):
    _demo_secretariat()

    acts = set(db.session.scalars(select(AuditEntry.act).distinct()))
    types = set(db.session.scalars(select(AuditEntry.object_type).distinct()))

    assert acts and acts <= set(ACTS), acts - set(ACTS)
    assert types <= set(OBJECT_TYPES), types - set(OBJECT_TYPES)


def test_the_secretariat_filters_the_trail_by_act_and_reads_it_in_words(app, client):
    sec = _demo_secretariat()
    login(client, sec, "samraad-demo-2026")

    page = client.get("/audit/?act=objection.answered", headers={"Accept-Language": "en"})

    assert page.status_code == 200
    assert page.text.count("<td>Objection answered</td>") == 1
    assert "<td>Position registered</td>" not in page.text
    assert "objection.answered</td>" not in page.text
