from __future__ import annotations

import pytest

from exporters.node.collector import NoData
from exporters.node.collectors.osrelease import OsCollector, os_version, parse_assignments
from tests.exporters.node.nodefs import values

OS_RELEASE = '''\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
# a comment
'''


def test_info_and_version(node):
    node.write("root/usr/lib/os-release", OS_RELEASE)
    got = values(OsCollector(node.config).collect())
    info = {k: v for k, v in dict(next(k for k in got if k[0] == "node_os_info")[1]).items()
            if v}
    assert info == {"id": "debian", "name": "Debian GNU/Linux",
                    "pretty_name": "Debian GNU/Linux 12 (bookworm)", "version": "12 (bookworm)",
                    "version_codename": "bookworm", "version_id": "12"}
    assert got[("node_os_version", (("id", "debian"), ("id_like", ""),
                                    ("name", "Debian GNU/Linux")))] == 12


def test_etc_wins_over_usr_lib(node):
    node.write("root/usr/lib/os-release", "ID=vendor\n")
    node.write("root/etc/os-release", "ID=admin\n")
    got = values(OsCollector(node.config).collect())
    assert any(dict(k[1]).get("id") == "admin" for k in got)


def test_no_os_release_is_no_data(node):
    with pytest.raises(NoData):
        list(OsCollector(node.config).collect())


@pytest.mark.parametrize(("version_id", "expected"), [
    ("12", 12.0), ("22.04", 22.04), ("3.18.4", 3.18), ("rolling", 0.0), ("", 0.0)])
def test_os_version_keeps_major_minor(version_id, expected):
    assert os_version(version_id) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ('NAME="Debian GNU/Linux"', "Debian GNU/Linux"),
    ("NAME='single quoted'", "single quoted"),
    ("NAME=bare", "bare"),
    ('NAME="say \\"hi\\" for \\$5"', 'say "hi" for $5'),
    ('NAME=""', ""),
])
def test_shell_quoting(line, expected):
    assert parse_assignments(line + "\n") == {"name": expected}
