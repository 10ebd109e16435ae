"""Bulk import of award recipients from a CSV or XLSX file: all rows or none.

Columns (English or Chinese headers; see ALIASES):
  organization, organization_local   recipient organization, matched by name (any case), local or
                                     short name (people.identity); created when not found. A known
                                     one gets the name in the other script it lacked (its Chinese
                                     name; or its Latin name, when only its Chinese name was
                                     known); a Chinese name that is not its own (it has another,
                                     or another organization has this one) refuses the row: an
                                     import never renames an organization silently
  person_email                       recipient person, a person of this event by e-mail
  person_name, person_name_local     recipient person created by name when there is no e-mail
  citation, citation_local
  presenter                          name, local name or e-mail of someone on the ceremony's stage
  order                              order of presentation (empty: after the last one)
Every row is checked before anything is written; any bad row rejects the whole file
with every bad row's line and reason.
"""

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from eventsvc.audit.service import record
from eventsvc.awards import service
from eventsvc.awards.models import Award, AwardProgram
from eventsvc.core.errors import ServiceError
from eventsvc.core.spreadsheets import ImportRejected, RowError, read_rows
from eventsvc.events.models import AgendaItem
from eventsvc.extensions import db
from eventsvc.people import identity
from eventsvc.people.models import Person

ALIASES = {
    "机构": "organization", "单位": "organization", "获奖单位": "organization", "organisation": "organization",
    "organization_name": "organization", "机构中文名": "organization_local", "单位中文名": "organization_local",
    "email": "person_email", "e_mail": "person_email", "邮箱": "person_email",
    "name": "person_name", "姓名": "person_name_local", "person": "person_name",
    "颁奖词": "citation_local", "citation_zh": "citation_local",
    "颁奖人": "presenter", "颁奖嘉宾": "presenter",
    "position": "order", "顺序": "order", "序号": "order",
}
KNOWN = {"organization", "organization_local", "person_email", "person_name", "person_name_local",
         "citation", "citation_local", "presenter", "order"}
MAX_ROWS = 5000


