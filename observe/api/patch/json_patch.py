"""JSON patch (RFC 6902, ``application/json-patch+json``), as ``kubectl rollout undo`` and
``kubectl patch --type=json`` send it.

Operations run through the ``jsonpatch`` library one at a time so that a failure names the
operation. A body that is not an array of objects is a 400, like kube-apiserver's decode
error; an operation that cannot apply (failed ``test``, missing path, unknown ``op``) is a 422
Invalid naming the operation, where kube-apiserver gives a bare "the server rejected our
request" message.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonpatch

from observe.api.errors import Cause, bad_request, invalid, too_large
from observe.api.patch.jsonvalue import describe, json_kind, shorten

MAX_OPERATIONS = 10000  # kube-apiserver's limit on operations in one JSON patch

# jsonpointer ends "member 'x' not found in ..." with the whole document.
_DOCUMENT_DUMP = re.compile(r" not found in .*\Z", re.DOTALL)

# jsonpatch reports malformed and inapplicable operations with its own errors; the built-in
# ones are caught as well so that a library slip on client input is still a 422, not a 500.
_APPLY_ERRORS = (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError,
                 ValueError, KeyError, IndexError, AttributeError)


def apply_json_patch(original: dict[str, Any], operations: Any, group: str, kind: str
                     ) -> dict[str, Any]:
    """A copy of ``original`` with ``operations`` applied."""
    if not isinstance(operations, list):
        raise bad_request(f"a JSON patch must be an array of operations, got JSON "
                          f"{json_kind(operations)}")
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise bad_request(f"JSON patch operation {index} must be an object, got "
                              f"{describe(operation)}")
    if len(operations) > MAX_OPERATIONS:
        raise too_large(f"The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, "
                        f"got {len(operations)}")
    name = str((original.get("metadata") or {}).get("name", ""))
    document: Any = copy.deepcopy(original)
    for index, operation in enumerate(operations):
        try:
            document = jsonpatch.JsonPatch([operation]).apply(document, in_place=True)
        except _APPLY_ERRORS as error:
            raise _failed(kind, group, name, index, operation, error) from None
    if not isinstance(document, dict):
        raise invalid(kind, group, name, [Cause(
            "", f"the patched document must be a JSON object, got JSON {json_kind(document)}")])
    return document


def _failed(kind: str, group: str, name: str, index: int, operation: dict[str, Any],
            error: Exception) -> Exception:
    op, path = operation.get("op"), operation.get("path")
    if isinstance(error, jsonpatch.JsonPatchTestFailed):
        reason = f"the value at {describe(path)} is not {describe(operation.get('value'))}"
    else:
        reason = _DOCUMENT_DUMP.sub(" not found", str(error))
    label = op if isinstance(op, str) else describe(op)
    message = f"JSON patch {label} (operation {index}) failed: {shorten(reason, 300)}"
    return invalid(kind, group, name, [Cause(path if isinstance(path, str) else "", message)])
