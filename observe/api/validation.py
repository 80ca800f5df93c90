"""Shared validators: the building blocks every kind's validation is made of.

Three layers, each built on the one before (apimachinery's ``util/validation``, ``field`` and
``api/validation`` in one module):

* **string checks** (``dns1123_label_errors`` ...) return upstream's messages for a bad value,
  ``[]`` when it is fine; the words are kube-apiserver's, because users and tests match them;
* **causes** (``required``, ``invalid``, ``not_supported`` ...) turn a path and a message into
  the :class:`~observe.api.errors.Cause` a 422 carries, worded like ``field.Error``;
* **field validators** (``int_field``, ``enum_field``, ``validate_object_meta`` ...) check one
  JSON value, including its type: bodies are plain dicts straight from clients, so a string
  where an integer belongs is reported as a cause, never raised.

Paths are plain strings in upstream's notation: ``spec.containers[0].image``,
``metadata.labels``, ``data[key]``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from observe.api.errors import Cause

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
DUPLICATE = "FieldValueDuplicate"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"
NOT_FOUND = "FieldValueNotFound"
TYPE_INVALID = "FieldValueTypeInvalid"

IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"
TOTAL_ANNOTATION_SIZE = 256 * 1024

# --------------------------------------------------------------------------------------------
# Causes, worded like field.Error.ErrorBody()


def format_value(value: Any) -> str:
    """A bad value as upstream prints it: strings quoted, numbers and booleans bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    try:
        return json.dumps(value, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        # YAML bodies can carry keys JSON cannot (dates, lists).
        return repr(value)


def _with_detail(body: str, detail: str) -> str:
    return f"{body}: {detail}" if detail else body


def required(path: str, detail: str = "") -> Cause:
    return Cause(path, _with_detail("Required value", detail), REQUIRED)


def invalid(path: str, value: Any, detail: str = "") -> Cause:
    return Cause(path, _with_detail(f"Invalid value: {format_value(value)}", detail), INVALID)


def not_supported(path: str, value: Any, supported: Iterable[str]) -> Cause:
    quoted = ", ".join(json.dumps(s) for s in supported)
    body = f"Unsupported value: {format_value(value)}"
    return Cause(path, _with_detail(body, f"supported values: {quoted}" if quoted else ""),
                 NOT_SUPPORTED)


def duplicate(path: str, value: Any, detail: str = "") -> Cause:
    return Cause(path, _with_detail(f"Duplicate value: {format_value(value)}", detail), DUPLICATE)


def forbidden(path: str, detail: str) -> Cause:
    return Cause(path, _with_detail("Forbidden", detail), FORBIDDEN)


def too_long(path: str, max_length: int) -> Cause:
    unit = "byte" if max_length == 1 else "bytes"
    return Cause(path, f"Too long: may not be more than {max_length} {unit}", TOO_LONG)


def not_found(path: str, value: Any) -> Cause:
    return Cause(path, f"Not found: {format_value(value)}", NOT_FOUND)


def immutable(path: str, new_value: Any) -> Cause:
    return invalid(path, new_value, IMMUTABLE)


def type_error(path: str, value: Any, expected: str) -> Cause:
    """``field.TypeInvalid``: JSON of the wrong type where the schema wants ``expected``."""
    return Cause(path, f"Invalid value: {format_value(value)}: must be of type {expected}",
                 TYPE_INVALID)


# --------------------------------------------------------------------------------------------
# String checks (util/validation): each returns the reasons a value is bad


def regex_error(message: str, pattern: str, *examples: str) -> str:
    """Upstream's RegexError wording, down to its double space between examples."""
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + r"(\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = f"({_QUALIFIED_FMT})?"
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_PERCENT_FMT = "[0-9]+%"

_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
              "or '-', and must start and end with an alphanumeric character")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                  "characters, '-' or '.', and must start and end with an alphanumeric "
                  "character")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character")
_QUALIFIED_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start "
                  "and end with an alphanumeric character")
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    "character")
_CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
_PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


_is_label = _matches(_LABEL_FMT)
_is_subdomain = _matches(_SUBDOMAIN_FMT)
_is_dns1035 = _matches(_DNS1035_FMT)
_is_qualified = _matches(_QUALIFIED_FMT)
_is_label_value = _matches(_LABEL_VALUE_FMT)
_is_config_key = _matches(_CONFIG_KEY_FMT)
_is_percent = _matches(_PERCENT_FMT)
_is_port_name_charset = _matches("[-a-z0-9]+")


