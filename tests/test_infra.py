"""
Infrastructure as code, checked without Azure: the Bicep parsed (pycep-parser) and asserted,
checkov's scan with every skip justified, and the alert queries against the telemetry the code
really emits.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from functools import cache
from typing import Any

import pytest
from pycep import BicepParser

from shared import telemetry
from shared.core.models import Status
from tests.conftest import ROOT

INFRA = ROOT / "infra"
BUILTIN_ROLES = {
    # https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
    "storageBlobDataOwner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "storageQueueDataContributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "storageTableDataContributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "keyVaultSecretsUser": "4633458b-17de-408a-b874-0445c86b69e6",
    "monitoringMetricsPublisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}


@cache
def bicep(rel: str) -> dict[str, Any]:
    return BicepParser().parse(file_path=INFRA / rel)


def _accessor(node: Any) -> list[str]:
    """``a.b.c`` as ['a', 'b', 'c'] from pycep's nested property accessors."""
    if isinstance(node, str):
        return [node]
    ops = node["operator"]["operands"]
    return _accessor(ops["operand_1"]) + _accessor(ops["operand_2"])


def _res(rel: str, name: str) -> dict[str, Any]:
    return bicep(rel)["resources"][name]["config"]


def _settings() -> dict[str, Any]:
    app = _res("modules/functionapp.bicep", "app")
    return {s["name"]: s["value"] for s in app["properties"]["siteConfig"]["appSettings"]}


def test_every_bicep_file_parses_and_main_wires_the_modules() -> None:
    files = sorted(p.relative_to(INFRA).as_posix() for p in INFRA.rglob("*.bicep"))
    assert files == [
        "main.bicep",
        "modules/alerts.bicep",
        "modules/functionapp.bicep",
        "modules/keyvault.bicep",
        "modules/monitoring.bicep",
        "modules/workbook.bicep",
    ]
    for f in files:
        assert bicep(f)["resources"] or bicep(f).get("modules")
    modules = bicep("main.bicep")["modules"]
    for m in modules.values():
        assert (INFRA / m["detail"]["path"]).exists()
    assert bicep("main.bicep")["globals"]["scope"]["value"] == "subscription"
    azure_yaml = (ROOT / "azure.yaml").read_text()
    assert "host: function" in azure_yaml and "language: python" in azure_yaml and "path: infra" in azure_yaml


def test_production_and_staging_come_from_one_module_apart() -> None:
    """Same template; staging's timer off, its own storage account and table names."""
    modules = bicep("main.bicep")["modules"]
    prod, stg = modules["production"], modules["staging"]
    assert prod["detail"]["path"] == stg["detail"]["path"] == "modules/functionapp.bicep"
    p, s = prod["config"]["params"], stg["config"]["params"]
    assert p["timerEnabled"] is True and s["timerEnabled"] is False
    assert p["tablePrefix"] != s["tablePrefix"] and s["tablePrefix"]
    assert p["storageAccountName"] != s["storageAccountName"]
    assert p["name"] != s["name"]
    names = bicep("main.bicep")["variables"]
    assert names["prodAppName"]["value"][:9] != names["stagingAppName"]["value"][:9]  # host ids differ
    assert _settings()["AzureWebJobs.sync_timer.Disabled"]["operator"]["operands"] == {
        "condition": "timerEnabled",
        "true_value": "false",
        "false_value": "true",
    }


