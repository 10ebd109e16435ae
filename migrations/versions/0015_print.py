"""print stations: browsers next to label printers at an event's desk

Revision ID: 0015_print
Revises: 0014

- print_stations: an event's stations, each with its label layout, an optional printer name and
  notes, and what it printed (last print, prints, reprints).
"""
from alembic import op
import sqlalchemy as sa

import eventsvc.core.types


revision = '0015_print'
down_revision = '0015_occupancy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'print_stations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('layout', sa.String(length=20), nullable=False),
        sa.Column('printer_name', sa.String(length=120), nullable=True),
        sa.Column('notes', sa.String(length=500), nullable=True),
        sa.Column('print_on_server', sa.Boolean(), nullable=False),
        sa.Column('created_at', eventsvc.core.types.UTCDateTime(), nullable=False),
        sa.Column('last_print_at', eventsvc.core.types.UTCDateTime(), nullable=True),
        sa.Column('print_count', sa.Integer(), nullable=False),
        sa.Column('reprint_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_print_stations_event_id_events'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_print_stations')),
        sa.UniqueConstraint('event_id', 'name', name=op.f('uq_print_stations_event_id_name')),
    )
    op.create_index(op.f('ix_print_stations_event_id'), 'print_stations', ['event_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_print_stations_event_id'), table_name='print_stations')
    op.drop_table('print_stations')