def dns1123_label_errors(value: str) -> list[str]:
    errors = [max_len_error(63)] if len(value) > 63 else []
    if not _is_label(value):
        if _is_subdomain(value):
            errors.append("must not contain dots")
        else:
            errors.append(regex_error(_LABEL_MSG, _LABEL_FMT, "my-name", "123-abc"))
    return errors


def dns1123_subdomain_errors(value: str) -> list[str]:
    errors = [max_len_error(253)] if len(value) > 253 else []
    if not _is_subdomain(value):
        errors.append(regex_error(_SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return errors


def dns1035_label_errors(value: str) -> list[str]:
    errors = [max_len_error(63)] if len(value) > 63 else []
    if not _is_dns1035(value):
        errors.append(regex_error(_DNS1035_MSG, _DNS1035_FMT, "my-name", "abc-123"))
    return errors


def qualified_name_errors(value: str) -> list[str]:
    """Label keys, annotation keys, finalizers: ``[prefix/]name``."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) > 2:
        return ["a qualified name " + _qualified_regex_error() +
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {m}" for m in dns1123_subdomain_errors(prefix))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append(f"name part {max_len_error(63)}")
    if not _is_qualified(name):
        errors.append("name part " + _qualified_regex_error())
    return errors


def _qualified_regex_error() -> str:
    return regex_error(_QUALIFIED_MSG, _QUALIFIED_FMT, "MyName", "my.name", "123-abc")


def label_value_errors(value: str) -> list[str]:
    errors = [max_len_error(63)] if len(value) > 63 else []
    if not _is_label_value(value):
        errors.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value",
                                  "12345"))
    return errors


def port_name_errors(value: str) -> list[str]:
    """An IANA service name, as container and service port names must be."""
    errors = [max_len_error(15)] if len(value) > 15 else []
    if not _is_port_name_charset(value):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errors.append("must contain at least one letter (a-z)")
    if "--" in value:
        errors.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def port_number_errors(value: int) -> list[str]:
    return [] if 1 <= value <= 65535 else [inclusive_range_error(1, 65535)]


def percent_errors(value: str) -> list[str]:
    return [] if _is_percent(value) else [regex_error(_PERCENT_MSG, _PERCENT_FMT, "1%", "93%")]


def config_key_errors(value: str) -> list[str]:
    """Keys of ConfigMap/Secret data: they become file names in volumes."""
    errors = [max_len_error(253)] if len(value) > 253 else []
    if not _is_config_key(value):
        errors.append(regex_error(_CONFIG_KEY_MSG, _CONFIG_KEY_FMT, "key.name", "KEY_NAME",
                                  "key-name"))
    if value == ".":
        errors.append("must not be '.'")
    elif value == "..":
        errors.append("must not be '..'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def env_var_name_errors(value: str) -> list[str]:
    """The relaxed rule (RelaxedEnvironmentVariableValidation, on by default since 1.32)."""
    if value and all(" " <= ch <= "~" and ch != "=" for ch in value):
        return []
    return ["a valid environment variable name must consist only of printable ASCII "
            "characters other than '='"]


def path_segment_name_errors(value: str) -> list[str]:
    """Names that only have to survive as one URL path segment (e.g. HPAs)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


def ip_errors(value: str, family: str | None = None) -> list[str]:
    """``family`` is ``"IPv4"``, ``"IPv6"`` or None for either."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    if address is None or (family == "IPv4" and address.version != 4) or \
            (family == "IPv6" and address.version != 6):
        if family == "IPv4":
            return ["must be a valid IPv4 address"]
        if family == "IPv6":
            return ["must be a valid IPv6 address"]
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    return []


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def time_errors(value: str) -> list[str]:
    """Why ``value`` is no time a metav1.Time or MicroTime decodes (RFC 3339)."""
    if _RFC3339.match(value):
        try:
            datetime.fromisoformat(value[:19])  # the calendar: no month 13, no hour 25
        except ValueError:
            pass
        else:
            return []
    return ["must be an RFC 3339 time (e.g. 2006-01-02T15:04:05Z)"]


def _mask_trailing_dash(value: str) -> str:
    # generateName is a prefix: "web-" is fine because a random suffix follows the dash.
    return value[:-1] + "a" if len(value) > 1 and value.endswith("-") else value


NAME_RULES: dict[str, Callable[[str], list[str]]] = {
    "subdomain": dns1123_subdomain_errors,
    "label": dns1123_label_errors,
    "rfc1035": dns1035_label_errors,
    "path": path_segment_name_errors,
}


def name_errors(rule: str, value: str, prefix: bool = False) -> list[str]:
    """Why ``value`` is not a valid ``metadata.name`` under ``rule`` (a key of NAME_RULES);
    ``prefix`` checks a ``generateName``."""
    return NAME_RULES[rule](_mask_trailing_dash(value) if prefix else value)


# --------------------------------------------------------------------------------------------
# Typed field validators: each checks one JSON value's type and then its content


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_type(value: Any, path: str, expected: type | tuple[type, ...]) -> list[Cause]:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer"}
    types = expected if isinstance(expected, tuple) else (expected,)
    if any(is_int(value) if t is int else isinstance(value, t) for t in types):
        return []
    return [type_error(path, value, " or ".join(names.get(t, t.__name__) for t in types))]


def string_field(value: Any, path: str, *, required_: bool = False,
                 check: Callable[[str], list[str]] | None = None) -> list[Cause]:
    """A string, required (non-empty) or optional, run through a string check."""
    if value is None or value == "":
        return [required(path)] if required_ else []
    if not isinstance(value, str):
        return [type_error(path, value, "string")]
    return [invalid(path, value, msg) for msg in (check(value) if check else [])]


def time_field(value: Any, path: str, *, required_: bool = False) -> list[Cause]:
    """A metav1.Time: Go refuses anything else while decoding (``""`` too), so it is never
    stored; absent (or null) is the zero time."""
    if value is None:
        return [required(path)] if required_ else []
    if not isinstance(value, str):
        return [type_error(path, value, "string")]
    return [invalid(path, value, msg) for msg in time_errors(value)]


def int_field(value: Any, path: str, *, minimum: int | None = None, maximum: int | None = None,
              required_: bool = False, detail: str = "") -> list[Cause]:
    """An integer within bounds; ``detail`` overrides the bound message."""
    if value is None:
        return [required(path)] if required_ else []
    if not is_int(value):
        return [type_error(path, value, "integer")]
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if detail:
            message = detail
        elif minimum is not None and maximum is not None:
            message = inclusive_range_error(minimum, maximum)
        elif minimum is not None:
            message = NEGATIVE if minimum == 0 else f"must be greater than or equal to {minimum}"
        else:
            message = f"must be less than or equal to {maximum}"
        return [invalid(path, value, message)]
    return []


def bool_field(value: Any, path: str) -> list[Cause]:
    return [] if value is None else check_type(value, path, bool)


def enum_field(value: Any, path: str, supported: Iterable[str], *,
               required_: bool = False) -> list[Cause]:
    if value is None or value == "":
        return [required(path)] if required_ else []
    options = list(supported)
    if value not in options:
        return [not_supported(path, value, options)]
    return []


def as_dict(value: Any, path: str, causes: list[Cause]) -> dict:
    """``value`` when it is an object (``{}`` when absent); a type error is recorded."""
    if isinstance(value, dict):
        return value
    if value is not None:
        causes.append(type_error(path, value, "object"))
    return {}


def as_list(value: Any, path: str, causes: list[Cause]) -> list:
    if isinstance(value, list):
        return value
    if value is not None:
        causes.append(type_error(path, value, "array"))
    return []


def dict_items(items: list, path: str, causes: list[Cause]) -> Iterable[tuple[int, dict, str]]:
    """(index, item, item path) for every object in a list, reporting the rest."""
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        if isinstance(item, dict):
            yield i, item, item_path
        else:
            causes.append(type_error(item_path, item, "object"))


def string_map(value: Any, path: str, causes: list[Cause]) -> dict[str, str]:
    """An object of strings (labels, annotations, data): entries of other types are reported
    and left out of the result."""
    result: dict[str, str] = {}
    for key, item in as_dict(value, path, causes).items():
        if not isinstance(key, str):
            causes.append(type_error(path, key, "string"))
        elif isinstance(item, str):
            result[key] = item
        else:
            causes.append(type_error(f"{path}[{key}]", item, "string"))
    return result


def string_keys(value: dict, path: str, causes: list[Cause]) -> dict[str, Any]:
    """The members of ``value`` whose keys are strings (YAML allows others); the rest are
    reported."""
    result = {}
    for key, item in value.items():
        if isinstance(key, str):
            result[key] = item
        else:
            causes.append(type_error(path, key, "string"))
    return result


def int_or_string_errors(value: Any, path: str) -> list[Cause]:
    return [] if is_int(value) or isinstance(value, str) else \
        [type_error(path, value, "integer or string")]


def int_or_percent_field(value: Any, path: str, *, at_most_100: bool = True) -> list[Cause]:
    """maxUnavailable/maxSurge/minAvailable: a non-negative integer or ``N%``."""
    if value is None:
        return []
    if is_int(value):
        return int_field(value, path, minimum=0)
    if not isinstance(value, str):
        return [invalid(path, value, "must be an integer or percentage (e.g '5%')")]
    causes = [invalid(path, value, msg) for msg in percent_errors(value)]
    if not causes and at_most_100 and int(value[:-1]) > 100:
        causes.append(invalid(path, value, "must not be greater than 100%"))
    return causes


def port_field(value: Any, path: str, *, required_: bool = False) -> list[Cause]:
    """A port number 1-65535 (0 counts as unset, as in Go)."""
    if value is None or value == 0:
        return [required(path)] if required_ else []
    if not is_int(value):
        return [type_error(path, value, "integer")]
    return [invalid(path, value, m) for m in port_number_errors(value)]


def int_or_port_name_field(value: Any, path: str) -> list[Cause]:
    """targetPort and probe ports: a number or an IANA port name."""
    if is_int(value):
        return [invalid(path, value, m) for m in port_number_errors(value)]
    if isinstance(value, str):
        return [invalid(path, value, m) for m in port_name_errors(value)]
    return [type_error(path, value, "integer or string")]


# --------------------------------------------------------------------------------------------
# ObjectMeta


def validate_labels(labels: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for key, value in string_map(labels, path, causes).items():
        causes += [invalid(path, key, m) for m in qualified_name_errors(key)]
        causes += [invalid(path, value, m) for m in label_value_errors(value)]
    return causes


def validate_annotations(annotations: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    values = string_map(annotations, path, causes)
    for key in values:
        causes += [invalid(path, key, m) for m in qualified_name_errors(key.lower())]
    size = sum(len(k.encode()) + len(v.encode()) for k, v in values.items())
    if size > TOTAL_ANNOTATION_SIZE:
        causes.append(too_long(path, TOTAL_ANNOTATION_SIZE))
    return causes


def validate_owner_references(refs: Any, path: str) -> list[Cause]:
    """Upstream reports these without an index (``metadata.ownerReferences.uid``)."""
    causes: list[Cause] = []
    controllers: list[str] = []
    for _, ref, ref_path in dict_items(as_list(refs, path, causes), path, causes):
        for key, word in (("apiVersion", "version"), ("kind", "kind"), ("name", "name"),
                          ("uid", "uid")):
            value = ref.get(key)
            if value is None or value == "":
                causes.append(invalid(f"{path}.{key}", value or "", f"{word} must not be empty"))
            elif not isinstance(value, str):
                causes.append(type_error(f"{ref_path}.{key}", value, "string"))
        for flag in ("controller", "blockOwnerDeletion"):
            causes += bool_field(ref.get(flag), f"{ref_path}.{flag}")
        if ref.get("controller") is True:
            controllers.append(f"{ref.get('kind')}/{ref.get('name')}")
    if len(controllers) > 1:
        causes.append(invalid(path, refs, "Only one reference can have Controller set to true. "
                              f"Found \"true\" in references for {' and '.join(controllers)}"))
    return causes


def validate_finalizers(finalizers: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, item in enumerate(as_list(finalizers, path, causes)):
        if not isinstance(item, str):
            causes.append(type_error(f"{path}[{i}]", item, "string"))
            continue
        causes += [invalid(path, item, m) for m in qualified_name_errors(item)]
        if item in seen:
            causes.append(duplicate(path, item))
        seen.add(item)
    return causes


def validate_object_meta(meta: Any, *, name_rule: str = "subdomain",
                         namespaced: bool | None = None, path: str = "metadata") -> list[Cause]:
    """``ValidateObjectMeta``. ``namespaced`` None accepts either (unknown kinds)."""
    causes: list[Cause] = []
    meta = as_dict(meta, path, causes)
    # Any generateName present must be a string: an empty map or list is no string either.
    causes += string_field(meta.get("generateName"), f"{path}.generateName",
                           check=lambda v: name_errors(name_rule, v, prefix=True))
    name = meta.get("name")
    if not name:
        causes.append(required(f"{path}.name", "name or generateName is required"))
    else:
        causes += string_field(name, f"{path}.name",
                               check=lambda v: name_errors(name_rule, v))
    namespace = meta.get("namespace")
    if namespaced is True:
        causes += string_field(namespace, f"{path}.namespace", required_=True,
                               check=dns1123_label_errors)
    elif namespaced is False and namespace:
        causes.append(forbidden(f"{path}.namespace", "not allowed on this type"))
    elif namespace:
        causes += string_field(namespace, f"{path}.namespace", check=dns1123_label_errors)
    causes += int_field(meta.get("generation"), f"{path}.generation", minimum=0)
    causes += validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    causes += validate_owner_references(meta.get("ownerReferences"), f"{path}.ownerReferences")
    causes += validate_finalizers(meta.get("finalizers"), f"{path}.finalizers")
    return causes

