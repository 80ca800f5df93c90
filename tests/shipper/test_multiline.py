"""Stack traces joined into one record; other lines left alone."""

from __future__ import annotations

import pytest

from observe.shipper.formats import Entry
from observe.shipper.multiline import MultilineJoiner, RegexRule, rules_named

PYTHON = ["Traceback (most recent call last):", '  File "app.py", line 3, in <module>',
          "    main()", "ValueError: bad value"]
JAVA = ["java.lang.IllegalStateException: boom", "\tat com.example.A.run(A.java:10)",
        "\tat com.example.B.main(B.java:5)", "Caused by: java.io.IOException: disk",
        "\t... 2 more"]
GO = ["panic: runtime error: index out of range", "", "goroutine 1 [running]:",
      "main.main()", "\t/app/main.go:8 +0x1d", "exit status 2"]


def run(lines, rules=("python", "java", "go"), flush=True):
    joiner = MultilineJoiner(rules_named(rules))
    out = []
    for i, text in enumerate(lines):
        out += joiner.feed(Entry(i * 100, i * 100 + 99, "t", "stderr", text), now=0.0)
    if flush:
        out += joiner.flush()
    return out


@pytest.mark.parametrize("name, lines", [("python", PYTHON), ("java", JAVA), ("go", GO)])
def test_a_trace_between_plain_lines_is_one_record(name, lines):
    out = run(["before", *lines, "after"])
    assert [e.text for e in out] == ["before", "\n".join(lines), "after"], name
    assert out[1].start == 100 and "multiline" in out[1].tags


def test_chained_python_tracebacks_stay_together():
    chained = [*PYTHON, "", "During handling of the above exception, another exception "
               "occurred:", "", *PYTHON]
    out = run([*chained, "next"])
    assert len(out) == 2 and out[1].text == "next"


def test_rules_none_passes_every_line_through():
    out = run(PYTHON, rules=("none",))
    assert len(out) == len(PYTHON)


def test_idle_flush_sends_an_open_group():
    joiner = MultilineJoiner(rules_named(["go"]))
    assert joiner.feed(Entry(0, 10, "t", "stderr", "panic: x"), now=0.0) == []
    assert joiner.pending_start() == 0
    assert joiner.flush_idle(now=0.5, timeout=1.0) == []
    [entry] = joiner.flush_idle(now=1.5, timeout=1.0)
    assert entry.text == "panic: x" and joiner.pending_start() is None


def test_streams_are_grouped_separately():
    joiner = MultilineJoiner(rules_named(["java"]))
    out = joiner.feed(Entry(0, 1, "t", "stderr", JAVA[0]), 0.0)
    out += joiner.feed(Entry(1, 2, "t", "stdout", "unrelated"), 0.0)
    out += joiner.feed(Entry(2, 3, "t", "stderr", JAVA[1]), 0.0)
    out += joiner.flush()
    assert [e.text for e in out] == ["unrelated", "\n".join(JAVA[:2])]


def test_json_lines_never_start_a_group():
    assert len(run(['{"msg": "java.lang.RuntimeException: x"}', "\tat a.b(C.java:1)"])) == 2


def test_a_custom_rule():
    rule = RegexRule(r"BEGIN", r"  ")
    joiner = MultilineJoiner([rule])
    out = []
    for i, text in enumerate(["BEGIN", "  a", "  b", "END"]):
        out += joiner.feed(Entry(i, i + 1, "t", "stdout", text), 0.0)
    assert [e.text for e in out] == ["BEGIN\n  a\n  b", "END"]


def test_group_cap_splits_a_huge_trace():
    joiner = MultilineJoiner(rules_named(["java"]), max_lines=3)
    out = []
    for i, text in enumerate([JAVA[0]] + ["\tat x.y(Z.java:1)"] * 5):
        out += joiner.feed(Entry(i, i + 1, "t", "stderr", text), 0.0)
    out += joiner.flush()
    assert len(out[0].text.split("\n")) == 3


def test_unknown_rule_name_is_an_error():
    with pytest.raises(ValueError, match="unknown multiline rule"):
        rules_named(["cobol"])
