"""people: organizations compared by a stored, Unicode case-folded name key

Revision ID: 0008
Revises: 0006 (to be 0007 once accounts' migration is merged)

The unique index on lower(name) folded only ASCII on SQLite and followed the server's locale on
PostgreSQL, while the application compared names folded by Python: "Äpfel Corp" and "ÄPFEL CORP"
were one name to one and two to the other, and finding or creating such an organization failed
with a server error. organizations.name_key holds name.casefold() (eventsvc.people.models.name_key),
computed by the application, and the unique index is on (event, name_key).

Organizations of one event whose names differ only in non-ASCII case are merged into the oldest
first (people, award programs and awards move to it; it takes a local name, short name or website
it lacked), as 0003 did for ASCII case. The column is added with a server default of '' (SQLite
adds a NOT NULL column only with one, and dropping it again would rebuild the table); PostgreSQL
drops the default again. Downgrade restores the lower(name) index and drops the column; merged
organizations stay merged.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

organizations = sa.table('organizations', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
                         sa.column('name', sa.String), sa.column('name_key', sa.String),
                         sa.column('name_local', sa.String), sa.column('short_name', sa.String),
                         sa.column('website', sa.String))
#: every column that points at an organization
REFERENCES = [('people', 'organization_id'), ('award_programs', 'issuer_id'),
              ('awards', 'recipient_organization_id')]
FILLED_IN = ('name_local', 'short_name', 'website')


def fill_keys_and_merge(conn) -> None:
    groups: dict[tuple[int, str], list] = {}
    for row in conn.execute(sa.select(organizations).order_by(organizations.c.id)):
        groups.setdefault((row.event_id or 0, row.name.casefold()), []).append(row)
    for (_, key), rows in groups.items():
        keep, others = rows[0], rows[1:]
        values = {'name_key': key}
        values.update({column: next((getattr(r, column) for r in rows if getattr(r, column)), None)
                       for column in FILLED_IN if not getattr(keep, column)})
        if others:
            ids = [r.id for r in others]
            for table, column in REFERENCES:
                referring = sa.table(table, sa.column(column, sa.Integer))
                conn.execute(referring.update().where(referring.c[column].in_(ids)).values({column: keep.id}))
            conn.execute(organizations.delete().where(organizations.c.id.in_(ids)))
        conn.execute(organizations.update().where(organizations.c.id == keep.id)
                     .values({k: v for k, v in values.items() if v}))


def upgrade():
    op.add_column('organizations', sa.Column('name_key', sa.String(length=900), nullable=False,
                                             server_default=''))
    fill_keys_and_merge(op.get_bind())
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('organizations', 'name_key', server_default=None)
    op.drop_index('uq_organizations_event_lower_name', table_name='organizations')
    op.create_index('uq_organizations_event_name_key', 'organizations',
                    [sa.text('coalesce(event_id, 0)'), 'name_key'], unique=True)


def downgrade():
    op.drop_index('uq_organizations_event_name_key', table_name='organizations')
    op.create_index('uq_organizations_event_lower_name', 'organizations',
                    [sa.text('coalesce(event_id, 0)'), sa.text('lower(name)')], unique=True)
    op.drop_column('organizations', 'name_key')
