"""Label and field selectors: parsing, canonical form, matching and kube-apiserver's errors."""

from __future__ import annotations

import pytest

from observe.api.errors import StatusError
from observe.api.selectors import (
    EVERYTHING,
    NOTHING,
    field_values,
    label_selector_from_dict,
    label_value_errors,
    parse_field_selector,
    parse_label_selector,
    qualified_name_errors,
    validate_label_selector_dict,
)

# --- label selector syntax ------------------------------------------------------------------

VALID = [
    ("", ""),
    ("   ", ""),
    ("a=b", "a=b"),
    ("a==b", "a==b"),
    ("a!=b", "a!=b"),
    ("a", "a"),
    ("!a", "!a"),
    (" a = b , c ", "a=b,c"),
    ("tier!=db,app=web", "app=web,tier!=db"),
    ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
    ("env in (prod, dev, prod)", "env in (dev,prod)"),
    ("env in (prod)", "env in (prod)"),
    ("env notin (a,)", "env notin (,a)"),
    ("in in (in),notin notin (notin)", "in in (in),notin notin (notin)"),
    ("a=", "a="),
    ("a=,b", "a=,b"),
    ("example.com/role=db", "example.com/role=db"),
    ("app.kubernetes.io/name=web_1.x-y", "app.kubernetes.io/name=web_1.x-y"),
    ("n>5,m<10", "m<10,n>5"),
    ("a=b\0junk", "a=b"),
]


@pytest.mark.parametrize(("text", "canonical"), VALID)
def test_parse_valid(text: str, canonical: str) -> None:
    selector = parse_label_selector(text)
    assert str(selector) == canonical
    assert str(parse_label_selector(canonical)) == canonical, "the canonical form re-parses"


