"""Pod volumes on the node (emptyDir, hostPath, configMap, secret, downwardAPI, projected,
persistentVolumeClaim) and pod addresses."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from observe.kubelet.env import PodNetwork
from observe.kubelet.ipam import AddressesExhausted, PodAddresses
from observe.kubelet.layout import Layout
from observe.kubelet.volumes import VolumeError, VolumeManager, write_files

NETWORK = PodNetwork("127.30.0.2", "127.0.0.1")
OBJECTS = {
    ("configmaps", "ns", "cfg"): {"data": {"a.conf": "alpha", "b.conf": "beta"}},
    ("secrets", "ns", "creds"): {"data": {"token": base64.b64encode(b"t0k").decode()}},
    ("persistentvolumeclaims", "ns", "claim"): {"spec": {"volumeName": "pv-1"}},
    ("persistentvolumeclaims", "ns", "pending"): {"spec": {}},
}


@pytest.fixture
def layout(tmp_path):
    layout = Layout(tmp_path / "root")
    layout.create()
    return layout


def manager(layout, extra=None):
    objects = {**OBJECTS, **(extra or {})}

    async def fetch(plural, namespace, name):
        return objects.get((plural, namespace, name))

    return VolumeManager(layout, fetch, {"cpu": "2", "memory": "1Gi"})


def pod(*volumes):
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u1", "labels": {"a": "b"}},
            "spec": {"volumes": list(volumes), "containers": []}}


async def test_empty_dir_config_map_secret_and_downward_api(layout):
    volumes = await manager(layout).setup(pod(
        {"name": "scratch", "emptyDir": {}},
        {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "a.conf",
                                                               "path": "conf/a"}]}},
        {"name": "creds", "secret": {"secretName": "creds", "defaultMode": 0o400}},
        {"name": "info", "downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "ip", "fieldRef": {"fieldPath": "status.podIP"}}]}},
    ), NETWORK)
    assert os.path.isdir(volumes["scratch"])
    assert Path(volumes["cfg"], "conf/a").read_text() == "alpha"
    assert not os.path.exists(os.path.join(volumes["cfg"], "b.conf")), "only listed items"
    token = Path(volumes["creds"], "token")
    assert token.read_text() == "t0k" and stat.S_IMODE(token.stat().st_mode) == 0o400
    assert Path(volumes["info"], "labels").read_text() == 'a="b"'
    assert Path(volumes["info"], "ip").read_text() == "127.30.0.2"
    assert volumes["cfg"].startswith(str(layout.pod_dir("u1")))


async def test_projected_volume(layout):
    volumes = await manager(layout).setup(pod({"name": "all", "projected": {"sources": [
        {"configMap": {"name": "cfg"}}, {"secret": {"name": "creds"}},
        {"serviceAccountToken": {"path": "sa-token"}}]}}), NETWORK)
    assert sorted(os.listdir(volumes["all"])) == ["a.conf", "b.conf", "sa-token", "token"]


@pytest.mark.parametrize(("volume", "message"), [
    ({"name": "cfg", "configMap": {"name": "nope"}},
     'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found'),
    ({"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "zzz", "path": "z"}]}},
     'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config '
     "key: zzz"),
    ({"name": "s", "secret": {"secretName": "nope"}},
     'MountVolume.SetUp failed for volume "s" : secret "nope" not found'),
    ({"name": "h", "hostPath": {"path": "/no/such/dir", "type": "Directory"}},
     'MountVolume.SetUp failed for volume "h" : hostPath type check failed: /no/such/dir is '
     "not a directory"),
    ({"name": "c", "persistentVolumeClaim": {"claimName": "pending"}},
     'MountVolume.SetUp failed for volume "c" : persistentvolumeclaim "pending" is not bound'),
    ({"name": "x", "iscsi": {}},
     'MountVolume.SetUp failed for volume "x" : volume type iscsi is not supported by this '
     "kubelet"),
])
async def test_volume_errors(layout, volume, message):
    with pytest.raises(VolumeError) as raised:
        await manager(layout).setup(pod(volume), NETWORK)
    assert str(raised.value) == message


async def test_optional_missing_config_map_is_an_empty_volume(layout):
    volumes = await manager(layout).setup(
        pod({"name": "cfg", "configMap": {"name": "nope", "optional": True}}), NETWORK)
    assert os.listdir(volumes["cfg"]) == []


async def test_host_path_and_claims(layout, tmp_path):
    created = tmp_path / "made" / "here"
    pv_path = tmp_path / "pv"
    extra = {("persistentvolumes", "", "pv-1"): {"spec": {"hostPath": {"path": str(pv_path)}}}}
    volumes = await manager(layout, extra).setup(pod(
        {"name": "h", "hostPath": {"path": str(created), "type": "DirectoryOrCreate"}},
        {"name": "c", "persistentVolumeClaim": {"claimName": "claim"}}), NETWORK)
    assert volumes["h"] == str(created) and created.is_dir()
    assert volumes["c"] == str(pv_path) and pv_path.is_dir()


def test_write_files_replaces_changed_and_removes_stale(tmp_path):
    target = tmp_path / "vol"
    write_files(target, {"a": (b"1", 0o644), "dir/b": (b"2", 0o644)})
    write_files(target, {"a": (b"changed", 0o600)})
    assert (target / "a").read_bytes() == b"changed"
    assert stat.S_IMODE((target / "a").stat().st_mode) == 0o600
    assert not (target / "dir").exists()


def test_pod_addresses_are_unique_and_survive_a_restart(layout):
    addresses = PodAddresses(layout, "127.40.0.0/30")
    assert addresses.ensure("a") == "127.40.0.2"
    assert addresses.ensure("a") == "127.40.0.2"
    with pytest.raises(AddressesExhausted):
        addresses.ensure("b")  # a /30 has one usable address after the reserved two
    again = PodAddresses(layout, "127.40.0.0/30")
    assert again.get("a") == "127.40.0.2"
    again.release("a")
    assert PodAddresses(layout, "127.40.0.0/30").ensure("b") == "127.40.0.2"
