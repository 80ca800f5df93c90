"""Reading -f sources: files, directories, stdin, multi-document YAML, JSON and Lists."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from observe.cli.manifests import ManifestError, expand_paths, parse_documents, read_manifests

DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"


@pytest.mark.parametrize(
    ("name", "text", "want"),
    [
        ("two documents", f"{DEPLOY}---\n{SVC}", [("Deployment", "web"), ("Service", "web")]),
        ("empty documents are skipped", f"---\n{DEPLOY}---\n---\n",
         [("Deployment", "web")]),
        ("json object", '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}',
         [("ConfigMap", "c")]),
        ("List kinds are flattened",
         "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n"
         "    name: p\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n",
         [("Pod", "p"), ("Secret", "s")]),
        ("typed lists too",
         'kind: PodList\napiVersion: v1\nitems:\n- {"apiVersion": "v1", "kind": "Pod", '
         '"metadata": {"name": "q"}}\n', [("Pod", "q")]),
    ],
)
def test_parse_documents(name: str, text: str, want: list) -> None:
    got = [(m.obj["kind"], m.obj["metadata"]["name"]) for m in parse_documents(text, "f")]
    assert got == want, name


def test_dates_stay_strings() -> None:
    text = DEPLOY + "  annotations:\n    since: 2024-01-01\n"
    (manifest,) = parse_documents(text, "f")
    assert manifest.obj["metadata"]["annotations"]["since"] == "2024-01-01"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: Pod\nmetadata: {name: x}\n", "[apiVersion not set]"),
        ("metadata: {name: x}\n", "[apiVersion not set, kind not set]"),
        ("a: [1, 2\n", 'error parsing f.yaml: error converting YAML to JSON: yaml: line'),
        ("- 1\n- 2\n", "the document is not a mapping"),
    ],
)
def test_bad_documents_are_reported_with_their_source(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_documents(text, "f.yaml")
    assert message in str(caught.value)


def test_directories_read_manifest_files_sorted_and_recurse_only_with_R(tmp_path: Path
                                                                         ) -> None:
    (tmp_path / "b.yaml").write_text(SVC)
    (tmp_path / "a.yml").write_text(DEPLOY)
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.json").write_text(
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}')
    flat = expand_paths([str(tmp_path)])
    assert [Path(p).name for p in flat] == ["a.yml", "b.yaml"]
    deep = expand_paths([str(tmp_path)], recursive=True)
    assert [Path(p).name for p in deep] == ["a.yml", "b.yaml", "c.json"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r'the path ".*nope\.yaml" does not exist'):
        expand_paths([str(tmp_path / "nope.yaml")])


def test_stdin_and_files_keep_their_sources(tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(SVC)
    manifests = read_manifests(["-", str(path)], io.StringIO(DEPLOY))
    assert [(m.source, m.obj["kind"]) for m in manifests] == [
        ("STDIN", "Deployment"), (str(path), "Service")]