INVALID = [
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a in b", "unable to parse requirement: found 'b' expected: '('"),
    ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
    ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ("a=b=c", "found '=', expected: ',' or 'end of string'"),
    ("a,", "found '', expected: identifier after ','"),
    ("a,,b", "found ',', expected: identifier after ','"),
    (",a", "found ',', expected: !, identifier, or 'end of string'"),
    ("=a", "found '=', expected: !, identifier, or 'end of string'"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("-a=b", "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must "
             "consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
             "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
             "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
    ("a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label "
             "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
             "and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
             "'my_value',  or '12345', regex used for validation is "
             "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    ("a in (ok,-b)", "unable to parse requirement: values[0][a]: Invalid value: \"-b\""),
    ("a=" + "v" * 64, "unable to parse requirement: values[0][a]: Invalid value: \"" + "v" * 64
     + "\": must be no more than 63 characters"),
    ("k" * 64, "name part must be no more than 63 characters"),
    ("a/b/c", "<nil>: Invalid value: \"a/b/c\": a qualified name must consist of"),
    ("Bad_Prefix/x", "prefix part a lowercase RFC 1123 subdomain must consist of"),
    ("/x", "<nil>: Invalid value: \"/x\": prefix part must be non-empty"),
    ("a>x", "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer"),
    ("a<-1", "values[0][a]: Invalid value: \"-1\": a valid label must be"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_parse_invalid_is_bad_request(text: str, message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_label_selector(text)
    assert (e.value.code, e.value.reason) == (400, "BadRequest")
    assert message in e.value.message, e.value.message


def test_several_value_errors_are_listed_together() -> None:
    with pytest.raises(StatusError) as e:
        parse_label_selector("n>-x")
    assert e.value.message.startswith("unable to parse requirement: [values[0]: Invalid value")
    assert "values[0][n]: Invalid value" in e.value.message


# --- label matching -------------------------------------------------------------------------

MATCHES = [
    ("", {}, True),
    ("", None, True),
    ("app=web", {"app": "web"}, True),
    ("app=web", {"app": "db"}, False),
    ("app=web", None, False),
    ("app==web", {"app": "web", "x": "y"}, True),
    ("app!=web", {"app": "db"}, True),
    ("app!=web", {}, True),
    ("app!=web", {"app": "web"}, False),
    ("app", {"app": ""}, True),
    ("app", {"ap": "x"}, False),
    ("!app", {}, True),
    ("!app", {"app": ""}, False),
    ("env in (prod,dev)", {"env": "dev"}, True),
    ("env in (prod,dev)", {"env": "qa"}, False),
    ("env in (prod,dev)", {}, False),
    ("env in ()", {"env": ""}, True),
    ("env notin (prod)", {}, True),
    ("env notin (prod)", {"env": "prod"}, False),
    ("env notin (prod)", {"env": "qa"}, True),
    ("app=web,tier!=db", {"app": "web", "tier": "fe"}, True),
    ("app=web,tier!=db", {"app": "web", "tier": "db"}, False),
    ("app=", {"app": ""}, True),
    ("app=", {}, False),
    ("n>5", {"n": "6"}, True),
    ("n>5", {"n": "5"}, False),
    ("n<5", {"n": "-3"}, True),
    ("n>5", {"n": "lots"}, False),
    ("n>5", {}, False),
]


@pytest.mark.parametrize(("text", "labels", "want"), MATCHES)
def test_label_matching(text: str, labels: dict | None, want: bool) -> None:
    assert parse_label_selector(text).matches(labels) is want


@pytest.mark.parametrize(("text", "empty"), [("", True), ("a", False), ("!a", False)])
def test_empty(text: str, empty: bool) -> None:
    assert parse_label_selector(text).empty is empty


@pytest.mark.parametrize(("text", "key", "want"), [
    ("app=web,tier=fe", "app", "web"), ("app==web", "app", "web"), ("app in (web)", "app", "web"),
    ("app in (a,b)", "app", None), ("app!=web", "app", None), ("tier=fe", "app", None),
])
def test_requires_exact_match(text: str, key: str, want: str | None) -> None:
    assert parse_label_selector(text).requires_exact_match(key) == want


# --- metav1.LabelSelector -------------------------------------------------------------------

FROM_DICT = [
    (None, "", {"app": "web"}, False),
    ({}, "", {}, True),
    ({"matchLabels": {}, "matchExpressions": []}, "", {"x": "y"}, True),
    ({"matchLabels": {"app": "web", "tier": "fe"}}, "app=web,tier=fe",
     {"app": "web", "tier": "fe", "extra": "1"}, True),
    ({"matchLabels": {"app": "web"},
      "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                           {"key": "canary", "operator": "DoesNotExist"},
                           {"key": "tier", "operator": "NotIn", "values": ["db"]},
                           {"key": "team", "operator": "Exists"}]},
     "app=web,!canary,env in (dev,prod),team,tier notin (db)",
     {"app": "web", "env": "dev", "team": "a"}, True),
    ({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]},
     "env in (prod)", {"env": "dev"}, False),
    ({"matchExpressions": [{"key": "env", "operator": "Like", "values": ["x"]}]}, "",
     {"env": "x"}, False),
    ({"matchLabels": "app=web"}, "", {"app": "web"}, False),
    ({"matchLabels": {"app": 1}}, "", {"app": "1"}, False),
    ("app=web", "", {"app": "web"}, False),
]


@pytest.mark.parametrize(("sel", "canonical", "labels", "want"), FROM_DICT)
def test_label_selector_from_dict(sel, canonical: str, labels: dict, want: bool) -> None:
    selector = label_selector_from_dict(sel)
    assert str(selector) == canonical
    assert selector.matches(labels) is want


def test_nil_and_empty_selectors_differ() -> None:
    assert label_selector_from_dict(None) == NOTHING and NOTHING.empty is False
    assert label_selector_from_dict({}) == EVERYTHING and EVERYTHING.empty is True


VALIDATE = [
    (None, []),
    ({}, []),
    ({"matchLabels": {"app": "web"},
      "matchExpressions": [{"key": "env", "operator": "In", "values": ["a"]}]}, []),
    ({"matchLabels": {"-app": "web"}},
     [("spec.selector.matchLabels", "FieldValueInvalid", 'Invalid value: "-app": name part')]),
    ({"matchLabels": {"app": "-web"}},
     [("spec.selector.matchLabels", "FieldValueInvalid", 'Invalid value: "-web": a valid label')]),
    ({"matchExpressions": [{"key": "env", "operator": "In"}]},
     [("spec.selector.matchExpressions[0].values", "FieldValueRequired",
       "Required value: must be specified when `operator` is 'In' or 'NotIn'")]),
    ({"matchExpressions": [{"key": "env", "operator": "Exists", "values": ["x"]}]},
     [("spec.selector.matchExpressions[0].values", "FieldValueForbidden",
       "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")]),
    ({"matchExpressions": [{"key": "ok", "operator": "In", "values": ["a"]},
                           {"key": "env", "operator": "Like", "values": ["b c"]}]},
     [("spec.selector.matchExpressions[1].operator", "FieldValueInvalid",
       'Invalid value: "Like": not a valid selector operator'),
      ("spec.selector.matchExpressions[1].values[0]", "FieldValueInvalid",
       'Invalid value: "b c": a valid label')]),
    ({"matchExpressions": [{"key": "a/b/c", "operator": "Exists"}]},
     [("spec.selector.matchExpressions[0].key", "FieldValueInvalid",
       'Invalid value: "a/b/c": a qualified name')]),
    ("app=web", [("spec.selector", "FieldValueTypeInvalid", "must be of type object")]),
    ({"matchLabels": ["app"]},
     [("spec.selector.matchLabels", "FieldValueTypeInvalid", "must be of type object")]),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]},
     [("spec.selector.matchExpressions[0].values[0]", "FieldValueTypeInvalid",
       "must be of type string")]),
]


