"""Scans by result on /metrics: what the doors did, a scanner's retry counted once."""

from tests.ops.metrics_text import sample, scrape


def test_scans_are_counted_by_result_and_a_retried_nonce_once(staff_api, guests, badge, client):
    before = scrape(client)
    code = badge(guests["confirmed"][0])
    assert staff_api.scan(code, nonce="door-1-0001").get_json()["result"] == "ok"
    assert staff_api.scan(code, nonce="door-1-0001").get_json()["replayed"] is True  # the scanner's retry
    assert staff_api.scan(code).get_json()["result"] == "already_checked_in"
    assert staff_api.scan(badge(guests["cancelled"][0])).get_json()["result"] == "cancelled"
    after = scrape(client)
    for result, count in (("ok", 1), ("already_checked_in", 1), ("cancelled", 1)):
        assert sample(after, "eventsvc_scans_total", result=result) - \
            sample(before, "eventsvc_scans_total", result=result) == count, result
