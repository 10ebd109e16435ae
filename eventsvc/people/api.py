"""JSON API: people and organizations (shared by all events; organizers and administrators only)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsvc.accounts.api_auth import api_site_permission
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

blp = Blueprint("people_api", __name__, url_prefix="/api/v1", description="People and organizations")


@blp.route("/people")
class PeopleList(MethodView):
    @api_site_permission(service.may_edit_people)
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, PersonSchema(many=True))
    def get(self, args):
        """Search as you type: up to 10 people matching a name, local name or organization."""
        return service.search_people(args["q"])

    @api_site_permission(service.may_edit_people)
    @blp.arguments(PersonSchema)
    @blp.response(201, PersonSchema)
    def post(self, data):
        """Create a person (``organization_name`` finds or creates the organization)."""
        person = service.create_person(data)
        db.session.commit()
        return db.session.scalar(select(Person).where(Person.id == person.id)
                                 .options(selectinload(Person.organization)))


@blp.route("/people/<int:person_id>")
class PersonDetail(MethodView):
    @api_site_permission(service.may_edit_people)
    @blp.response(200, PersonSchema)
    def get(self, person_id):
        return service.person_by_id(person_id)

    @api_site_permission(service.may_edit_people)
    @blp.arguments(PersonPatchSchema(partial=True))
    @blp.response(200, PersonSchema)
    def patch(self, data, person_id):
        person = service.update_person(service.person_by_id(person_id), data)
        db.session.commit()
        return person

    @api_site_permission(service.may_edit_people)
    @blp.response(204)
    def delete(self, person_id):
        """Delete a person; refused (409) while they gave speeches, are invited, registered or awarded."""
        service.delete_person(service.person_by_id(person_id))
        db.session.commit()


@blp.route("/organizations")
class OrganizationList(MethodView):
    @api_site_permission(service.may_edit_people)
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, OrganizationSchema(many=True))
    def get(self, args):
        """Search organizations by name, short name or local name."""
        return service.search_organizations(args["q"])

    @api_site_permission(service.may_edit_people)
    @blp.arguments(OrganizationSchema)
    @blp.response(201, OrganizationSchema)
    def post(self, data):
        org = service.create_organization(data)
        db.session.commit()
        return org


@blp.route("/organizations/<int:org_id>")
class OrganizationDetail(MethodView):
    @api_site_permission(service.may_edit_people)
    @blp.response(200, OrganizationSchema)
    def get(self, org_id):
        return service.organization_by_id(org_id)

    @api_site_permission(service.may_edit_people)
    @blp.arguments(OrganizationPatchSchema(partial=True))
    @blp.response(200, OrganizationSchema)
    def patch(self, data, org_id):
        org = service.update_organization(service.organization_by_id(org_id), data)
        db.session.commit()
        return org

    @api_site_permission(service.may_edit_people)
    @blp.response(204)
    def delete(self, org_id):
        service.delete_organization(service.organization_by_id(org_id))
        db.session.commit()


