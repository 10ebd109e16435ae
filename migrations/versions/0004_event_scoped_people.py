"""people: people and organizations belong to an event (or to the administrators' directory)

Revision ID: 0004
Revises: 0003

``people.event_id`` and ``organizations.event_id`` (events, ON DELETE CASCADE) are added; an
address is unique per event, a name per event whatever its case (the directory, event_id NULL,
counts as one more event). The rows move with what refers to them:

- a person invited to, registered at, on stage at, speaking at, awarded or presenting at one
  event becomes that event's; used by several events, the first (lowest id) keeps the row and
  every further event gets a copy, to which its own rows are re-pointed;
- an organization goes the same way, used by people (of the events found above, or of the
  directory), award programs (issuer) and awards (recipient);
- rows no event uses stay in the directory.
Nothing is deleted: the counts of invitations, registrations, awards and check-ins stay.

Downgrade merges the copies again (people by e-mail, organizations by name whatever its case,
into the oldest row) and brings back the site-wide unique constraints.
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

people = sa.table('people', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
                  sa.column('organization_id', sa.Integer), sa.column('email', sa.String))
organizations = sa.table('organizations', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
                         sa.column('name', sa.String), sa.column('name_local', sa.String),
                         sa.column('short_name', sa.String), sa.column('website', sa.String))
agenda_items = sa.table('agenda_items', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer))
award_programs = sa.table('award_programs', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
                          sa.column('issuer_id', sa.Integer))
awards = sa.table('awards', sa.column('program_id', sa.Integer), sa.column('recipient_person_id', sa.Integer),
                  sa.column('presenter_id', sa.Integer), sa.column('recipient_organization_id', sa.Integer))


def _table(name, *columns):
    return sa.table(name, *(sa.column(c, sa.Integer) for c in columns))


#: (table, column, how a row's event is found): 'event_id' on the row itself, 'agenda_item_id'
#: through the session, 'program_id' through the award program
PERSON_REFERENCES = [
    ('invitations', 'person_id', 'event_id'),
    ('registrations', 'person_id', 'event_id'),
    ('participations', 'person_id', 'agenda_item_id'),
    ('speech_records', 'speaker_id', 'agenda_item_id'),
    ('awards', 'recipient_person_id', 'program_id'),
    ('awards', 'presenter_id', 'program_id'),
]
ORGANIZATION_REFERENCES = [
    ('people', 'organization_id', 'event_id'),
    ('award_programs', 'issuer_id', 'event_id'),
    ('awards', 'recipient_organization_id', 'program_id'),
]
#: an event's rows of these tables, by the column that leads to the event
_OWNER_TABLES = {'agenda_item_id': agenda_items, 'program_id': award_programs}
CHUNK = 500


def _event_of(table, via):
    """The SQL expression of a row's event."""
    if via == 'event_id':
        return table.c.event_id
    owner = _OWNER_TABLES[via]
    return sa.select(owner.c.event_id).where(owner.c.id == table.c[via]).scalar_subquery()


def _in_scope(table, via, event_id):
    """Rows of ``table`` that belong to the event (NULL: the directory)."""
    if via == 'event_id':
        return table.c.event_id.is_(None) if event_id is None else table.c.event_id == event_id
    owner = _OWNER_TABLES[via]
    return table.c[via].in_(sa.select(owner.c.id).where(owner.c.event_id == event_id))


def _uses(conn, references):
    """{referred id: set of events using it} over the references (None: the directory)."""
    found = defaultdict(set)
    for name, column, via in references:
        table = _table(name, column, via)
        rows = conn.execute(sa.select(table.c[column], _event_of(table, via)).distinct()
                            .where(table.c[column].isnot(None)))
        for referred, event_id in rows:
            found[referred].add(event_id)
    return found


_reflected = {}


def _copy_row(conn, name, row_id, event_id):
    """A copy of the row (every column) for another event; returns its id."""
    if name not in _reflected:
        _reflected[name] = sa.Table(name, sa.MetaData(), autoload_with=conn)
    table = _reflected[name]
    row = conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().one()
    values = {k: v for k, v in row.items() if k != 'id'}
    values['event_id'] = event_id
    return conn.execute(table.insert().values(values)).inserted_primary_key[0]


