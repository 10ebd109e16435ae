"""JSON API: an event's webhook endpoints, listed, created (the secret in that answer only) and
deleted (organizers). The rules are the pages' (service.py)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from eventsvc.accounts.api_auth import api_user
from eventsvc.events.permissions import ORGANIZER, api_event, api_event_role
from eventsvc.extensions import db
from eventsvc.webhooks import service
from eventsvc.webhooks.schemas import EndpointCreatedSchema, EndpointCreateSchema, EndpointSchema

blp = Blueprint("webhooks_api", __name__, url_prefix="/api/v1/events/<slug>",
                description="Webhook endpoints: signed POSTs to your systems when something changes")


@blp.route("/webhooks")
class Endpoints(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, EndpointSchema(many=True))
    def get(self, slug):
        """The event's endpoints (never their secrets)."""
        return service.endpoints_of(api_event().id)

    @api_event_role(ORGANIZER)
    @blp.arguments(EndpointCreateSchema)
    @blp.response(201, EndpointCreatedSchema)
    def post(self, data, slug):
        """A new endpoint; the answer holds its signing secret, which is never shown again."""
        endpoint, secret = service.create_endpoint(api_event().id, data["url"], data["kinds"],
                                                   description=data.get("description"), user_id=api_user().id)
        db.session.commit()
        endpoint.secret = secret  # on this object, for this answer only: no column holds it
        return endpoint


@blp.route("/webhooks/<int:endpoint_id>")
class EndpointItem(MethodView):
    @api_event_role(ORGANIZER)
    @blp.response(200, EndpointSchema)
    def get(self, slug, endpoint_id):
        return service.endpoint_of(api_event().id, endpoint_id)

    @api_event_role(ORGANIZER)
    @blp.response(204)
    def delete(self, slug, endpoint_id):
        """Delete the endpoint and its delivery log."""
        service.delete_endpoint(api_event().id, endpoint_id)
        db.session.commit()
