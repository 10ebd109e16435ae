"""privacy: several live guest links, one shared rate-limit counter, organization representatives

Revision ID: 0006
Revises: 0003

- guest_links: a guest's portal links, several live at once (an e-mail adds one instead of
  replacing the last). Links issued before stay where they are (invitations.token_hash,
  registrations.access_token_hash) and keep working until they expire.
- rate_limit_hits replaces award_verification_hits: one counter table for every limit
  (purpose + key + window). The old table held only the current minute's counts; they are
  not carried over.
- organization_representatives: the organization the organizer named a guest (a registration)
  a representative of; its certificates show in that guest's portal. A table of its own, so
  that no existing table is altered (on SQLite, dropping a column again would rebuild
  registrations, and the rebuild's DROP TABLE would cascade to its seats and check-ins).
Downgrade keeps each guest's newest link (in the old columns, where it keeps working); the
older links issued since stop working, and organization representatives are forgotten.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


links = sa.table('guest_links', sa.column('id', sa.Integer), sa.column('invitation_id', sa.Integer),
                 sa.column('registration_id', sa.Integer), sa.column('token_hash', sa.String),
                 sa.column('expires_at', sa.DateTime(timezone=True)))
#: (table, its link-owner column in guest_links, its own hash and expiry columns)
OWNERS = [('invitations', 'invitation_id', 'token_hash', 'token_expires_at'),
          ('registrations', 'registration_id', 'access_token_hash', 'access_token_expires_at')]


def keep_newest_links(conn) -> None:
    """Before guest_links goes: each owner's newest link into the owner's own columns."""
    for table, owner, hash_column, expiry_column in OWNERS:
        owners = sa.table(table, sa.column('id', sa.Integer), sa.column(hash_column, sa.String),
                          sa.column(expiry_column, sa.DateTime(timezone=True)))
        newest = {}
        for row in conn.execute(sa.select(links).where(links.c[owner].is_not(None)).order_by(links.c.id)):
            newest[row._mapping[owner]] = row
        for owner_id, row in newest.items():
            conn.execute(owners.update().where(owners.c.id == owner_id)
                         .values({hash_column: row.token_hash, expiry_column: row.expires_at}))


def upgrade():
    op.create_table('guest_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(invitation_id IS NULL) <> (registration_id IS NULL)', name=op.f('ck_guest_links_one_owner')),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_guest_links_invitation_id_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_guest_links_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_guest_links_token_hash'))
    )
    with op.batch_alter_table('guest_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guest_links_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guest_links_registration_id'), ['registration_id'], unique=False)

    op.create_table('rate_limit_hits',
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('purpose', 'key', 'window_start', name=op.f('pk_rate_limit_hits'))
    )
    op.drop_table('award_verification_hits')

    op.create_table('organization_representatives',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_representatives_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_organization_representatives_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_organization_representatives'))
    )
    with op.batch_alter_table('organization_representatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_representatives_organization_id'), ['organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('organization_representatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_representatives_organization_id'))
    op.drop_table('organization_representatives')

    op.create_table('award_verification_hits',
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('client', 'window_start', name=op.f('pk_award_verification_hits'))
    )
    op.drop_table('rate_limit_hits')

    keep_newest_links(op.get_bind())
    with op.batch_alter_table('guest_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guest_links_registration_id'))
        batch_op.drop_index(batch_op.f('ix_guest_links_invitation_id'))
    op.drop_table('guest_links')
