"""The load generator: door scanners that send badge scans through the proxy, from the client host.

A scanner sends each badge once with a nonce of its own and, when the answer does not come (the
connection fails, the proxy says 502/503/504), sends the same scan with the same nonce again until
an answer comes: the server's answer to a repeated nonce is the recorded one.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

RETRYABLE = {502, 503, 504}


@dataclass
class ScanRun:
    sent: int = 0  # badges scanned (each once, however many tries)
    answered: int = 0
    retries: int = 0
    results: dict[str, int] = field(default_factory=dict)
    replayed: int = 0
    failures: list[str] = field(default_factory=list)
    nonces: dict[int, str] = field(default_factory=dict)  # registration id -> nonce
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_scans(net, url: str, slug: str, token: str, codes: dict[int, str], *, scanners: int = 12,
              on_progress=None, max_tries: int = 400) -> ScanRun:
    """Scan every badge once through ``url``; ``on_progress(answered)`` is called from the scanners."""
    run = ScanRun()
    local = threading.local()
    endpoint = f"{url}/api/v1/events/{slug}/scans"
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    def scan(registration_id: int, code: str) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        nonce = uuid.uuid4().hex
        with run.lock:
            run.sent += 1
            run.nonces[registration_id] = nonce
        body = {"gate": "entrance", "nonce": nonce, "code": code, "device": "multihost"}
        for attempt in range(max_tries):
            if attempt:
                with run.lock:
                    run.retries += 1
                time.sleep(min(0.1 * attempt, 1.0))
            try:
                response = local.session.post(endpoint, json=body, headers=headers, timeout=30)
            except requests.RequestException:
                local.session = requests.Session()  # a fresh connection
                continue
            if response.status_code in RETRYABLE:
                continue
            if response.status_code != 200:
                with run.lock:
                    run.failures.append(f"{registration_id}: {response.status_code} {response.text[:200]}")
                return
            answer = response.json()
            with run.lock:
                run.answered += 1
                run.results[answer["result"]] = run.results.get(answer["result"], 0) + 1
                run.replayed += bool(answer.get("replayed"))
                answered = run.answered
            if on_progress:
                on_progress(answered)
            return
        with run.lock:
            run.failures.append(f"{registration_id}: no answer after {max_tries} tries")

    with ThreadPoolExecutor(scanners, initializer=net.thread_initializer("client")) as pool:
        for future in [pool.submit(scan, rid, code) for rid, code in codes.items()]:
            future.result()
    return run
