"""guests' e-mail: the organizer's wording, scheduled reminders, outbox keys

Revision ID: 0012
Revises: 0011

- mail_templates: an event's own subject and body of a kind of guest e-mail, per language.
- scheduled_reminders: "N hours (days) before the event" reminders, to confirmed guests or to
  invited guests who have not answered; each claimed once (sent_at). The single reminder 0009
  added on events (reminder_hours_before / reminder_sent_at) is copied here and its columns
  dropped: one mechanism.
- outgoing_messages.dedupe_key: unique, so that a reminder reaches a guest at most once.
Plain ADD/DROP COLUMN on events and outgoing_messages (as in 0009: a batch rebuild of events
would cascade on SQLite).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_mail_templates_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_mail_templates_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_templates')),
    sa.UniqueConstraint('event_id', 'kind', 'language', name=op.f('uq_mail_templates_event_id_kind_language'))
    )
    op.create_table('scheduled_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('confirmed', 'unanswered', name='reminder_audience', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('hours_before', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=True),
    sa.CheckConstraint('hours_before BETWEEN 1 AND 1440', name=op.f('ck_scheduled_reminders_hours_before_range')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_scheduled_reminders_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_reminders')),
    sa.UniqueConstraint('event_id', 'audience', 'hours_before', name=op.f('uq_scheduled_reminders_event_id_audience_hours_before'))
    )
    with op.batch_alter_table('scheduled_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_reminders_event_id'), ['event_id'], unique=False)

    op.add_column('outgoing_messages', sa.Column('dedupe_key', sa.String(length=120), nullable=True))
    op.create_index('ix_outgoing_messages_dedupe_key', 'outgoing_messages', ['dedupe_key'], unique=True)

    op.execute(
        "INSERT INTO scheduled_reminders (event_id, audience, hours_before, created_at, sent_at) "
        "SELECT id, 'confirmed', CASE WHEN reminder_hours_before > 1440 THEN 1440 "
        "WHEN reminder_hours_before < 1 THEN 1 ELSE reminder_hours_before END, "
        "COALESCE(reminder_sent_at, CURRENT_TIMESTAMP), reminder_sent_at "
        "FROM events WHERE reminder_hours_before IS NOT NULL")
    op.drop_column('events', 'reminder_sent_at')
    op.drop_column('events', 'reminder_hours_before')


def downgrade():
    op.add_column('events', sa.Column('reminder_hours_before', sa.Integer(), nullable=True))
    op.add_column('events', sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE events SET reminder_hours_before = (SELECT MIN(r.hours_before) FROM scheduled_reminders r "
        "WHERE r.event_id = events.id AND r.audience = 'confirmed'), "
        "reminder_sent_at = (SELECT MIN(r.sent_at) FROM scheduled_reminders r "
        "WHERE r.event_id = events.id AND r.audience = 'confirmed')")
    op.drop_index('ix_outgoing_messages_dedupe_key', table_name='outgoing_messages')
    op.drop_column('outgoing_messages', 'dedupe_key')
    with op.batch_alter_table('scheduled_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_reminders_event_id'))
    op.drop_table('scheduled_reminders')
    op.drop_table('mail_templates')