def test_function_app_flex_python_identity_https_tls_ftp() -> None:
    plan = _res("modules/functionapp.bicep", "plan")
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"} and plan["properties"]["reserved"] is True
    app = _res("modules/functionapp.bicep", "app")
    # A user-assigned identity whose roles exist before the app does: the first start cannot race them.
    assert app["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {"'${identity.id}'": {}}}
    assert {"blobOwner", "queueContributor", "tableContributor", "secretsUser", "metricsPublisher"} <= set(app["dependsOn"])
    assert _accessor(app["properties"]["keyVaultReferenceIdentity"]) == ["identity", "id"]
    props = app["properties"]
    assert props["httpsOnly"] is True
    site = props["siteConfig"]
    assert site["minTlsVersion"] == "1.2" and site["ftpsState"] == "Disabled"
    assert site["cors"]["allowedOrigins"] == "corsAllowedOrigins"  # a parameter
    fac = props["functionAppConfig"]
    assert fac["runtime"] == {"name": "python", "version": "3.11"}
    assert fac["deployment"]["storage"]["type"] == "blobContainer"
    auth = fac["deployment"]["storage"]["authentication"]
    assert auth["type"] == "UserAssignedIdentity" and _accessor(auth["userAssignedIdentityResourceId"]) == ["identity", "id"]


def test_storage_has_shared_keys_off() -> None:
    props = _res("modules/functionapp.bicep", "storage")["properties"]
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["minimumTlsVersion"] == "TLS1_2" and props["supportsHttpsTrafficOnly"] is True


def test_app_settings_use_identities_and_key_vault() -> None:
    """No connection string or key anywhere: identity-based storage, Key Vault reference, Entra ID telemetry."""
    settings = _settings()
    assert "AzureWebJobsStorage" not in settings and "LEAD_SYNC_STORAGE" not in settings
    assert _accessor(settings["AzureWebJobsStorage__accountName"]) == ["storage", "name"]
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["LEAD_SYNC_STORAGE__credential"] == "managedidentity"
    for name in ("AzureWebJobsStorage__clientId", "LEAD_SYNC_STORAGE__clientId"):
        assert _accessor(settings[name]) == ["identity", "properties", "clientId"], name
    assert _accessor(settings["LEAD_SYNC_STORAGE__tableServiceUri"]) == ["storage", "properties", "primaryEndpoints", "table"]
    assert re.fullmatch(
        r"@Microsoft\.KeyVault\(SecretUri=\$\{vault\.properties\.vaultUri\}secrets/\$\{googleSecretName\}/\)",
        settings["GOOGLE_SERVICE_ACCOUNT_JSON"],
    )
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "ClientId=${identity.properties.clientId};Authorization=AAD"
    assert settings["SYNC_SCHEDULE"] == "syncSchedule"
    # The sheet list is not an app setting (the next provision would revert edits): a table the
    # operators and the console write, which provisioning never touches.
    assert "LEAD_SYNC_SHEETS" not in settings and settings["LEAD_SYNC_SHEETS_TABLE"] == "${tablePrefix}sheets"
    # The only sheet among the parameters is staging's one sample (test_staging_names_a_sample_sheet...).
    assert [n for n in bicep("main.bicep")["parameters"] if "sheet" in n.lower()] == ["stagingSampleSpreadsheetId"]
    # every Lead Sync setting the template sets is one the app reads (shared/config.py)
    config = (ROOT / "shared" / "config.py").read_text()
    for name in settings:
        if name.startswith("LEAD_SYNC_"):
            base = name.split("__")[0]
            assert f'"{base}' in config, name
    assert "__tableServiceUri" in config and "__credential" in config and "__clientId" in config


def test_role_assignments_give_the_app_identity_what_it_needs() -> None:
    """Blob owner, queue and table contributor on its storage; secrets user on the vault; metrics
    publisher on App Insights; and, only when a group is named, table data and secrets for the operators."""
    mod = bicep("modules/functionapp.bicep")
    roles_var = mod["variables"]["roles"]["value"]
    assert roles_var == BUILTIN_ROLES
    assigned: dict[str, str] = {}
    people: dict[str, str] = {}
    for res in mod["resources"].values():
        if res["type"] != "Microsoft.Authorization/roleAssignments":
            continue
        cfg = res["config"]
        if "condition" in cfg and cfg["config"]["properties"]["principalId"] == "sampleWriterPrincipalId":
            continue  # the deploying principal on staging's tables only: test_staging_names_a_sample_sheet...
        if "condition" in cfg:  # for people: only when operatorsGroupId is set
            assert cfg["condition"]["operator"]["type"] == "not"
            cfg = cfg["config"]
            props = cfg["properties"]
            assert props["principalId"] == "operatorsGroupId" and props["principalType"] == "Group"
            people[_accessor(props["roleDefinitionId"]["function"]["parameters"]["resource_name_1"])[1]] = cfg["scope"]
            continue
        props = cfg["properties"]
        assert _accessor(props["principalId"]) == ["identity", "properties", "principalId"]
        assert props["principalType"] == "ServicePrincipal"
        fn = props["roleDefinitionId"]["function"]
        assert fn["type"] == "subscription_resource_id" and fn["parameters"]["resource_type"] == "Microsoft.Authorization/roleDefinitions"
        role = _accessor(fn["parameters"]["resource_name_1"])[1]
        assigned[role] = cfg["scope"]
    assert assigned == {
        "storageBlobDataOwner": "storage",
        "storageQueueDataContributor": "storage",
        "storageTableDataContributor": "storage",
        "keyVaultSecretsUser": "vault",
        "monitoringMetricsPublisher": "appInsights",
    }
    assert people == {"storageTableDataContributor": "storage", "keyVaultSecretsUser": "vault"}


def test_key_vault_rbac_and_monitoring_without_local_auth() -> None:
    kv = _res("modules/keyvault.bicep", "vault")["properties"]
    assert kv["enableRbacAuthorization"] is True and kv["enablePurgeProtection"] is True
    assert "accessPolicies" not in kv
    ai = _res("modules/monitoring.bicep", "appInsights")["properties"]
    assert ai["DisableLocalAuth"] is True and _accessor(ai["WorkspaceResourceId"]) == ["workspace", "id"]
    assert _res("modules/monitoring.bicep", "workspace")["properties"]["features"]["disableLocalAuth"] is True


def test_alert_rules_and_action_group_present() -> None:
    mod = bicep("modules/alerts.bicep")
    rules = {n: r["config"]["properties"] for n, r in mod["resources"].items() if r["type"] == "Microsoft.Insights/scheduledQueryRules"}
    assert set(rules) == {"sheetError", "guardBlocked", "heartbeat", "apiFailures"}
    for props in rules.values():
        assert props["enabled"] is True and props["scopes"] == ["applicationInsightsId"]
        assert _accessor(props["actions"]["actionGroups"][0]) == ["actionGroup", "id"]
    assert rules["sheetError"]["criteria"]["allOf"][0]["dimensions"][0]["name"] == "sheet"
    assert rules["guardBlocked"]["criteria"]["allOf"][0]["dimensions"][0]["name"] == "sheet"
    hb = rules["heartbeat"]
    assert hb["windowSize"] == "heartbeatWindow" and hb["criteria"]["allOf"][0]["operator"] == "LessThan"
    assert mod["variables"]["heartbeatWindow"]["value"] == "PT${scheduleIntervalMinutes * 2}M"
    group = mod["resources"]["actionGroup"]["config"]["properties"]
    assert group["emailReceivers"]["loop_type"]["detail"]["array_name"] == "alertEmails"
    assert "alertWebhookUrl" in json.dumps(group["webhookReceivers"])
    workbook = _res("modules/workbook.bicep", "workbook")
    assert workbook["kind"] == "shared" and workbook["properties"]["category"] == "workbook"


# --- alert queries against the telemetry the code emits -------------------------------------

NAME_PATTERNS = {
    "dimension": re.compile(r"customDimensions\.(\w+)"),
    "event": re.compile(r'customDimensions\.event\) == "(\w+)"'),
    "status": re.compile(r'customDimensions\.status\) == "(\w+)"'),
    "reason": re.compile(r'customDimensions\.reason_codes\) has "(\w+)"'),
    "trigger": re.compile(r'customDimensions\.trigger\) == "(\w+)"'),
}


def queries() -> list[str]:
    alerts = (INFRA / "modules" / "alerts.bicep").read_text()
    out = re.findall(r"'''(.*?)'''", alerts, re.S)
    workbook = json.loads((INFRA / "workbook.json").read_text())
    out += [item["content"]["query"] for item in workbook["items"] if item["type"] == 3]
    return out


def names_in(kql: list[str]) -> dict[str, set[str]]:
    return {kind: {m for q in kql for m in pat.findall(q)} for kind, pat in NAME_PATTERNS.items()}


def emitted() -> dict[str, set[str]]:
    """What shared/telemetry.py logs for a sheet and a run (captured from the real log records)."""
    from shared.sync import SheetReport

    records: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Capture(level=logging.DEBUG)
    logger = logging.getLogger(telemetry.LOGGER_NAME)
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        telemetry.log_sheet(SheetReport("s1", "Customer", "ERROR", ["m"], ["guard_blocked"]).log_fields())
        telemetry.log_run("ERROR", 1, 1, 10, "timer")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    standard = set(vars(logging.makeLogRecord({})))
    dims = {k for r in records for k in vars(r) if k not in standard and k not in ("message", "asctime")}
    return {"dimension": dims, "event": {r.event for r in records}}  # type: ignore[attr-defined]


def test_alert_queries_name_only_emitted_events_and_dimensions() -> None:
    """A rename in shared/telemetry.py or sync.py cannot silently disable an alert or a workbook chart."""
    kql = queries()
    assert len(kql) == 4 + 5
    found = names_in(kql)
    assert found["event"] == {"sheet_sync", "sync_run"}
    assert {"sheet_id", "status", "reason_codes", "trigger", "written", "duration_ms"} <= found["dimension"]
    out = emitted()
    assert found["event"] <= out["event"], found["event"] - out["event"]
    assert found["dimension"] <= out["dimension"], found["dimension"] - out["dimension"]
    assert found["status"] <= {s.value for s in Status}
    sources = "".join(p.read_text() for p in (ROOT / "shared").rglob("*.py"))
    for code in found["reason"]:
        assert f'"{code}"' in sources, code
    timer = (ROOT / "sync_timer" / "__init__.py").read_text()
    for trigger in found["trigger"]:
        assert f'trigger="{trigger}"' in timer


def test_the_query_check_catches_a_renamed_dimension() -> None:
    bad = names_in(['traces | where tostring(customDimensions.event) == "sheet_synced" | summarize by tostring(customDimensions.sheetid)'])
    out = emitted()
    assert "sheet_synced" not in out["event"] and "sheetid" not in out["dimension"]
    assert bad["event"] == {"sheet_synced"} and "sheetid" in bad["dimension"]


# --- checkov -------------------------------------------------------------------------------------

CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"


def test_checkov_finds_nothing_unexplained() -> None:
    """checkov's Bicep checks: no failure, no parsing error, every skip with a written reason."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run scripts/bootstrap")
    proc = subprocess.run(
        [str(CHECKOV), "-d", str(INFRA), "--framework", "bicep", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    doc = json.loads(proc.stdout)
    doc = doc[0] if isinstance(doc, list) else doc
    summary = doc["summary"]
    assert summary["parsing_errors"] == 0, doc["results"].get("parsing_errors")
    failed = [(c["check_id"], c["resource"]) for c in doc["results"]["failed_checks"]]
    assert summary["failed"] == 0 and not failed, failed
    assert summary["passed"] >= 20
    skips = {}
    for path in INFRA.rglob("*.bicep"):
        for m in re.finditer(r"//checkov:skip=(CKV2?_AZURE_\d+):(.*)", path.read_text()):
            skips[m.group(1)] = m.group(2).strip()
    for c in doc["results"]["skipped_checks"]:
        assert len(skips.get(c["check_id"], "")) >= 30, f"{c['check_id']} is skipped without a reason"
    assert proc.returncode == 0


def test_alert_text_links_to_the_health_detail_that_answers_it() -> None:
    """The per-sheet alerts' text names the production app's health detail for the alert's sheet, and
    every alert carries it in its payload (customProperties), so a person goes straight to the cause."""
    mod = bicep("modules/alerts.bicep")
    health = mod["variables"]["healthDetail"]["value"]
    assert health == "https://${appHostName}/api/leads/health/detail"
    assert str(mod["variables"]["context"]["value"]["healthDetail"]).startswith("${healthDetail}?sheet=")
    rules = {n: r["config"] for n, r in mod["resources"].items() if r["type"] == "Microsoft.Insights/scheduledQueryRules"}
    assert len(rules) == 4
    for name in ("sheetError", "guardBlocked"):
        assert "${healthDetail}?sheet=SHEET" in rules[name]["properties"]["description"], name
    for name, rule in rules.items():
        assert rule["properties"]["actions"]["customProperties"] == "context", name
    assert _accessor(bicep("main.bicep")["modules"]["alerts"]["config"]["params"]["appHostName"]) == [
        "production",
        "outputs",
        "defaultHostName",
    ]


def test_console_sign_in_is_entra_id_and_the_api_keeps_its_keys() -> None:
    """
    The console (issue 21): App Service Authentication with Entra ID when a client id is given,
    requiring sign-in (a redirect to Entra ID) everywhere but /api/* (the API keeps its function
    keys and anonymous health) and the host's /admin/*; with host.json's empty routePrefix the
    console is /console, so it is behind sign-in and no API route is. The sheet list is in a
    table, and the app roles are documented.
    """
    auth = bicep("modules/functionapp.bicep")["resources"]["auth"]
    assert auth["type"] == "Microsoft.Web/sites/config" and "consoleClientId" in json.dumps(auth["config"]["condition"])
    config = auth["config"]["config"]
    assert config["name"] == "authsettingsV2" and config["parent"] == "app"
    props = config["properties"]
    assert props["platform"]["enabled"] is True and props["httpSettings"]["requireHttps"] is True
    assert props["globalValidation"] == {
        "requireAuthentication": True,
        "unauthenticatedClientAction": "RedirectToLoginPage",
        "redirectToProvider": "azureactivedirectory",
        "excludedPaths": ["/api/*", "/admin/*"],
    }
    # Which registered route is behind sign-in: excluded paths match a literal prefix before /*.
    from scripts.devserver import http_routes, route_prefix

    assert route_prefix() == ""
    excluded = [p.removesuffix("*") for p in props["globalValidation"]["excludedPaths"]]
    for _, route, name, _, _ in http_routes():
        signed_in = not any(f"/{route}".startswith(p) for p in excluded)
        assert signed_in == (route == "console" or route.startswith("console/")), (name, route)
    aad = props["identityProviders"]["azureActiveDirectory"]
    assert aad["enabled"] is True and aad["registration"]["clientId"] == "consoleClientId"
    assert "/v2.0" in aad["registration"]["openIdIssuer"]
    settings = _settings()
    assert settings["LEAD_SYNC_SHEETS_TABLE"] == "${tablePrefix}sheets"
    assert "/.auth/login/aad" in json.dumps(settings["LEAD_SYNC_CONSOLE_LOGIN"])
    roles = json.loads((INFRA / "console-app-roles.json").read_text())["appRoles"]
    assert {r["value"] for r in roles} == {"LeadSync.Reader", "LeadSync.Operator", "LeadSync.Privacy"}
    assert len({r["id"] for r in roles}) == 3
    from shared.console.principal import ROLES

    assert set(ROLES) == {r["value"] for r in roles}


def test_staging_names_a_sample_sheet_that_only_the_staging_deploy_writes() -> None:
    """
    Staging's sample (docs/deploy.md): by default the CSV in the package, the same entry as
    samples/staging/sample.json; a Google sheet when its id is given. Infra only names it (an
    output for the deploy step, which upserts that one entry) and lets the deploying service
    principal write staging's tables: no app setting, no role on production's account.
    """
    main = bicep("main.bicep")
    variables, params = main["variables"], main["parameters"]
    local = json.loads((ROOT / "samples" / "staging" / "sample.json").read_text())

    def resolve(v: Any) -> Any:
        return variables[v]["value"] if isinstance(v, str) and v in variables else v

    csv = {k: resolve(v) for k, v in variables["stagingSampleCsv"]["value"].items()}
    assert csv == local["sheet"] and params["stagingSampleEmail"]["default"] == local["email"]
    assert (ROOT / csv["path"]).exists() and local["email"] in (ROOT / csv["path"]).read_text()
    google = {k: resolve(v) for k, v in variables["stagingSampleGoogle"]["value"].items()}
    assert google["source"] == "google" and google["spreadsheet_id"] == "stagingSampleSpreadsheetId" and google["id"] == csv["id"]
    assert params["stagingSampleSpreadsheetId"]["default"] == "" and params["deployPrincipalId"]["default"] == ""

    out = main["outputs"]["STAGING_SAMPLE"]["value"]
    choice = out["sheet"]["operator"]["operands"]
    assert choice["true_value"] == "stagingSampleCsv" and choice["false_value"] == "stagingSampleGoogle"
    assert out["email"] == "stagingSampleEmail"
    assert _accessor(out["storageAccount"]) == ["staging", "outputs", "storageAccountName"]
    assert _accessor(out["sheetsTable"]) == ["staging", "outputs", "sheetsTable"]
    assert bicep("modules/functionapp.bicep")["outputs"]["sheetsTable"]["value"] == _settings()["LEAD_SYNC_SHEETS_TABLE"]

    # The writer's role: staging only, table data on its own account, only when a principal is named.
    prod, stg = main["modules"]["production"]["config"]["params"], main["modules"]["staging"]["config"]["params"]
    assert stg["sampleWriterPrincipalId"] == "deployPrincipalId" and "sampleWriterPrincipalId" not in prod
    mod = bicep("modules/functionapp.bicep")
    assert mod["parameters"]["sampleWriterPrincipalId"]["default"] == ""
    writer = mod["resources"]["sampleWriter"]["config"]
    assert writer["condition"]["operator"]["type"] == "not"
    cfg = writer["config"]
    assert cfg["scope"] == "storage" and cfg["properties"]["principalType"] == "ServicePrincipal"
    assert _accessor(cfg["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]) == [
        "roles",
        "storageTableDataContributor",
    ]
    # no app setting carries the sample: the app reads its sheet list from its table only
    assert not any("sample" in name.lower() for name in _settings())