@pytest.mark.parametrize(("sel", "want"), VALIDATE)
def test_validate_label_selector_dict(sel, want: list) -> None:
    causes = validate_label_selector_dict(sel, "spec.selector")
    assert len(causes) == len(want), [c.to_dict() for c in causes]
    for cause, (field, reason, message) in zip(causes, want, strict=True):
        assert (cause.field, cause.reason) == (field, reason)
        assert message in cause.message, cause.message


@pytest.mark.parametrize(("key", "ok"), [
    ("app", True), ("a" * 63, True), ("a" * 64, False), ("example.com/app", True),
    ("Example.com/app", False), ("a.b/", False), ("app-", False), ("1.2_3", True), ("", False),
])
def test_label_keys(key: str, ok: bool) -> None:
    assert (qualified_name_errors(key) == []) is ok


@pytest.mark.parametrize(("value", "ok"), [
    ("", True), ("v1.2_3-x", True), ("v" * 63, True), ("v" * 64, False), ("-v", False),
    ("a b", False), ("é", False),
])
def test_label_values(value: str, ok: bool) -> None:
    assert (label_value_errors(value) == []) is ok


# --- field selectors ------------------------------------------------------------------------

SUPPORTED = [
    ("", "Pod", ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
                 "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
                 "status.phase", "status.podIP", "status.nominatedNodeName"]),
    ("", "Event", ["metadata.name", "metadata.namespace", "involvedObject.kind",
                   "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                   "involvedObject.apiVersion", "involvedObject.resourceVersion",
                   "involvedObject.fieldPath", "reason", "reportingComponent", "source",
                   "type"]),
    ("", "Node", ["metadata.name", "spec.unschedulable"]),
    ("", "Namespace", ["metadata.name", "status.phase"]),
    ("", "Secret", ["metadata.name", "metadata.namespace", "type"]),
    ("apps", "ReplicaSet", ["metadata.name", "metadata.namespace", "status.replicas"]),
    ("batch", "Job", ["metadata.name", "metadata.namespace", "status.successful"]),
    ("apps", "Deployment", ["metadata.name", "metadata.namespace"]),
    ("", "ConfigMap", ["metadata.name", "metadata.namespace"]),
    ("example.com", "Widget", ["metadata.name", "metadata.namespace"]),
]


@pytest.mark.parametrize(("group", "kind", "fields"), SUPPORTED, ids=[s[1] for s in SUPPORTED])
def test_supported_fields(group: str, kind: str, fields: list[str]) -> None:
    for name in fields:
        selector = parse_field_selector(f"{name}=x", group, kind)
        assert str(selector) == f"{name}=x"


