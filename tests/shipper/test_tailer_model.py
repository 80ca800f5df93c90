"""Random sequences of writes, rotations, compressions, copytruncates and restarts (the
model-based test Vector runs on its file source): whatever happens, once the shipper
catches up, every line written is in the store exactly once."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .harness import RunningShipper, fast_config
from .logfiles import append, container_dir, copytruncate, cri, gzip_file, rotate

OPERATIONS = st.one_of(
    st.tuples(st.just("write"), st.integers(1, 40)),
    st.tuples(st.just("split"), st.integers(1, 3)),  # one line as P pieces + F
    st.tuples(st.just("rotate"), st.none()),
    st.tuples(st.just("gzip"), st.none()),
    st.tuples(st.just("copytruncate"), st.none()),
    st.tuples(st.just("restart"), st.none()),
    st.tuples(st.just("crash"), st.none()),
    st.tuples(st.just("pause"), st.sampled_from([0.0, 0.05, 0.3])),
)


class Scenario:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = container_dir(root, "ns", "web", "uid-model", "app") / "0.log"
        self.written: list[str] = []
        self.numbers = itertools.count()
        self.names = itertools.count()

    def write(self, n: int) -> None:
        lines = [f"line {next(self.numbers)}" for _ in range(n)]
        append(self.log, *(cri(text) for text in lines))
        self.written += lines

    def split(self, pieces: int) -> None:
        number = next(self.numbers)
        parts = [f"line {number} part {p} " for p in range(pieces)] + ["end"]
        append(self.log, *(cri(p, tag="P") for p in parts[:-1]), cri(parts[-1]))
        self.written.append("".join(parts))

    def rotate(self) -> None:
        if self.log.exists():
            rotate(self.log, f"2024{next(self.names):04d}-000000")

    def gzip(self) -> None:
        plain = sorted(p for p in self.log.parent.iterdir()
                       if p.name.startswith("0.log.") and not p.name.endswith(".gz"))
        if plain:
            gzip_file(plain[0])

    def copytruncate(self) -> None:
        if self.log.exists():
            copytruncate(self.log, f"ct{next(self.names)}")


async def play(operations) -> None:
    root = Path(tempfile.mkdtemp(prefix="shipper-model-"))
    try:
        scenario = Scenario(root)
        config = fast_config(root)
        run = RunningShipper(config)
        await run.__aenter__()
        stored: dict = {}
        for op, arg in operations:
            if op in ("restart", "crash"):
                await (run.stop() if op == "restart" else run.crash())
                stored.update(run.documents)
                run = RunningShipper(config)
                run.transport.documents.update(stored)  # the store outlives the shipper
                await run.__aenter__()
            elif op == "pause":
                await asyncio.sleep(arg)
            else:
                getattr(scenario, op)(*(() if arg is None else (arg,)))
        want = Counter(scenario.written)
        await run.until(lambda: len(run.documents) >= len(scenario.written), 20,
                        f"{len(scenario.written)} documents after {operations}")
        await asyncio.sleep(0.3)  # anything extra would show up now
        await run.stop()
        got = Counter(d["message"] for d in run.documents.values())
        assert got == want, (f"after {operations}: missing {want - got}, "
                             f"extra {got - want}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OPERATIONS, min_size=1, max_size=14))
@example([("write", 1), ("pause", 0.0), ("copytruncate", None), ("write", 2)])
@example([("write", 30), ("split", 2), ("crash", None), ("write", 5), ("rotate", None),
          ("gzip", None), ("write", 3)])
def test_every_line_exactly_once_whatever_happens_to_the_files(operations):
    asyncio.run(play(operations))
