"""occupancy: session doors that refuse entry when the room is full

Revision ID: 0015_occupancy
Revises: 0014

- agenda_items.refuse_when_full: the door answers "room_full" to an entry while the room is full.
- checkins.result may be 'room_full' (the CHECK constraint of the scan_result enum is rebuilt).
- ix_checkins_agenda_item: who is inside a session's room, and for how long, per session.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_occupancy'
down_revision = '0014'
branch_labels = None
depends_on = None

OLD = ('ok', 'already_checked_in', 'not_admitted', 'cancelled', 'revoked', 'wrong_event', 'invalid')
NEW = OLD + ('room_full',)


def _results(values):
    return "result IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _set_results(values):
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_checkins_scan_result'), type_='check')
        batch_op.create_check_constraint('scan_result', sa.text(_results(values)))


def upgrade():
    op.add_column('agenda_items', sa.Column('refuse_when_full', sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.create_index('ix_checkins_agenda_item', 'checkins', ['agenda_item_id'], unique=False)
    _set_results(NEW)


def downgrade():
    op.execute("DELETE FROM checkins WHERE result = 'room_full'")
    _set_results(OLD)
    op.drop_index('ix_checkins_agenda_item', table_name='checkins')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_column('refuse_when_full')
