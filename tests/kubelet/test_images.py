"""The image catalog: reference normalisation and resolution (built-ins, the YAML file)."""

from __future__ import annotations

import os
import sys

import pytest

from observe.kubelet.images import (
    ImageCatalog,
    ImageNotFound,
    InvalidImageName,
    parse_reference,
)


@pytest.mark.parametrize(("image", "normalised"), [
    ("busybox", "docker.io/library/busybox:latest"),
    ("busybox:1.36", "docker.io/library/busybox:1.36"),
    ("library/busybox", "docker.io/library/busybox:latest"),
    ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
    ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("python@sha256:" + "a" * 64, "docker.io/library/python@sha256:" + "a" * 64),
])
def test_references_are_normalised_like_container_runtimes(image, normalised):
    assert str(parse_reference(image)) == normalised


@pytest.mark.parametrize("image", ["", "UPPER/case", "bad image", "busybox:", " busybox"])
def test_invalid_references(image):
    with pytest.raises(InvalidImageName, match="invalid reference format"):
        parse_reference(image)


@pytest.fixture
def catalog(tmp_path):
    return ImageCatalog(tmp_path / "images", python=sys.executable)


@pytest.mark.parametrize(("image", "cmd"), [
    ("busybox", ("sh",)),
    ("busybox:1.36.1", ("sh",)),
    ("docker.io/library/alpine:3.19", ("/bin/sh",)),
    ("python:3.12", ("python3",)),
    ("python:3.11-slim", ("python3",)),
    ("python", ("python3",)),
])
def test_builtin_images(catalog, image, cmd):
    resolved = catalog.resolve(image)
    assert resolved.cmd == cmd
    assert resolved.image_id.startswith(resolved.reference.repository + "@sha256:")
    assert "/usr/bin" in resolved.env["PATH"]


def test_python_image_links_python_on_path(catalog):
    resolved = catalog.resolve("python:3.12")
    bin_dir = resolved.env["PATH"].split(":")[0]
    assert os.path.realpath(os.path.join(bin_dir, "python")) == os.path.realpath(sys.executable)
    assert os.path.realpath(os.path.join(bin_dir, "python3")) == \
        os.path.realpath(sys.executable)


def test_pause_image_sleeps_forever(catalog):
    assert catalog.resolve("registry.k8s.io/pause:3.9").entrypoint == ("sleep", "infinity")


@pytest.mark.parametrize("image", ["nosuchimage", "python:2.7", "quay.io/busybox/other"])
def test_unknown_images_are_pull_errors(catalog, image):
    with pytest.raises(ImageNotFound, match="not found in the image catalog"):
        catalog.resolve(image)


def test_catalog_file_adds_and_overrides_entries_and_is_reread(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("""
images:
  - image: nginx
    tags: ["1.*"]
    entrypoint: [/usr/bin/env]
    cmd: [echo, nginx]
    env: {NGINX_VERSION: "1.25"}
    workingDir: /srv
  - image: busybox
    cmd: [custom]
""")
    catalog = ImageCatalog(tmp_path / "images", python=sys.executable, catalog_file=path)
    nginx = catalog.resolve("nginx:1.25")
    assert (nginx.entrypoint, nginx.cmd, nginx.working_dir) == (("/usr/bin/env",),
                                                               ("echo", "nginx"), "/srv")
    assert nginx.env["NGINX_VERSION"] == "1.25"
    assert catalog.resolve("busybox").cmd == ("custom",), "the file wins over built-ins"
    with pytest.raises(ImageNotFound):
        catalog.resolve("nginx:2.0")
    path.write_text("images: [{image: nginx, cmd: [other]}]\n")
    os.utime(path, (1, 1))  # a different mtime, however fast the test runs
    assert catalog.resolve("nginx:2.0").cmd == ("other",)


def test_a_broken_catalog_file_fails_at_start(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("images: {not: a list}\n")
    with pytest.raises(ValueError, match="list of entries"):
        ImageCatalog(tmp_path / "images", python=sys.executable, catalog_file=path)
