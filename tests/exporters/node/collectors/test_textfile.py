from __future__ import annotations

import dataclasses
import os

from exporters.node.collectors.textfile import TextfileCollector
from tests.exporters.node.nodefs import families, values


def collector(node, directory):
    return TextfileCollector(dataclasses.replace(node.config, textfile_directory=directory))


def test_files_are_exposed_with_their_mtimes(node):
    good = node.write("text/jobs.prom", "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n"
                                        'jobs_total{queue="a"} 3\n')
    node.write("text/more.prom", 'jobs_total{queue="b"} 4\ntemperature 21.5\n'
                                 "# TYPE jobs_total counter\n")
    node.write("text/ignored.txt", "not_read 1\n")
    os.utime(good, (1700000000, 1700000000))
    out = list(collector(node, node.base / "text").collect())
    got = values(out)
    assert got[("jobs_total", (("queue", "a"),))] == 3
    assert got[("jobs_total", (("queue", "b"),))] == 4
    assert got[("temperature", ())] == 21.5
    assert families(out)["temperature"].type == "unknown"
    assert got[("node_textfile_mtime_seconds", (("file", str(good)),))] == 1700000000
    assert got[("node_textfile_scrape_error", ())] == 0
    assert ("not_read", ()) not in got


def test_bad_files_are_left_out_whole_and_flagged(node):
    node.write("text/a_good.prom", "ok_metric 1\n")
    node.write("text/b_broken.prom", "half_metric 1\nbroken line {\n")
    node.write("text/c_stamped.prom", "stamped 1 1700000000000\n")
    node.write("text/d_clash.prom", "# TYPE ok_metric counter\nok_metric_total 2\n")
    got = values(collector(node, node.base / "text").collect())
    assert got[("node_textfile_scrape_error", ())] == 1
    assert {k[0] for k in got} == {"ok_metric", "node_textfile_mtime_seconds",
                                   "node_textfile_scrape_error"}
    assert len([k for k in got if k[0] == "node_textfile_mtime_seconds"]) == 1


def test_missing_directory_is_an_error(node):
    got = values(collector(node, node.base / "absent").collect())
    assert got == {("node_textfile_scrape_error", ()): 1}


def test_no_directory_configured_reports_nothing(node):
    assert list(TextfileCollector(node.config).collect()) == []
