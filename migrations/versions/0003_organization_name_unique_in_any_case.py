"""people: one organization per name whatever its case (existing duplicates merged into the oldest)

Revision ID: 0003
Revises: 0002

Two organizations whose names differ only in case ("CQC Centre", "cqc centre") are merged
before the unique index is built: people, award programs and awards move to the oldest one,
which also takes a local name, short name or website it lacked. The exact-case unique
constraint of 0001 stays (dropping it would rebuild the table on SQLite).
Downgrade drops the index; merged organizations stay merged.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

organizations = sa.table('organizations', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('name_local', sa.String), sa.column('short_name', sa.String),
                         sa.column('website', sa.String))
#: every column that points at an organization
REFERENCES = [('people', 'organization_id'), ('award_programs', 'issuer_id'),
              ('awards', 'recipient_organization_id')]
FILLED_IN = ('name_local', 'short_name', 'website')


def merge_duplicates(conn) -> None:
    key = sa.func.lower(organizations.c.name)
    duplicated = conn.execute(sa.select(key).group_by(key).having(sa.func.count() > 1)).scalars().all()
    for name in duplicated:
        rows = conn.execute(sa.select(organizations).where(key == name).order_by(organizations.c.id)).all()
        keep, others = rows[0], rows[1:]
        filled = {column: next((getattr(r, column) for r in rows if getattr(r, column)), None)
                  for column in FILLED_IN if not getattr(keep, column)}
        for table, column in REFERENCES:
            referring = sa.table(table, sa.column(column, sa.Integer))
            conn.execute(referring.update().where(referring.c[column].in_([r.id for r in others]))
                         .values({column: keep.id}))
        conn.execute(organizations.delete().where(organizations.c.id.in_([r.id for r in others])))
        if any(filled.values()):
            conn.execute(organizations.update().where(organizations.c.id == keep.id)
                         .values({k: v for k, v in filled.items() if v}))


def upgrade():
    merge_duplicates(op.get_bind())
    op.create_index('uq_organizations_lower_name', 'organizations', [sa.text('lower(name)')], unique=True)


def downgrade():
    op.drop_index('uq_organizations_lower_name', table_name='organizations')
