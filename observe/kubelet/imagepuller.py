"""Making sure a container's image is there: upstream's image puller over the image catalog.

:meth:`ImagePuller.pull` honours ``imagePullPolicy`` (``Always`` pulls each time, which
here means resolving the catalog entry again; ``IfNotPresent`` and ``Never`` take a catalog
image as present), backs off per pod and image after a failure (10 s doubling to 300 s), and
records upstream's events: ``Pulling``, ``Pulled`` (``Successfully pulled image ...`` or
``Container image ... already present on machine``), ``Failed`` and ``BackOff``. A failure
comes back as a :class:`PullFailure` with the container's waiting reason and message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from observe.kubelet.backoff import Backoff, go_duration
from observe.kubelet.images import ImageCatalog, ImageError, InvalidImageName, ResolvedImage

Object = dict[str, Any]
NORMAL, WARNING = "Normal", "Warning"
RETRY_INVALID = 10.0  # nothing will change by itself: the pod worker's usual retry


class EventSink(Protocol):
    def event(self, obj: Object, event_type: str, reason: str, message: str,
              field_path: str | None = None) -> None: ...


@dataclass(frozen=True)
class PullFailure:
    reason: str  # ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName
    message: str
    retry: float  # seconds until trying again makes sense


class ImagePuller:
    def __init__(self, catalog: ImageCatalog, events: EventSink, wall: Callable[[], float],
                 monotonic: Callable[[], float]) -> None:
        self.catalog = catalog
        self.events = events
        self.wall = wall
        self.monotonic = monotonic
        self.backoff = Backoff(wall)

    def pull(self, pod: Object, container: Object, field_path: str
             ) -> ResolvedImage | PullFailure:
        image = container.get("image", "")
        policy = container.get("imagePullPolicy") or "IfNotPresent"
        missing: ImageError | None = None
        resolved: ResolvedImage | None = None
        started = self.monotonic()
        try:
            resolved = self.catalog.resolve(image)
        except InvalidImageName as e:
            self._event(pod, WARNING, "InspectFailed", str(e), field_path)
            self._event(pod, WARNING, "Failed", f"Error: {e.reason}", field_path)
            return PullFailure(e.reason, str(e), RETRY_INVALID)
        except ImageError as e:
            missing = e
        took = go_duration(max(self.monotonic() - started, 1e-6))
        if policy == "Never" and resolved is None:
            message = f'Container image "{image}" is not present with pull policy of Never'
            self._event(pod, WARNING, "ErrImageNeverPull", message, field_path)
            self._event(pod, WARNING, "Failed", "Error: ErrImageNeverPull", field_path)
            return PullFailure("ErrImageNeverPull", message, RETRY_INVALID)
        if policy != "Always" and resolved is not None:
            self._event(pod, NORMAL, "Pulled",
                        f'Container image "{image}" already present on machine', field_path)
            return resolved
        key = f"{pod['metadata']['uid']}/{image}"
        if self.backoff.in_backoff_since_update(key):
            message = f'Back-off pulling image "{image}"'
            self._event(pod, NORMAL, "BackOff", message, field_path)
            self._event(pod, WARNING, "Failed", "Error: ImagePullBackOff", field_path)
            return PullFailure("ImagePullBackOff", message,
                               self.backoff.remaining_since_update(key) + 0.05)
        self._event(pod, NORMAL, "Pulling", f'Pulling image "{image}"', field_path)
        if resolved is None:
            self._event(pod, WARNING, "Failed", f'Failed to pull image "{image}": {missing}',
                        field_path)
            self.backoff.next(key, self.wall())
            self._event(pod, WARNING, "Failed", "Error: ErrImagePull", field_path)
            return PullFailure("ErrImagePull", str(missing),
                               self.backoff.remaining_since_update(key) + 0.05)
        self._event(pod, NORMAL, "Pulled",
                    f'Successfully pulled image "{image}" in {took} ({took} including '
                    f"waiting). Image size: {resolved.size} bytes.", field_path)
        return resolved

    def forget_pod(self, uid: str) -> None:
        self.backoff.forget_prefix(f"{uid}/")

    def _event(self, pod: Object, event_type: str, reason: str, message: str,
               field_path: str) -> None:
        self.events.event(pod, event_type, reason, message, field_path)
