"""accounts: session versions; login failures counted by the shared rate-limit table

Revision ID: 0007
Revises: 0006

- users.session_version: part of every session and remember-me cookie; signing out and a new
  password raise it, so every cookie issued before stops working. Existing sessions (whose
  cookies hold only the user id) end with this upgrade: everyone signs in again.
- login_failures goes: the per-client login limit is now one atomic upsert in
  rate_limit_hits (purpose "login_client"), and the per-account delay lives on users
  (failed_logins, locked_until). Its rows (recent failures) are not carried over.
Downgrade brings back an empty login_failures and drops the column (plain ALTER TABLE, as
in 0005: a batch rebuild of users would cascade to its roles and tokens on SQLite).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('session_version', sa.Integer(), server_default=sa.text('1'),
                                     nullable=False))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_address'))
    op.drop_table('login_failures')


def downgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
    op.drop_column('users', 'session_version')
