"""Several "hosts" on one machine: Linux network namespaces joined by a bridge.

Every run gets a prefix of its own; the bridge lives in a namespace of that prefix too, so nothing
touches the machine's own network: the addresses exist only inside the run's namespaces. A host is
a namespace; a process runs "on" it through ``ip netns exec``. The file system is shared, so a shared
storage folder is just a directory. ``Network.close()`` kills every process of the run's namespaces
and deletes them (only the run's own, matched by its prefix).

The test process stays in the root namespace; code that must talk to the hosts (the load
generator, database checks) runs in a thread that entered the ``client`` host with ``enter()``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"setns: {os.strerror(errno)}")


def can_use_namespaces() -> str | None:
    """None when this process may make network namespaces, else why not (one sentence)."""
    if os.geteuid() != 0:
        return "the multi-host test needs root (it makes Linux network namespaces with `ip netns`)"
    probe = f"mhprobe{secrets.token_hex(3)}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` is not allowed here: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


class Network:
    """A bridge in a namespace of its own and hosts (namespaces) with one address each on a /24."""

    def __init__(self, workdir: Path, subnet: str = "10.231.0") -> None:
        self.prefix = f"mh{os.getpid() % 10000}{secrets.token_hex(2)}-"
        self.subnet = subnet
        self.workdir = workdir
        self.hosts: dict[str, str] = {}  # name -> address
        self._links: dict[str, str] = {}  # name -> veth end on the bridge
        self._next = 10
        self._switch = self.prefix + "sw"
        _ip("netns", "add", self._switch)
        try:
            self._sh(self._switch, "ip link add br0 type bridge && ip link set br0 up && ip link set lo up")
        except BaseException:
            self.close()
            raise

    def ns(self, host: str) -> str:
        return self.prefix + host

    def add_host(self, host: str) -> str:
        """Make a host on the bridge; returns its address."""
        address = f"{self.subnet}.{self._next}"
        link = f"v{self._next}"
        self._next += 1
        ns = self.ns(host)
        _ip("netns", "add", ns)
        # made inside the switch's namespace, its peer moved straight into the host's: nothing
        # of this run ever exists in the root namespace
        _ip("-n", self._switch, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns)
        self._sh(self._switch, f"ip link set {link} master br0 && ip link set {link} up")
        self._sh(ns, f"ip addr add {address}/24 dev eth0 && ip link set eth0 up && ip link set lo up")
        self.hosts[host] = address
        self._links[host] = link
        return address

    def _sh(self, ns: str, script: str) -> None:
        subprocess.run(["ip", "netns", "exec", ns, "sh", "-ec", script], check=True, capture_output=True)

    def start(self, host: str, argv: list[str], *, name: str, env: dict | None = None,
              cwd: str | None = None) -> subprocess.Popen:
        """Start a long-running process on a host, its output in <workdir>/<name>.log."""
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (the process keeps it)
        return subprocess.Popen(["ip", "netns", "exec", self.ns(host), *argv], stdout=log,
                                stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)

    def run(self, host: str, argv: list[str], **kw) -> subprocess.CompletedProcess:
        """Run a command on a host to its end."""
        return subprocess.run(["ip", "netns", "exec", self.ns(host), *argv], **kw)

    def pids(self, host: str) -> list[int]:
        out = _ip("netns", "pids", self.ns(host), check=False).stdout
        return [int(p) for p in out.split()]

    def kill_host(self, host: str, sig: int = signal.SIGKILL) -> int:
        """The host dies: every process in its namespace gets ``sig``. Returns how many there were."""
        killed = 0
        for _ in range(5):  # a process may have forked meanwhile
            pids = self.pids(host)
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
                    killed += 1
            if sig != signal.SIGKILL:
                break
            time.sleep(0.2)
        return killed

    def link(self, host: str, up: bool) -> None:
        """Cut a host off the bridge (a partition) or heal it."""
        _ip("-n", self._switch, "link", "set", self._links[host], "up" if up else "down")

    @contextlib.contextmanager
    def enter(self, host: str):
        """Run the body in the host's network namespace (this thread only); sockets made there stay
        there, whichever thread uses them later."""
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.ns(host)}", os.O_RDONLY)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(own)
        finally:
            os.close(target)
            os.close(own)

    def thread_initializer(self, host: str) -> Callable[[], None]:
        """For a thread pool whose threads all work from ``host``: each enters it once for good."""
        def enter_for_good():
            fd = os.open(f"/run/netns/{self.ns(host)}", os.O_RDONLY)
            try:
                _setns(fd)
            finally:
                os.close(fd)
        return enter_for_good

    def close(self) -> None:
        """Kill every process of this run's namespaces and delete them (only this run's prefix)."""
        listed = _ip("netns", "list", check=False).stdout.split("\n")
        mine = [line.split()[0] for line in listed if line.startswith(self.prefix)]
        for ns in mine:
            host = ns[len(self.prefix):]
            self.kill_host(host)
        for ns in mine:
            _ip("netns", "del", ns, check=False)


def wait_until(check: Callable[[], object], what: str, timeout: float = 240.0, every: float = 0.5):
    """Poll ``check`` until it returns something true (its value is returned); generous limits, since
    a loaded 2-core machine can take minutes to start a server. Raises with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 (a server not up yet answers anything)
            last_error = error
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s (last error: {last_error!r})")


def in_thread(target: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread
