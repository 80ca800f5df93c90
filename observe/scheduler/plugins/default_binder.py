"""DefaultBinder: binds the pod through its ``binding`` subresource
(``POST /api/v1/namespaces/{ns}/pods/{name}/binding``)."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import PodInfo
from observe.client.errors import ApiError, ClientError
from observe.scheduler.framework import CycleState, Handle, Status, error

NAME = "DefaultBinder"


class DefaultBinder:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    async def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        try:
            await self.handle.bind(pod, node_name)
        except ApiError as e:
            return error(e.message or str(e), NAME)
        except ClientError as e:
            return error(str(e), NAME)
        return None


def new(args: Any, handle: Handle) -> DefaultBinder:
    return DefaultBinder(handle)