UNSUPPORTED = [
    ("", "Pod", "spec.containers", "field label not supported: spec.containers"),
    ("", "Event", "message", "field label not supported: message"),
    ("", "Node", "status.phase", "field label not supported: status.phase"),
    ("", "Secret", "data", "field label not supported: data"),
    ("batch", "Job", "status.failed", "field label not supported: status.failed"),
    ("apps", "Deployment", "spec.replicas",
     '"spec.replicas" is not a known field selector: only "metadata.name", '
     '"metadata.namespace"'),
    ("apps", "ReplicaSet", "status.readyReplicas",
     '"status.readyReplicas" is not a known field selector: only "metadata.name", '
     '"metadata.namespace"'),
    ("", "Service", "spec.clusterIP",
     '"spec.clusterIP" is not a known field selector: only "metadata.name", '
     '"metadata.namespace"'),
]


@pytest.mark.parametrize(("group", "kind", "field", "message"), UNSUPPORTED,
                         ids=[u[1] for u in UNSUPPORTED])
def test_unsupported_field_is_bad_request(group: str, kind: str, field: str,
                                          message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_field_selector(f"metadata.name=a,{field}=x", group, kind)
    assert (e.value.code, e.value.reason, e.value.message) == (400, "BadRequest", message)


FIELD_SYNTAX = [
    ("", ""),
    ("metadata.name=web", "metadata.name=web"),
    ("metadata.name==web", "metadata.name=web"),
    ("status.phase!=Running,spec.nodeName=n1", "spec.nodeName=n1,status.phase!=Running"),
    ("spec.nodeName=,", "spec.nodeName="),
    ("metadata.name=a\\,b\\=c\\\\d", "metadata.name=a\\,b\\=c\\\\d"),
    ("spec.host=node-1", "spec.nodeName=node-1"),
]


@pytest.mark.parametrize(("text", "canonical"), FIELD_SYNTAX)
def test_field_selector_syntax(text: str, canonical: str) -> None:
    assert str(parse_field_selector(text, "", "Pod")) == canonical


def test_escaped_value_is_unescaped() -> None:
    selector = parse_field_selector("metadata.name=a\\,b\\=c\\\\d", "", "Pod")
    assert selector.requirements[0].value == "a,b=c\\d"


FIELD_SYNTAX_ERRORS = [
    ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
    ("metadata.name=a,b", "invalid selector: 'metadata.name=a,b'; can't understand 'b'"),
    ("metadata.name=a=b", "invalid field selector: unescaped character in value: 61"),
    ("metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"),
    ("metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"),
    ("=a", "field label not supported: "),
]


@pytest.mark.parametrize(("text", "message"), FIELD_SYNTAX_ERRORS)
def test_field_selector_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(StatusError) as e:
        parse_field_selector(text, "", "Pod")
    assert (e.value.code, e.value.message) == (400, message)


POD = {"metadata": {"name": "web-1", "namespace": "default"},
       "spec": {"nodeName": "node-1", "restartPolicy": "Always",
                "schedulerName": "default-scheduler", "serviceAccountName": "default"},
       "status": {"phase": "Running", "podIPs": [{"ip": "127.1.0.5"}], "podIP": "127.1.0.5"}}
EVENT = {"metadata": {"name": "web-1.1", "namespace": "default"},
         "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default",
                            "uid": "u-1", "apiVersion": "v1", "fieldPath": "spec.containers{a}"},
         "reason": "BackOff", "type": "Warning", "reportingComponent": "kubelet"}