def import_awards(program: AwardProgram, filename: str, data: bytes, *, agenda_item_id: int | None,
                  issue_date: date | None) -> list[Award]:
    """Create one award per row, numbered in file order; raise ImportRejected listing every bad row."""
    if issue_date is None:
        raise ServiceError("issue_date_required", _("Give the issue date."), field="issue_date")
    item = None
    if agenda_item_id is not None:
        item = db.session.get(AgendaItem, agenda_item_id)
        if item is None or item.event_id != program.event_id:
            raise ServiceError("unknown_session", _("Choose a session of this event."), field="agenda_item_id")
    rows = read_rows(filename, data, aliases=ALIASES)
    if not rows:
        raise ServiceError("no_rows", _("The file has a header but no rows."), field="file")
    if len(rows) > MAX_ROWS:
        raise ServiceError("too_many_rows", ngettext("Import at most %(n)d row at once.",
                                                           "Import at most %(n)d rows at once.", MAX_ROWS, n=MAX_ROWS), field="file")
    if not any(k in KNOWN for row in rows for k in row.values):
        raise ServiceError("no_known_columns",
                           _("No known column found; the first line must name the columns, e.g. organization."),
                           field="file")

    lookup = _Lookup(program.event_id, item)
    errors: list[RowError] = []
    planned = []
    seen_orgs: dict[str, int] = {}
    seen_locals: dict[int, tuple[str, int]] = {}  # organization id: (Chinese name, line)
    for row in rows:
        v = row.values
        row_errors = []
        org_name = v.get("organization") or ""
        org_local = v.get("organization_local") or ""
        email, person_name = (v.get("person_email") or "").lower(), v.get("person_name") or ""
        person_local = v.get("person_name_local") or ""
        if not (org_name or org_local or email or person_name or person_local):
            row_errors.append(RowError(row.line, "organization", _("Give the recipient organization or person.")))
        if (org_name or org_local) and (len(org_name) > 300 or len(org_local) > 300):
            row_errors.append(RowError(row.line, "organization", _("Keep names under 300 characters.")))
        elif org_local and (clash := identity.local_name_clash(program.event, org_name, org_local)):
            row_errors.append(RowError(row.line, "organization_local", _clash_message(clash)))
        elif (org_name or org_local) and (known := identity.find_organization(
                program.event, org_name, org_local)) is None:
            key = (org_name or org_local).lower()
            if key in seen_orgs:
                row_errors.append(RowError(row.line, "organization", _(
                    "The same new organization is already on line %(line)d.", line=seen_orgs[key])))
            seen_orgs[key] = row.line
        elif org_local and not known.name_local:  # one Chinese name for it from the whole file
            first_local, first_line = seen_locals.setdefault(known.id, (org_local, row.line))
            if first_local != org_local:
                row_errors.append(RowError(row.line, "organization_local", _(
                    "Line %(line)d gives this organization another Chinese name, “%(local)s”.",
                    line=first_line, local=first_local)))
        person = None
        if email:
            person = lookup.person_by_email(email)
            if person is None:
                row_errors.append(RowError(row.line, "person_email", _("No person has this e-mail address.")))
        elif (person_name or person_local) and (len(person_name) > 200 or len(person_local) > 200):
            row_errors.append(RowError(row.line, "person_name", _("Keep names under 200 characters.")))
        presenter = None
        if v.get("presenter"):
            if item is None:
                row_errors.append(RowError(row.line, "presenter",
                                           _("Choose the ceremony session to name presenters.")))
            else:
                presenter = lookup.presenter(v["presenter"])
                if presenter is None:
                    row_errors.append(RowError(row.line, "presenter", _(
                        "“%(name)s” has no role in the ceremony session.", name=v["presenter"])))
        order = None
        if v.get("order"):
            try:
                order = int(float(v["order"]))
                if not 0 <= order <= 100000:
                    raise ValueError
            except ValueError:
                row_errors.append(RowError(row.line, "order", _("The order is a whole number from 0 to 100000.")))
        errors.extend(row_errors)
        planned.append((row, person, presenter, order))
    if errors:
        raise ImportRejected(errors)

    # found by name, Chinese or short name, or created once; a Chinese name they lack is filled in
    named = [(r.values.get("organization"), r.values.get("organization_local")) for r, *_ in planned
             if r.values.get("organization") or r.values.get("organization_local")]
    organizations = iter(identity.find_or_create_organizations(program.event, named))
    awards = []
    for row, person, presenter, order in planned:
        v = row.values
        org = next(organizations) if (v.get("organization") or v.get("organization_local")) else None
        if person is None and (v.get("person_name") or v.get("person_name_local")):
            person = identity.add_person(program.event, identity.PersonDetails(
                name=v.get("person_name") or v.get("person_name_local"), name_local=v.get("person_name_local"),
                organization=v.get("organization") or "", organization_local=v.get("organization_local")))
        awards.append(service.create_award(program, service.AwardData(
            recipient_organization_id=org.id if org else None,
            recipient_person_id=person.id if person else None,
            citation=v.get("citation"), citation_local=v.get("citation_local"),
            presenter_id=presenter.id if presenter else None, agenda_item_id=agenda_item_id,
            position=order, issue_date=issue_date), audit=False))
    record("award.imported", event_id=program.event_id, obj=program, rows=len(awards), file=filename)
    return awards


def _clash_message(clash: identity.LocalNameClash) -> str:
    if clash.owner is not None:
        return _("“%(local)s” is the Chinese name of another organization of this event, %(other)s; correct "
                 "the file, or the organizations first.", local=clash.given, other=clash.owner.name)
    return _("%(name)s is called “%(stored)s” in Chinese at this event, not “%(given)s”; correct the file, "
             "or the organization’s Chinese name first.", name=clash.organization.name,
             stored=clash.organization.name_local, given=clash.given)


class _Lookup:
    """People and presenters the rows refer to: the event's own."""

    def __init__(self, event_id: int, item: AgendaItem | None):
        self.event_id = event_id
        self.stage = [p.person for p in item.participations] if item else []

    def person_by_email(self, email: str) -> Person | None:
        return db.session.scalar(select(Person).where(Person.event_id == self.event_id,
                                                      func.lower(Person.email) == email))

    def presenter(self, text: str) -> Person | None:
        text = text.strip().lower()
        for person in self.stage:
            if text in {(person.name or "").lower(), (person.name_local or "").lower(),
                        (person.email or "").lower()}:
                return person
        return None
