"""Pod addresses: each pod gets its own address in the node's ``--pod-cidr`` (a 127.x range:
all of 127.0.0.0/8 is local on Linux), kept in ``kubelet/pods/<uid>/pod.json`` so a
restarted kubelet gives a running pod the address its containers already use.

The network's first two addresses are never handed out (the network address and, by
convention, a gateway).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from pathlib import Path

from observe.kubelet.layout import Layout

RESERVED = 2
RECORD = "pod.json"


class AddressesExhausted(Exception):
    pass


class PodAddresses:
    def __init__(self, layout: Layout, cidr: str) -> None:
        self._layout = layout
        self._network = ipaddress.ip_network(cidr, strict=False)
        self._by_uid: dict[str, str] = {}
        self._load()

    def _record(self, uid: str) -> Path:
        return self._layout.pod_dir(uid) / RECORD

    def _load(self) -> None:
        if not self._layout.pods.is_dir():
            return
        for pod_dir in self._layout.pods.iterdir():
            with contextlib.suppress(OSError, ValueError, KeyError):
                ip = json.loads((pod_dir / RECORD).read_text())["podIP"]
                if ipaddress.ip_address(ip) in self._network:
                    self._by_uid[pod_dir.name] = ip

    def get(self, uid: str) -> str | None:
        return self._by_uid.get(uid)

    def ensure(self, uid: str) -> str:
        """The pod's address, allocating the lowest free one the first time."""
        if uid in self._by_uid:
            return self._by_uid[uid]
        used = set(self._by_uid.values())
        for offset in range(RESERVED, self._network.num_addresses - 1):
            candidate = str(self._network.network_address + offset)
            if candidate not in used:
                break
        else:
            raise AddressesExhausted(f"no free address left in {self._network}")
        path = self._record(uid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"podIP": candidate}))
        self._by_uid[uid] = candidate
        return candidate

    def release(self, uid: str) -> None:
        self._by_uid.pop(uid, None)
        with contextlib.suppress(FileNotFoundError):
            self._record(uid).unlink()