FIELD_MATCHES = [
    ("", "Pod", POD, "metadata.name=web-1", True),
    ("", "Pod", POD, "metadata.name=web-2", False),
    ("", "Pod", POD, "metadata.namespace=default,spec.nodeName=node-1", True),
    ("", "Pod", POD, "spec.nodeName!=node-1", False),
    ("", "Pod", POD, "spec.nodeName=", False),
    ("", "Pod", {"metadata": {"name": "p"}}, "spec.nodeName=", True),
    ("", "Pod", POD, "status.phase!=Succeeded,status.phase!=Failed", True),
    ("", "Pod", POD, "status.podIP=127.1.0.5", True),
    ("", "Pod", {"status": {"podIP": "127.1.0.9"}}, "status.podIP=127.1.0.9", True),
    ("", "Pod", POD, "spec.hostNetwork=false", True),
    ("", "Pod", {"spec": {"hostNetwork": True}}, "spec.hostNetwork=true", True),
    ("", "Pod", POD, "spec.restartPolicy=Always,spec.schedulerName=default-scheduler", True),
    ("", "Pod", POD, "spec.serviceAccountName=default", True),
    ("", "Pod", {"status": {"nominatedNodeName": "n2"}}, "status.nominatedNodeName=n2", True),
    ("", "Pod", POD, "spec.host=node-1", True),
    ("", "Event", EVENT, "involvedObject.uid=u-1,involvedObject.name=web-1,"
                         "involvedObject.namespace=default", True),
    ("", "Event", EVENT, "involvedObject.kind=Deployment", False),
    ("", "Event", EVENT, "involvedObject.apiVersion=v1,involvedObject.fieldPath="
                         "spec.containers{a},involvedObject.resourceVersion=", True),
    ("", "Event", EVENT, "reason=BackOff,type=Warning", True),
    ("", "Event", EVENT, "source=kubelet,reportingComponent=kubelet", True),
    ("", "Event", {**EVENT, "source": {"component": "scheduler"}}, "source=scheduler", True),
    ("", "Node", {"metadata": {"name": "n"}, "spec": {"unschedulable": True}},
     "spec.unschedulable=true", True),
    ("", "Node", {"metadata": {"name": "n"}}, "spec.unschedulable=false", True),
    ("", "Node", {"metadata": {"name": "n"}}, "metadata.namespace=", True),
    ("", "Namespace", {"metadata": {"name": "a"}, "status": {"phase": "Terminating"}},
     "status.phase=Terminating", True),
    ("", "Secret", {"metadata": {"name": "s"}, "type": "kubernetes.io/tls"},
     "type=kubernetes.io/tls", True),
    ("apps", "ReplicaSet", {"metadata": {"name": "r"}, "status": {"replicas": 0}},
     "status.replicas=0", True),
    ("apps", "ReplicaSet", {"metadata": {"name": "r"}}, "status.replicas=0", True),
    ("apps", "ReplicaSet", {"metadata": {"name": "r"}, "status": {"replicas": 2}},
     "status.replicas!=0", True),
    ("batch", "Job", {"metadata": {"name": "j"}, "status": {"succeeded": 3}},
     "status.successful=3", True),
    ("apps", "Deployment", {"metadata": {"name": "web", "namespace": "ns"}},
     "metadata.name=web,metadata.namespace=ns", True),
    ("", "Pod", {"metadata": "broken", "spec": None, "status": []}, "spec.nodeName=", True),
]


@pytest.mark.parametrize(("group", "kind", "obj", "text", "want"), FIELD_MATCHES)
def test_field_matching(group: str, kind: str, obj: dict, text: str, want: bool) -> None:
    selector = parse_field_selector(text, group, kind)
    assert selector.matches(obj) is want
    assert selector.matches_values(field_values(obj, group, kind)) is want, \
        "precomputed values must agree with direct matching"


def test_field_values_of_a_pod() -> None:
    assert field_values(POD, "", "Pod") == {
        "metadata.name": "web-1", "metadata.namespace": "default", "spec.nodeName": "node-1",
        "spec.restartPolicy": "Always", "spec.schedulerName": "default-scheduler",
        "spec.serviceAccountName": "default", "spec.hostNetwork": "false",
        "status.phase": "Running", "status.podIP": "127.1.0.5",
        "status.nominatedNodeName": ""}


def test_matches_values_reads_missing_fields_as_empty() -> None:
    selector = parse_field_selector("metadata.name=,metadata.namespace!=x", "", "ConfigMap")
    assert selector.matches_values({})


@pytest.mark.parametrize(("text", "want"), [
    ("metadata.name=web", "web"), ("metadata.namespace=a,metadata.name=web", "web"),
    ("metadata.name!=web", None), ("", None),
])
def test_field_requires_exact_match(text: str, want: str | None) -> None:
    assert parse_field_selector(text, "", "Pod").requires_exact_match("metadata.name") == want


def test_empty_field_selector_matches_everything() -> None:
    selector = parse_field_selector("", "", "Pod")
    assert selector.empty and selector.matches({})
