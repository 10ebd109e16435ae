"""JSON API of people and organizations, as routes for any owner of them.

``add_people_routes`` puts the same routes on a blueprint for one owner: events.people_api for an
event's people (/api/v1/events/<slug>/people), and ``blp`` here for the administrators' site-wide
directory (/api/v1/people). The caller says how a request finds its owner and who may read or
write: one permission check per route, before anything is read.
"""

from collections.abc import Callable

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsvc.accounts.api_auth import api_user
from eventsvc.extensions import db
from eventsvc.people import service
from eventsvc.people.models import Person
from eventsvc.people.schemas import (
    OrganizationPatchSchema,
    OrganizationSchema,
    PersonPatchSchema,
    PersonSchema,
    SearchArgs,
)

#: ``owner(**url_values)``: checks the caller, returns the event (or None for the directory)
Owner = Callable[..., object]


def add_people_routes(blp: Blueprint, *, reader: Owner, writer: Owner,
                      describe: Callable[[object, list[Person]], list[Person]] = lambda owner, people: people
                      ) -> None:
    """People and organizations routes on ``blp`` (and nothing else on it). ``reader``/``writer``
    check the caller and return the owner, before the request's input is read;
    ``describe(owner, people)`` may add what the pickers show (a category)."""

    @blp.before_request
    def _check_caller():
        check = reader if request.method in ("GET", "HEAD", "OPTIONS") else writer
        g.people_owner = check(**(request.view_args or {}))

    def _owner():
        return g.people_owner

    def _one(owner, person: Person) -> Person:
        return describe(owner, [person])[0]

    @blp.route("/people")
    class PeopleList(MethodView):
        @blp.arguments(SearchArgs, location="query")
        @blp.response(200, PersonSchema(many=True))
        def get(self, args, **url):
            """Search as you type: people matching a name, local name, organization or e-mail
            (without ``q``: the first ones by name)."""
            owner = _owner()
            return describe(owner, service.search_people(owner, args["q"], args["limit"]))

        @blp.arguments(PersonSchema)
        @blp.response(201, PersonSchema)
        def post(self, data, **url):
            """Create a person (``organization_name`` finds or creates the organization)."""
            owner = _owner()
            person = service.create_person(owner, data)
            db.session.commit()
            return _one(owner, db.session.scalar(select(Person).where(Person.id == person.id)
                                                 .options(selectinload(Person.organization))))

    @blp.route("/people/<int:person_id>")
    class PersonDetail(MethodView):
        @blp.response(200, PersonSchema)
        def get(self, person_id, **url):
            owner = _owner()
            return _one(owner, service.person_of(owner, person_id))

        @blp.arguments(PersonPatchSchema(partial=True))
        @blp.response(200, PersonSchema)
        def patch(self, data, person_id, **url):
            owner = _owner()
            person = service.update_person(service.person_of(owner, person_id), data)
            db.session.commit()
            return _one(owner, person)

        @blp.response(204)
        def delete(self, person_id, **url):
            """Delete a person; refused (409) while they gave speeches, are invited, registered or awarded."""
            owner = _owner()
            service.delete_person(service.person_of(owner, person_id))
            db.session.commit()

    @blp.route("/organizations")
    class OrganizationList(MethodView):
        @blp.arguments(SearchArgs, location="query")
        @blp.response(200, OrganizationSchema(many=True))
        def get(self, args, **url):
            """Search organizations by name, short name or local name (without ``q``: the first ones)."""
            return service.search_organizations(_owner(), args["q"], args["limit"])

        @blp.arguments(OrganizationSchema)
        @blp.response(201, OrganizationSchema)
        def post(self, data, **url):
            org = service.create_organization(_owner(), data)
            db.session.commit()
            return org

    @blp.route("/organizations/<int:org_id>")
    class OrganizationDetail(MethodView):
        @blp.response(200, OrganizationSchema)
        def get(self, org_id, **url):
            return service.organization_of(_owner(), org_id)

        @blp.arguments(OrganizationPatchSchema(partial=True))
        @blp.response(200, OrganizationSchema)
        def patch(self, data, org_id, **url):
            org = service.update_organization(service.organization_of(_owner(), org_id), data)
            db.session.commit()
            return org

        @blp.response(204)
        def delete(self, org_id, **url):
            service.delete_organization(service.organization_of(_owner(), org_id))
            db.session.commit()


    for view in (PeopleList, PersonDetail, OrganizationList, OrganizationDetail):
        for name in ("get", "post", "patch", "delete"):
            if hasattr(view, name):  # for the API's "who may call it" check: decided by reader / writer
                getattr(view, name).api_access = "the owner's reader (reads) or writer (changes), before input"


def _administrator(**_url) -> None:
    """The directory's owner (None), for administrators only (403 for anyone else)."""
    service.require_administrator(api_user())
    return None


blp = Blueprint("people_api", __name__, url_prefix="/api/v1",
                description="The site-wide directory of people and organizations (administrators only; "
                            "an event's own are under /api/v1/events/{slug})")
add_people_routes(blp, reader=_administrator, writer=_administrator)
