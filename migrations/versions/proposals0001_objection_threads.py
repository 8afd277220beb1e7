"""objection threads: an objection's answers and replies across the proposal's rounds

Replaces objection_answers (one round's answers) with objection_threads (a member's
objection to a proposal, open until withdrawn) and objection_entries (answers and
replies). Existing objections and answers are carried over: threads are rebuilt from
the position history, each answer becomes an entry with the same id (notifications
name answers by id).

Revision ID: proposals0001
Revises: 8c2d3e4f5a61
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import decisions.database


# revision identifiers, used by Alembic.
revision = 'proposals0001'
down_revision = 'meetings0001'
branch_labels = None
depends_on = None

BLOCKING = ('object', 'amendment')


def upgrade():
    op.create_table('objection_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('opened_round_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', decisions.database.UTCDateTime(), nullable=False),
    sa.Column('closed_round_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', decisions.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['closed_round_id'], ['rounds.id'], name=op.f('fk_objection_threads_closed_round_id_rounds')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_objection_threads_member_id_members')),
    sa.ForeignKeyConstraint(['opened_round_id'], ['rounds.id'], name=op.f('fk_objection_threads_opened_round_id_rounds')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_objection_threads_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_threads'))
    )
    with op.batch_alter_table('objection_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_threads_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_threads_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index('uq_objection_threads_open', ['proposal_id', 'member_id'], unique=True, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))

    op.create_table('objection_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('answer', 'reply', name='objection_entry_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('at', decisions.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_objection_entries_author_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_objection_entries_round_id_rounds')),
    sa.ForeignKeyConstraint(['thread_id'], ['objection_threads.id'], name=op.f('fk_objection_entries_thread_id_objection_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_entries'))
    )
    with op.batch_alter_table('objection_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_entries_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_entries_thread_id'), ['thread_id'], unique=False)

    _carry_over()

    with op.batch_alter_table('objection_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_answers_round_id'))
    op.drop_table('objection_answers')


def _carry_over():
    """Threads from the position history (an objection opens one, a later non-blocking
    position closes it), then every answer into the thread its round belongs to."""
    conn = op.get_bind()
    threads = sa.table('objection_threads', sa.column('id', sa.Integer),
                       sa.column('proposal_id', sa.Integer), sa.column('member_id', sa.Integer),
                       sa.column('opened_round_id', sa.Integer), sa.column('opened_at'),
                       sa.column('closed_round_id', sa.Integer), sa.column('closed_at'))
    entries = sa.table('objection_entries', sa.column('id', sa.Integer),
                       sa.column('thread_id', sa.Integer), sa.column('round_id', sa.Integer),
                       sa.column('kind', sa.String), sa.column('text', sa.Text),
                       sa.column('author_id', sa.Integer), sa.column('at'))
    made: dict[tuple[int, int], list[dict]] = {}  # (proposal, member) -> its threads
    changes = conn.execute(sa.text(
        "SELECT r.proposal_id, c.member_id, c.round_id, c.kind, c.at "
        "FROM position_changes c JOIN rounds r ON r.id = c.round_id ORDER BY c.id"))
    for proposal_id, member_id, round_id, kind, at in changes:
        own = made.setdefault((proposal_id, member_id), [])
        open_ = own[-1] if own and own[-1]['closed_at'] is None else None
        if kind in BLOCKING and open_ is None:
            own.append({'id': None, 'proposal_id': proposal_id, 'member_id': member_id,
                        'opened_round_id': round_id, 'opened_at': at,
                        'closed_round_id': None, 'closed_at': None})
        elif kind not in BLOCKING and open_ is not None:
            open_['closed_round_id'], open_['closed_at'] = round_id, at
    answers = conn.execute(sa.text(
        "SELECT a.id, r.proposal_id, a.member_id, a.round_id, a.text, a.author_id, a.at "
        "FROM objection_answers a JOIN rounds r ON r.id = a.round_id ORDER BY a.id")).all()
    placed = []
    for answer_id, proposal_id, member_id, round_id, text, author_id, at in answers:
        own = made.setdefault((proposal_id, member_id), [])
        earlier = [t for t in own if t['opened_round_id'] <= round_id]
        if earlier:
            thread = earlier[-1]
        else:  # an answer with no objection on record: keep it in a closed thread
            thread = {'id': None, 'proposal_id': proposal_id, 'member_id': member_id,
                      'opened_round_id': round_id, 'opened_at': at,
                      'closed_round_id': round_id, 'closed_at': at}
            own.insert(0, thread)
        placed.append((thread, {'id': answer_id, 'round_id': round_id, 'kind': 'answer',
                                'text': text, 'author_id': author_id, 'at': at}))
    for own in made.values():
        for thread in own:
            values = {k: v for k, v in thread.items() if k != 'id'}
            thread['id'] = conn.execute(
                threads.insert().values(**values).returning(threads.c.id)).scalar_one()
    for thread, entry in placed:
        conn.execute(entries.insert().values(thread_id=thread['id'], **entry))
    if placed and conn.dialect.name == 'postgresql':
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('objection_entries', 'id'), "
                             "(SELECT max(id) FROM objection_entries))"))


def downgrade():
    op.create_table('objection_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('at', decisions.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_objection_answers_author_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_objection_answers_member_id_members')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_objection_answers_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_answers'))
    )
    with op.batch_alter_table('objection_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_answers_round_id'), ['round_id'], unique=False)
    # Answers go back; replies have no place in the old schema and are lost.
    op.execute("INSERT INTO objection_answers (id, round_id, member_id, text, author_id, at) "
               "SELECT e.id, e.round_id, t.member_id, e.text, e.author_id, e.at "
               "FROM objection_entries e JOIN objection_threads t ON t.id = e.thread_id "
               "WHERE e.kind = 'answer'")
    with op.batch_alter_table('objection_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_entries_thread_id'))
        batch_op.drop_index(batch_op.f('ix_objection_entries_round_id'))
    op.drop_table('objection_entries')
    with op.batch_alter_table('objection_threads', schema=None) as batch_op:
        batch_op.drop_index('uq_objection_threads_open', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_objection_threads_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_objection_threads_member_id'))
    op.drop_table('objection_threads')
