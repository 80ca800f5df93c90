"""JSON merging, message and level extraction."""

from __future__ import annotations

import pytest

from observe.shipper.parsing import AUTO, JSON, NONE, TAG_JSON_ERROR, level_of_text, parse


@pytest.mark.parametrize("text, level", [
    ("2024-01-01 12:00:00 ERROR something failed", "error"),
    ("WARNING:root:disk almost full", "warn"),
    ('time=1 level=debug msg="x"', "debug"),
    ("E0102 15:04:05.000000 1 main.go:10] oops", "error"),
    ("I0102 15:04:05.000000 1 main.go:10] fine", "info"),
    ("an error in lower case is not a level", None),
    ("plain text", None),
])
def test_level_of_text(text, level):
    assert level_of_text(text) == level


def test_json_fields_merge_and_message_is_kept():
    parsed = parse('{"msg": "hello", "level": "WARNING", "user": "ann", "n": 3}')
    assert parsed.message == "hello"
    assert parsed.level == "warn"
    assert parsed.fields == {"user": "ann", "n": 3}


def test_json_without_message_keeps_the_line():
    line = '{"user": "ann"}'
    assert parse(line).message == line


def test_reserved_keys_are_moved_under_json():
    parsed = parse('{"message": "m", "kubernetes": "x", "log.file": "y", "host": {"a": 1}}')
    assert parsed.fields == {"json": {"kubernetes": "x", "log_file": "y", "host": {"a": 1}}}


@pytest.mark.parametrize("parser, flags", [(AUTO, ()), (JSON, (TAG_JSON_ERROR,)),
                                           (NONE, ())])
def test_text_under_each_parser(parser, flags):
    parsed = parse("{not json", parser)
    assert parsed.fields is None and parsed.flags == flags


def test_parser_none_leaves_json_alone():
    assert parse('{"msg": "x"}', NONE).fields is None


def test_merged_fields_fold_into_one_string_for_a_mapping_conflict():
    import orjson

    from observe.shipper.fields import without_merged_fields

    source = orjson.dumps({"status": "ok", "@timestamp": "t", "message": "m",
                           "log": {"offset": 1}, "kubernetes": {"namespace": "n"}})
    repaired = orjson.loads(without_merged_fields(source))
    assert repaired["json_text"] == '{"status":"ok"}' and "status" not in repaired
    assert repaired["log"] == {"offset": 1, "flags": ["mapping_conflict"]}
    assert without_merged_fields(orjson.dumps(repaired)) is None, "repaired twice"
