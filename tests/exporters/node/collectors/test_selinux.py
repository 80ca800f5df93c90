from __future__ import annotations

from exporters.node.collectors.selinux import SelinuxCollector
from tests.exporters.node.nodefs import values


def test_disabled_without_selinuxfs(node):
    assert values(SelinuxCollector(node.config).collect()) == {("node_selinux_enabled", ()): 0}


def test_enabled_with_modes(node):
    node.write("sys/fs/selinux/enforce", "0\n")
    node.write("root/etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n")
    assert values(SelinuxCollector(node.config).collect()) == {
        ("node_selinux_enabled", ()): 1, ("node_selinux_current_mode", ()): 0,
        ("node_selinux_config_mode", ()): 1}