def _set_event(conn, table, ids_by_event):
    for event_id, ids in ids_by_event.items():
        ids = sorted(ids)
        for start in range(0, len(ids), CHUNK):
            conn.execute(table.update().where(table.c.id.in_(ids[start:start + CHUNK])).values(event_id=event_id))


def _give_owners(conn, name, table, references):
    """The first event using a row takes it; every further one gets a copy with its rows re-pointed."""
    first = defaultdict(list)
    for row_id, events in sorted(_uses(conn, references).items()):
        scopes = sorted(e for e in events if e is not None) + ([None] if None in events else [])
        if scopes[0] is not None:
            first[scopes[0]].append(row_id)
        for event_id in scopes[1:]:
            copy_id = _copy_row(conn, name, row_id, event_id)
            for ref_name, column, via in references:
                ref = _table(ref_name, column, via)
                conn.execute(ref.update().where(ref.c[column] == row_id, _in_scope(ref, via, event_id))
                             .values({column: copy_id}))
    _set_event(conn, table, first)


def upgrade():
    # the exact-case and case-insensitive site-wide unique keys go (a guest of two events is two
    # rows); on SQLite the batch rebuilds the tables (migrations/env.py turns foreign keys off)
    op.drop_index('uq_organizations_lower_name', table_name='organizations')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_organizations_name', type_='unique')
        batch_op.create_foreign_key(batch_op.f('fk_organizations_event_id_events'), 'events', ['event_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_organizations_event_id'), ['event_id'], unique=False)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_people_email', type_='unique')
        batch_op.create_foreign_key(batch_op.f('fk_people_event_id_events'), 'events', ['event_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_people_event_id'), ['event_id'], unique=False)

    conn = op.get_bind()
    _reflected.clear()
    _give_owners(conn, 'people', people, PERSON_REFERENCES)
    # after the people: an organization goes with the people that name it, copies included
    _give_owners(conn, 'organizations', organizations, ORGANIZATION_REFERENCES)

    op.create_index('uq_organizations_event_lower_name', 'organizations',
                    [sa.text('coalesce(event_id, 0)'), sa.text('lower(name)')], unique=True)
    op.create_index('uq_people_event_email', 'people',
                    [sa.text('coalesce(event_id, 0)'), sa.text('lower(email)')], unique=True)


# --- downgrade --------------------------------------------------------------------------------

def _merge(conn, table, key, references, filled_in=()):
    """Rows sharing the key become the oldest of them; what refers to the others follows."""
    duplicated = conn.execute(sa.select(key).where(key.isnot(None)).group_by(key)
                              .having(sa.func.count() > 1)).scalars().all()
    for value in duplicated:
        rows = conn.execute(sa.select(table).where(key == value).order_by(table.c.id)).all()
        keep, others = rows[0], [r.id for r in rows[1:]]
        for ref_name, column, _via in references:
            ref = _table(ref_name, column)
            conn.execute(ref.update().where(ref.c[column].in_(others)).values({column: keep.id}))
        conn.execute(table.delete().where(table.c.id.in_(others)))
        filled = {c: next((getattr(r, c) for r in rows if getattr(r, c)), None)
                  for c in filled_in if not getattr(keep, c)}
        if any(filled.values()):
            conn.execute(table.update().where(table.c.id == keep.id)
                         .values({k: v for k, v in filled.items() if v}))


def downgrade():
    conn = op.get_bind()
    op.drop_index('uq_people_event_email', table_name='people')
    op.drop_index('uq_organizations_event_lower_name', table_name='organizations')
    _merge(conn, people, sa.func.lower(people.c.email), PERSON_REFERENCES)
    _merge(conn, organizations, sa.func.lower(organizations.c.name), ORGANIZATION_REFERENCES,
           ('name_local', 'short_name', 'website'))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_event_id'))
        batch_op.drop_constraint(batch_op.f('fk_people_event_id_events'), type_='foreignkey')
        batch_op.create_unique_constraint('uq_people_email', ['email'])
        batch_op.drop_column('event_id')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_event_id'))
        batch_op.drop_constraint(batch_op.f('fk_organizations_event_id_events'), type_='foreignkey')
        batch_op.create_unique_constraint('uq_organizations_name', ['name'])
        batch_op.drop_column('event_id')
    op.create_index('uq_organizations_lower_name', 'organizations', [sa.text('lower(name)')], unique=True)
