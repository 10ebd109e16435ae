"""accounts: event creators (a site-level permission) and one-time links to set a password

Revision ID: 0005
Revises: 0003

``users.can_create_events``: only administrators and event creators may create events.
Accounts that organize an event today become event creators, so that no organizer loses
what they could do before; door staff and accounts without a role do not.
``password_links``: the hashed one-time links that invited team members set a password with.
Downgrade drops both (who was a creator is forgotten).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, never a batch rebuild of ``users``: on SQLite the rebuild drops the
    # table, and ON DELETE CASCADE (foreign keys are on) would take every role and token with it.
    op.add_column('users', sa.Column('can_create_events', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('can_create_events', sa.Boolean))
    roles = sa.table('event_roles', sa.column('user_id', sa.Integer), sa.column('role', sa.String))
    organizers = sa.select(roles.c.user_id).where(roles.c.role == 'organizer')
    op.get_bind().execute(users.update().where(users.c.id.in_(organizers)).values(can_create_events=True))

    op.create_table('password_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_links_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_links_token_hash'))
    )
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_links_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_links_user_id'))
    op.drop_table('password_links')
    op.drop_column('users', 'can_create_events')  # plain ALTER TABLE (SQLite 3.35+), as in upgrade
