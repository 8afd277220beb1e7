"""perf: the agenda items exempt from public access indexed by proposal, partially (only
the exempt ones), so that the public register counts its decisions as all decisions
minus those an exempt item handled, reading the few exempt items alone

Revision ID: perf0005
Revises: perf0004
Create Date: 2026-12-03 17:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'perf0005'
down_revision = 'perf0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_items_exempt_proposal', ['proposal_id'], unique=False,
                              sqlite_where=sa.text("exempt_basis != ''"),
                              postgresql_where=sa.text("exempt_basis != ''"))


def downgrade():
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index('ix_agenda_items_exempt_proposal')
