"""queue: background jobs, periodic runs, worker heartbeats, outbox claims, event reminders

Revision ID: 0009
Revises: 0008

- background_jobs: a print job's (or certificate batch's, or import's) state, progress, result
  key and error, with the lease of the worker running it: any web server answers the poll,
  any worker finishes a job another one lost.
- periodic_runs: (task name, period start) claimed once, so a periodic task acts once per
  period however many beats and workers run.
- worker_heartbeats: each worker's last sign of life (readiness).
- outgoing_messages.claimed_until: a sender's lease on a message while it talks to the server.
- events.reminder_hours_before / reminder_sent_at: the pre-event reminder, sent once.
Plain ADD/DROP COLUMN on events and outgoing_messages (as in 0005 and 0007: a batch rebuild of
events would cascade on SQLite).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('periodic_runs',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hostname', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('name', 'period_start', name=op.f('pk_periodic_runs'))
    )
    op.create_table('worker_heartbeats',
    sa.Column('hostname', sa.String(length=200), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hostname', name=op.f('pk_worker_heartbeats'))
    )
    op.create_table('background_jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='job_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('result_key', sa.String(length=200), nullable=True),
    sa.Column('result_size', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_token', sa.String(length=32), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_background_jobs_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_background_jobs_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_jobs'))
    )
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_jobs_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_background_jobs_state_lease', ['state', 'lease_until'], unique=False)

    op.add_column('events', sa.Column('reminder_hours_before', sa.Integer(), nullable=True))
    op.add_column('events', sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('outgoing_messages', sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    op.drop_column('outgoing_messages', 'claimed_until')
    op.drop_column('events', 'reminder_sent_at')
    op.drop_column('events', 'reminder_hours_before')

    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_background_jobs_state_lease')
        batch_op.drop_index(batch_op.f('ix_background_jobs_event_id'))

    op.drop_table('background_jobs')
    op.drop_table('worker_heartbeats')
    op.drop_table('periodic_runs')
