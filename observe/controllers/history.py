"""Keeping a workload's ControllerRevisions: the I/O half of :mod:`.revisions`, shared by
the DaemonSet and StatefulSet controllers.

:class:`RevisionKeeper` reads the owner's revisions from the shared informer cache, creates
the revision of the current template when it has none (or renumbers an old one the template
went back to, as a rollback does) and deletes unused revisions beyond
``revisionHistoryLimit``.
"""

from __future__ import annotations

from observe.client.cache import Object
from observe.client.errors import ApiError
from observe.controllers import revisions as rv
from observe.controllers.base import Controller, RetryLater, is_not_found
from observe.controllers.ownership import is_controlled_by


def history_limit(owner: Object) -> int:
    value = (owner.get("spec") or {}).get("revisionHistoryLimit")
    return value if isinstance(value, int) else 10


class RevisionKeeper:
    """Creates and prunes the ControllerRevisions of one kind of owner (DaemonSet,
    StatefulSet) from the informer cache of revisions."""

    def __init__(self, controller: Controller) -> None:
        self._controller = controller
        self.informer = controller.informer("apps", "controllerrevisions")
        self.type = self.informer.resource_type

    def owned(self, owner: Object) -> list[Object]:
        namespace = owner["metadata"].get("namespace")
        return [r for r in self.informer.list(namespace) if is_controlled_by(r, owner)]

    async def current(self, owner: Object, template: Object) -> Object:
        """The revision of ``template``, created (or renumbered, on a rollback) if needed."""
        api = self._controller.ctx.api
        revisions = self.owned(owner)
        found = rv.current_revision(revisions, template)
        number = rv.next_number(revisions)
        if found is not None:
            if rv.revision_number(found) == number - 1:
                return found
            return await api.patch(self.type, found["metadata"]["name"], {"revision": number},
                                   namespace=found["metadata"]["namespace"], patch_type="merge")
        collisions = (owner.get("status") or {}).get("collisionCount")
        body = rv.new_revision(owner, template, number, collisions)
        try:
            return await api.create(self.type, body, namespace=owner["metadata"]["namespace"])
        except ApiError as e:
            if e.code != 409:
                raise
        existing = await api.get(self.type, body["metadata"]["name"],
                                 namespace=owner["metadata"]["namespace"])
        if is_controlled_by(existing, owner) and rv.same_template(existing, template):
            return existing
        raise RetryLater(f"controllerrevision {body['metadata']['name']} exists with another "
                         "template (a hash collision)")

    async def prune(self, owner: Object, in_use: set[str]) -> None:
        api = self._controller.ctx.api
        for revision in rv.history_to_delete(self.owned(owner), in_use, history_limit(owner)):
            try:
                await api.delete(self.type, revision["metadata"]["name"],
                                 namespace=revision["metadata"]["namespace"])
            except ApiError as e:
                if not is_not_found(e):
                    raise
