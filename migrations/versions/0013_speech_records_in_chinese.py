"""speakers: speech records' abstract and summary in Chinese

Revision ID: 0013
Revises: 0012

- speech_records.abstract_local / summary_local: the Chinese proceedings show them, falling back
  to the English text where they are empty.
People already have bio_local and photo_path (0001). Plain ADD/DROP COLUMN (as in 0005 and
0009: no batch rebuild of a table other rows refer to).
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('speech_records', sa.Column('abstract_local', sa.Text(), nullable=True))
    op.add_column('speech_records', sa.Column('summary_local', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('speech_records', 'summary_local')
    op.drop_column('speech_records', 'abstract_local')
