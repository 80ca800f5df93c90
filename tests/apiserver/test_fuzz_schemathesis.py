"""schemathesis against the apiserver's own Swagger 2.0 document (``GET /openapi/v2``).

A second, independent fuzzer: it knows nothing of Kubernetes beyond what the document says
(paths, parameters, per-kind body schemas, the Status schema of every error), generates
both conforming and deliberately non-conforming requests for every operation, and checks
each answer with its own ``not_a_server_error`` and ``response_schema_conformance`` plus
our fuzz invariants (:mod:`.test_fuzz_invariants`) and the server log.

A private server, a few derandomized examples per operation (``OBSERVE_FUZZ_SCALE``
multiplies them) and a watch never left open longer than a second keep it quick.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from observe.api.registry import default_registry
from observe.apiserver.discovery import openapi_v2
from observe.testing import ApiServerProcess
from tests.apiserver.test_fuzz_invariants import FuzzRequest, FuzzServer, Reply, violations

SCALE = float(os.environ.get("OBSERVE_FUZZ_SCALE", "1"))
EXAMPLES_PER_OPERATION = max(1, int(4 * SCALE))
TRUE = ("1", "true", "True", True)
# The coverage phase (every boundary of every parameter) takes minutes over 200 operations;
# OBSERVE_FUZZ_SCALE above 1 turns it on.
PHASES = ["examples", "fuzzing", *(["coverage"] if SCALE > 1 else [])]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    process = ApiServerProcess(tmp_path_factory.mktemp("fuzz-schemathesis"))
    process.start()
    try:
        yield FuzzServer(process)
    finally:
        process.stop()


def load_schema() -> schemathesis.BaseSchema:
    """The document the server serves, built in-process: schemathesis' fixture loader
    (``from_fixture``) does not work with pytest 9, and the document depends only on the
    registry (``test_served_document_is_the_one_fuzzed`` checks that)."""
    loaded = schemathesis.openapi.from_dict(openapi_v2(default_registry()))
    loaded.config.update(request_timeout=15)
    loaded.config.phases.update(phases=PHASES)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES_PER_OPERATION, deterministic=True, database="none")
    return loaded


schema = load_schema()


@schema.parametrize()
def test_every_operation_of_the_openapi_document(case, fuzzed: FuzzServer):
    query = case.query if isinstance(case.query, dict) else {}
    if str(query.get("watch")) in map(str, TRUE):
        query["timeoutSeconds"] = 1  # a watch is a stream: end it after a second
    response = case.call(base_url=fuzzed.process.url, timeout=15)
    request = FuzzRequest(case.method.upper(), response.request.path_url.split("?", 1)[0],
                          [(k, str(v)) for k, v in query.items()])
    reply = Reply(response.status_code, response.headers.get("Content-Type", ""),
                  response.content)
    problems = violations(request, reply)
    log = fuzzed.new_log()
    if "Traceback" in log:
        problems.append(f"the server logged a traceback:\n{log[-3000:]}")
    assert not problems, "\n".join(problems) + f"\n{case.as_curl_command()}"
    # A watch answers a stream of events, not the List its operation describes.
    watching = request.is_watch and request.method == "GET"
    case.validate_response(response, checks=[not_a_server_error] if watching
                           else [not_a_server_error, response_schema_conformance])


def test_served_document_is_the_one_fuzzed(fuzzed: FuzzServer):
    served = fuzzed.send(FuzzRequest("GET", "/openapi/v2"))
    assert json.loads(served.body) == openapi_v2(default_registry())


def test_document_describes_every_kind_and_error():
    """The document has a body schema per kind with its merge keys and name rule, and the
    Status schema on every operation."""
    doc = openapi_v2(default_registry())
    pod = doc["definitions"]["core.v1.Pod"]
    containers = pod["properties"]["spec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["items"]["type"] == "object"
    assert pod["properties"]["kind"]["enum"] == ["Pod"]
    assert "^[a-z]" in doc["definitions"]["core.v1.Service"]["properties"]["metadata"][
        "properties"]["name"]["pattern"]  # Services follow RFC 1035
    operations = [op for item in doc["paths"].values() for op in item.values()]
    assert all(op["responses"]["default"]["schema"]["$ref"] == "#/definitions/meta.v1.Status"
               for op in operations)
    assert "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale" in doc["paths"]
