"""The data pretix is measured on in bench/pretix_sidebyside.py, made with pretix's own models.

Run by pretix's Python (its own virtualenv, not the project's), from scripts/pretix-bench-setup:

    PRETIX_CONFIG_FILE=/opt/pretix-bench/pretix.cfg /opt/pretix-bench/venv/bin/python bench/pretix_data.py OUT.json N

Makes, once (a second run finds them and only tops the orders up to N): the organizer ``bench``,
the event ``forum`` with one admission product, N paid orders of one position each, a check-in
list covering every product, and a team with the check-in permission on every event and its
API token. Writes {"organizer", "event", "list", "token", "secrets"} to OUT.json.
"""

import json
import os
import sys
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pretix.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils.timezone import now  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import CheckinList, Event, Item, Order, OrderPosition, Organizer, Team  # noqa: E402

ORGANIZER, EVENT = "bench", "forum"


def main(out: str, count: int) -> None:
    with scopes_disabled(), transaction.atomic():
        organizer, _ = Organizer.objects.get_or_create(slug=ORGANIZER, defaults={"name": "Bench organizer"})
        event = Event.objects.filter(organizer=organizer, slug=EVENT).first()
        if event is None:
            event = Event.objects.create(organizer=organizer, slug=EVENT, name="Bench forum", currency="EUR",
                                         date_from=now() + timedelta(days=1), live=True)
        item = Item.objects.filter(event=event, admission=True).first() or Item.objects.create(
            event=event, name="Admission", default_price=Decimal("10.00"), admission=True)
        checkin_list = CheckinList.objects.filter(event=event).first() or CheckinList.objects.create(
            event=event, name="Entrance", all_products=True)
        team = Team.objects.filter(organizer=organizer, name="Scanners").first()
        if team is None:
            team = Team.objects.create(organizer=organizer, name="Scanners", all_events=True,
                                       limit_event_permissions={"event.orders:checkin": True})
        token = team.tokens.first() or team.tokens.create(name="bench")
        channel = organizer.sales_channels.get(identifier="web")
        have = Order.objects.filter(event=event).count()
        for i in range(have, count):
            order = Order.objects.create(
                code=f"B{i:05d}", event=event, email=f"bench{i}@bench.example", status=Order.STATUS_PAID,
                datetime=now(), expires=now() + timedelta(days=10), total=Decimal("10.00"), sales_channel=channel,
                locale="en")
            OrderPosition.objects.create(order=order, item=item, price=Decimal("10.00"), positionid=1,
                                         attendee_name_parts={"_legacy": f"Bench Guest {i}"})
            order.create_transactions()
        secrets = list(OrderPosition.objects.filter(order__event=event, order__status=Order.STATUS_PAID)
                       .order_by("order__code").values_list("secret", flat=True)[:count])
    with open(out, "w") as f:
        json.dump({"organizer": organizer.slug, "event": event.slug, "list": checkin_list.pk, "token": token.token,
                   "secrets": secrets}, f)
    print(f"pretix data: organizer {organizer.slug}, event {event.slug}, check-in list {checkin_list.pk}, "
          f"{len(secrets)} paid orders ({count - have if count > have else 0} made now)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
