"""Shared validators: upstream's messages for names, labels and ports, the wording of each
cause type, and ObjectMeta validation."""

import pytest

from observe.api.validation import (
    config_key_errors,
    dns1035_label_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    duplicate,
    env_var_name_errors,
    forbidden,
    format_value,
    int_field,
    int_or_percent_field,
    invalid,
    ip_errors,
    label_value_errors,
    name_errors,
    not_supported,
    path_segment_name_errors,
    port_name_errors,
    qualified_name_errors,
    required,
    string_field,
    too_long,
    validate_annotations,
    validate_labels,
    validate_object_meta,
    validate_owner_references,
)

LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
QUALIFIED_NAME_PART = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


@pytest.mark.parametrize(("check", "value", "expected"), [
    (dns1123_label_errors, "my-name", []),
    (dns1123_label_errors, "My_Name", [LABEL_MESSAGE]),
    (dns1123_label_errors, "a.b", ["must not contain dots"]),
    (dns1123_label_errors, "a" * 64, ["must be no more than 63 characters"]),
    (dns1123_subdomain_errors, "example.com", []),
    (dns1123_subdomain_errors, "-bad.com", [
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
        "'-' or '.', and must start and end with an alphanumeric character (e.g. "
        "'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]),
    (dns1035_label_errors, "web", []),
    (dns1035_label_errors, "1web", [
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
        "with an alphabetic character, and end with an alphanumeric character (e.g. "
        "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]),
    (qualified_name_errors, "app.kubernetes.io/name", []),
    (qualified_name_errors, "MyName", []),
    (qualified_name_errors, "-bad", [QUALIFIED_NAME_PART]),
    (qualified_name_errors, "/name", ["prefix part must be non-empty"]),
    (qualified_name_errors, "example.com/", ["name part must be non-empty", QUALIFIED_NAME_PART]),
    (label_value_errors, "", []),
    (label_value_errors, "v1.2_x", []),
    (label_value_errors, "a b", [
        "a valid label must be an empty string or consist of alphanumeric characters, '-', "
        "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
        "or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]),
    (port_name_errors, "http", []),
    (port_name_errors, "8080", ["must contain at least one letter (a-z)"]),
    (port_name_errors, "http--alt", ["must not contain consecutive hyphens"]),
    (port_name_errors, "a-very-long-port-name", ["must be no more than 15 characters"]),
    (config_key_errors, "app.properties", []),
    (config_key_errors, "..", ["must not be '..'"]),
    (env_var_name_errors, "MY_VAR.1", []),
    (env_var_name_errors, "A=B", ["a valid environment variable name must consist only of "
                                  "printable ASCII characters other than '='"]),
    (path_segment_name_errors, "a/b", ["may not contain '/'"]),
    (ip_errors, "10.0.0.1", []),
    (ip_errors, "10.0.0.300", ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]),
])
def test_string_checks_use_upstream_messages(check, value, expected):
    assert check(value) == expected


def test_qualified_name_with_two_slashes_is_one_error():
    (message,) = qualified_name_errors("a/b/c")
    assert message.startswith("a qualified name must consist of")
    assert message.endswith("with an optional DNS subdomain prefix and '/' (e.g. "
                            "'example.com/MyName')")


@pytest.mark.parametrize(("rule", "value", "prefix", "ok"), [
    ("subdomain", "web.v1", False, True),
    ("subdomain", "web-", False, False),
    ("subdomain", "web-", True, True),  # generateName: a suffix follows the dash
    ("label", "web.v1", False, False),
    ("rfc1035", "1web", False, False),
    ("path", "my:hpa", False, True),
])
def test_name_rules(rule, value, prefix, ok):
    assert (name_errors(rule, value, prefix) == []) is ok


@pytest.mark.parametrize(("cause", "message", "reason"), [
    (required("spec.x"), "Required value", "FieldValueRequired"),
    (required("spec.x", "why"), "Required value: why", "FieldValueRequired"),
    (invalid("spec.x", "v", "bad"), 'Invalid value: "v": bad', "FieldValueInvalid"),
    (invalid("spec.x", -1, "bad"), "Invalid value: -1: bad", "FieldValueInvalid"),
    (not_supported("spec.x", "Y", ["A", "B"]),
     'Unsupported value: "Y": supported values: "A", "B"', "FieldValueNotSupported"),
    (duplicate("spec.x", "a"), 'Duplicate value: "a"', "FieldValueDuplicate"),
    (forbidden("spec.x", "nope"), "Forbidden: nope", "FieldValueForbidden"),
    (too_long("spec.x", 10), "Too long: may not be more than 10 bytes", "FieldValueTooLong"),
])
def test_cause_wording(cause, message, reason):
    assert (cause.field, cause.message, cause.reason) == ("spec.x", message, reason)


@pytest.mark.parametrize(("value", "shown"), [
    (None, "null"), (True, "true"), (3, "3"), ("a\"b", '"a\\"b"'), ({"b": 1}, '{"b":1}'),
])
def test_format_value(value, shown):
    assert format_value(value) == shown


@pytest.mark.parametrize(("value", "kwargs", "expected"), [
    (None, {}, []),
    (None, {"required_": True}, [("FieldValueRequired", "Required value")]),
    ("3", {}, [("FieldValueTypeInvalid", 'Invalid value: "3": must be of type integer')]),
    (True, {}, [("FieldValueTypeInvalid", "Invalid value: true: must be of type integer")]),
    (-1, {"minimum": 0},
     [("FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0")]),
    (70000, {"minimum": 1, "maximum": 65535},
     [("FieldValueInvalid", "Invalid value: 70000: must be between 1 and 65535, inclusive")]),
])
def test_int_field(value, kwargs, expected):
    assert [(c.reason, c.message) for c in int_field(value, "f", **kwargs)] == expected


@pytest.mark.parametrize(("value", "ok"), [
    (0, True), (3, True), ("25%", True), ("100%", True), ("101%", False), ("25", False),
    (-1, False), (1.5, False),
])
def test_int_or_percent(value, ok):
    assert (int_or_percent_field(value, "f") == []) is ok


def test_string_field_reports_types_and_emptiness():
    assert [c.reason for c in string_field(3, "f", required_=True)] == ["FieldValueTypeInvalid"]
    assert [c.reason for c in string_field("", "f", required_=True)] == ["FieldValueRequired"]
    assert string_field("", "f") == []


def test_labels_report_key_and_value_at_the_map_path():
    causes = validate_labels({"bad key": "ok", "ok": "bad value", "n": 1}, "metadata.labels")
    assert [(c.field, c.reason) for c in causes] == [
        ("metadata.labels[n]", "FieldValueTypeInvalid"),
        ("metadata.labels", "FieldValueInvalid"),
        ("metadata.labels", "FieldValueInvalid"),
    ]
    assert 'Invalid value: "bad key"' in causes[1].message
    assert 'Invalid value: "bad value"' in causes[2].message


def test_annotations_total_size_limit():
    assert validate_annotations({"a": "x" * 1000}, "metadata.annotations") == []
    (cause,) = validate_annotations({"a": "x" * (256 * 1024)}, "metadata.annotations")
    assert (cause.field, cause.reason) == ("metadata.annotations", "FieldValueTooLong")


def test_annotation_keys_are_checked_case_insensitively():
    assert validate_annotations({"Example.COM/Key": "v"}, "a") == []


@pytest.mark.parametrize(("refs", "fields"), [
    ([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "1"}], []),
    ([{"kind": "ReplicaSet", "name": "rs", "uid": "1"}],
     ["metadata.ownerReferences.apiVersion"]),
    ([{"apiVersion": "v1"}], ["metadata.ownerReferences.kind", "metadata.ownerReferences.name",
                              "metadata.ownerReferences.uid"]),
    ([{"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": True},
      {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": True}],
     ["metadata.ownerReferences"]),
    ("nope", ["metadata.ownerReferences"]),
])
def test_owner_references(refs, fields):
    causes = validate_owner_references(refs, "metadata.ownerReferences")
    assert [c.field for c in causes] == fields


@pytest.mark.parametrize(("meta", "kwargs", "expected"), [
    ({"name": "web", "namespace": "default"}, {"namespaced": True}, []),
    ({"generateName": "web-", "name": "web-x7k2p", "namespace": "default"},
     {"namespaced": True}, []),
    ({"namespace": "default"}, {"namespaced": True},
     [("metadata.name", "FieldValueRequired", "Required value: name or generateName is "
       "required")]),
    ({"name": "web"}, {"namespaced": True},
     [("metadata.namespace", "FieldValueRequired", "Required value")]),
    ({"name": "web", "namespace": "default"}, {"namespaced": False},
     [("metadata.namespace", "FieldValueForbidden", "Forbidden: not allowed on this type")]),
    ({"name": "Web"}, {"namespaced": None}, [("metadata.name", "FieldValueInvalid", None)]),
    ({"name": "a.b"}, {"namespaced": False, "name_rule": "label"},
     [("metadata.name", "FieldValueInvalid", 'Invalid value: "a.b": must not contain dots')]),
    ({"name": "web", "generateName": "Web-"}, {},
     [("metadata.generateName", "FieldValueInvalid", None)]),
    ({"name": "web", "finalizers": ["example.com/cleanup", "bad finalizer"]}, {},
     [("metadata.finalizers", "FieldValueInvalid", None)]),
    ("web", {}, [("metadata", "FieldValueTypeInvalid", None),
                 ("metadata.name", "FieldValueRequired", None)]),
])
def test_object_meta(meta, kwargs, expected):
    causes = validate_object_meta(meta, **kwargs)
    assert [(c.field, c.reason) for c in causes] == [(f, r) for f, r, _ in expected]
    for cause, (_, _, message) in zip(causes, expected, strict=True):
        if message is not None:
            assert cause.message == message


def test_yaml_only_keys_are_reported_not_raised():
    # YAML bodies may carry integer or date keys, which JSON cannot.
    assert format_value({"app": None, 0: None}) == '{"app":null,"0":null}'
    causes = validate_labels({0: "a", "ok": "b"}, "metadata.labels")
    assert [(c.field, c.reason) for c in causes] == [("metadata.labels",
                                                      "FieldValueTypeInvalid")]
