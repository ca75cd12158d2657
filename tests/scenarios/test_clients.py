"""Clients generated from openapi.yaml by the generators users reach for work against the stub:
openapi-python-client's client lists, pages and parses both APIs; datamodel-code-generator's
pydantic models parse a page of each."""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.scenarios.test_processes import server

BIN = Path(sys.executable).parent
SPEC = REPO / "openapi.yaml"


@pytest.fixture(scope="module")
def stub() -> Iterator[str]:
    with server("--count", "120", "--org-count", "30") as base:
        yield base


def generate(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def same(model: Any, raw: Any) -> bool:
    """Equal as JSON values, a timestamp equal to its instant whatever its spelling (`Z`, `+00:00`)."""
    if isinstance(model, dict) and isinstance(raw, dict):
        return model.keys() == raw.keys() and all(same(model[k], raw[k]) for k in raw)
    if isinstance(model, list) and isinstance(raw, list):
        return len(model) == len(raw) and all(same(m, r) for m, r in zip(model, raw, strict=True))
    if isinstance(model, str) and isinstance(raw, str) and model != raw:
        try:
            return datetime.fromisoformat(model) == datetime.fromisoformat(raw)
        except ValueError:
            return False
    return bool(model == raw)


def test_openapi_python_client_lists_pages_and_parses_both_apis(tmp_path: Path, stub: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")
    command = [str(BIN / "openapi-python-client"), "generate", "--path", str(SPEC), "--config", str(config)]
    output = generate([*command, "--output-path", str(tmp_path / "client")])
    # A schema the generator cannot read is dropped with a warning, and the models that hold it.
    assert "Unable to process" not in output, output
    sys.path.insert(0, str(tmp_path / "client"))
    try:
        package = importlib.import_module("list_assistants_client")
        assistants = importlib.import_module("list_assistants_client.api.assistants.list_assistants")
        orgs = importlib.import_module("list_assistants_client.api.orgs.list_org_assistants")
    finally:
        sys.path.remove(str(tmp_path / "client"))
    with package.AuthenticatedClient(base_url=stub, token="dev-token") as client:
        walk(client, assistants, orgs)


def walk(client: Any, assistants: Any, orgs: Any) -> None:
    seen: list[int] = []
    skip = 0
    while True:
        response = assistants.sync_detailed(client=client, skip=skip, limit=50)
        assert response.status_code == 200
        raw = json.loads(response.content)
        assert all(same(model.to_dict(), item) for model, item in zip(response.parsed, raw, strict=True))
        seen += [model.id for model in response.parsed]
        if len(raw) < 50:
            break
        skip += 50
    assert len(seen) == len(set(seen)) == 121  # 120 generated and the curated one
    pages = []
    for page in (1, 2, 3):
        response = orgs.sync_detailed(org_id="org_demo", client=client, page=page, take=10)
        assert response.status_code == 200
        raw = json.loads(response.content)
        assert all(same(model.to_dict(), item) for model, item in zip(response.parsed, raw, strict=True))
        pages += [model.id for model in response.parsed]
    assert len(pages) == len(set(pages)) == 30


def test_datamodel_code_generator_models_parse_a_page_of_each_api(tmp_path: Path, stub: str) -> None:
    target = tmp_path / "models.py"
    command = [str(BIN / "datamodel-codegen"), "--input", str(SPEC), "--input-file-type", "openapi"]
    generate([*command, "--output-model-type", "pydantic_v2.BaseModel", "--output", str(target)])
    spec = importlib.util.spec_from_file_location("generated_models", target)
    assert spec is not None and spec.loader is not None
    models = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = models  # pydantic resolves the models' references through it
    try:
        spec.loader.exec_module(models)
    finally:
        del sys.modules[spec.name]
    headers = {"Authorization": "Bearer dev-token"}
    page = httpx.get(f"{stub}/assistants?limit=100", headers=headers).json()
    parsed = [models.AssistantResponse.model_validate(item) for item in page]
    assert len(parsed) == 100 and all(
        same(json.loads(p.model_dump_json(exclude_unset=True)), item)
        for p, item in zip(parsed, page, strict=True)
    )
    org = httpx.get(f"{stub}/orgs/org_demo/assistants?take=30", headers=headers).json()
    assert len([models.Assistant.model_validate(item) for item in org]) == 30
