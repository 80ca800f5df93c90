"""The shipper's settings, read once at the entry point (:mod:`.main`) and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from observe.shipper.fields import DEFAULT_INDEX
from observe.shipper.files import DEFAULT_MAX_LINE_BYTES
from observe.shipper.formats import DEFAULT_MAX_RECORD_BYTES
from observe.shipper.parsing import AUTO


@dataclass(frozen=True)
class ShipperConfig:
    root: str
    """The kubelet's root directory; logs are under ``<root>/pods``."""
    node: str
    """This node's name (``host.name``, and the pod watch's field selector)."""
    state_dir: Path
    """Where the checkpoint database and the dead-letter file live."""
    index: str = DEFAULT_INDEX
    """Index name; ``%Y``, ``%m``, ``%d`` are taken from each record's own date."""
    dead_letter_index: str | None = "observe-deadletter"
    """Index for records the store refused (None: the dead-letter file only)."""
    parser: str = AUTO
    """Default parser when a pod has no ``observe.io/parser`` annotation."""
    multiline: tuple[str, ...] = ("python", "java", "go")
    """Built-in multiline rules, unless a pod's ``observe.io/multiline`` says otherwise."""
    multiline_start: str | None = None
    """A custom multiline rule: regex of a group's first line ..."""
    multiline_continue: str | None = None
    """... and of the lines that continue it."""
    multiline_flush: float = 1.0
    """Seconds a stream may be quiet before its open multiline group is sent."""
    poll_interval: float = 0.2
    """Seconds between looks at the files when there was nothing to read."""
    scan_interval: float = 1.0
    """Seconds between scans for new files."""
    rotate_idle: float = 1.0
    """Seconds a rotated file must stay unchanged at its end before it is closed."""
    truncate_grace: float = 3.0
    """Seconds to wait for copytruncate's copy after a file shrank."""
    metadata_wait: float = 3.0
    """Seconds a new pod's file waits for its pod to appear in the watch."""
    deleted_pod_retention: float = 300.0
    """Seconds a deleted pod's metadata is kept for its last lines."""
    batch_records: int = 1000
    batch_bytes: int = 5 * 1024 * 1024
    flush_interval: float = 0.5
    """Seconds a partly filled batch may wait."""
    max_inflight_bytes: int = 32 * 1024 * 1024
    """Memory budget: record bytes read but not yet acknowledged."""
    concurrency: int = 2
    """Bulk requests in flight at once."""
    retry_initial: float = 0.5
    """Seconds before the first retry; doubles per attempt (with jitter) ..."""
    retry_max: float = 30.0
    """... up to this many seconds between attempts (retries never stop)."""
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    stop_timeout: float = 10.0
    """Seconds to keep sending at shutdown; the rest is read again at the next start."""
    read_bytes_per_round: int = 1024 * 1024
    """Bytes read before the event loop gets a turn (keeps the endpoints responsive)."""
