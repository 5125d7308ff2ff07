"""
Settings: the only module that reads the environment, and only when asked (``load_settings``).

A bad setting never stops the app. ``load_settings`` always returns a ``Settings``; what it
could not use is listed in ``Settings.problems`` (shown by health as ERROR with a message a
person can act on), and a sheet entry that fails validation is kept as a ``BrokenSheet`` so
that only that sheet is reported in error while the others sync.

Settings (app settings in Azure, ``Values`` in local.settings.json):

- ``LEAD_SYNC_SHEETS``: JSON list of sheets (see ``SheetConfig``), or
  ``LEAD_SYNC_SHEETS_FILE``: path of a JSON file holding the same list, or
  ``LEAD_SYNC_SHEETS_TABLE``: a table in the storage account with one entity per sheet (RowKey the
  sheet id, ``config`` the entry's JSON), read by the service on first use and every few minutes
  (``shared.adapters.sheet_table``): thousands of sheets, beyond the 128 KiB of an app setting;
- ``LEAD_SYNC_STORAGE``: Table Storage connection string (default: ``AzureWebJobsStorage``), or
  an identity-based connection in the Functions convention: ``LEAD_SYNC_STORAGE__tableServiceUri``
  (or ``__accountName``), ``__credential`` (``managedidentity``) and ``__clientId`` (a
  user-assigned identity); see ``StorageTarget``;
- ``GOOGLE_SERVICE_ACCOUNT_JSON``: the service-account key, as JSON or base64 of JSON (the
  credential named ``default``); ``GOOGLE_SERVICE_ACCOUNTS``: more keys, a JSON object of
  name -> key (each as a JSON object, JSON text or base64), assigned per sheet (``credential``);
- ``LEAD_SYNC_QUEUE`` (``leadsync-sheets``): the storage queue of per-sheet sync messages in the
  ``AzureWebJobsStorage`` account (its poison queue is ``<name>-poison``);
  ``LEAD_SYNC_PROJECT_READS_PER_MINUTE`` (300): Google's read budget per Cloud project;
  ``LEAD_SYNC_JOBS_TABLE`` (``syncjobs``): the per-sheet progress of manual syncs;
- ``LEAD_SYNC_MAX_DROP`` (0.7), ``LEAD_SYNC_MIN_BASELINE`` (10), ``LEAD_SYNC_MAX_CARRY`` (0.2), ``LEAD_SYNC_PHONE_REGION``
  (GB), ``LEAD_SYNC_SHEETS_READS_PER_MINUTE`` (60), ``LEAD_SYNC_LEADS_TABLE`` (leads),
  ``LEAD_SYNC_STATE_TABLE`` (syncstate), ``LEAD_SYNC_RUNS_TABLE`` (syncruns).
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pipeline (phonenumbers, rapidfuzz) is not needed to read settings
    from .config_model import SheetConfig as SheetConfig
    from .core.guard import GuardPolicy


def __getattr__(name: str) -> Any:
    """``SheetConfig`` (a pydantic model) is built on first use: importing the app loads no pydantic."""
    if name == "SheetConfig":
        from .config_model import SheetConfig

        return SheetConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class BrokenSheet:
    """A sheet entry that failed validation: reported in ERROR, never synced."""

    id: str
    customer: str | None
    error: str


@dataclass(frozen=True)
class StorageTarget:
    """Where the tables are: a connection string, or an endpoint reached with an Entra ID identity."""

    connection_string: str | None = None
    table_endpoint: str | None = None
    credential: str | None = None
    """``managedidentity``: the app's managed identity only; ``None``: ``DefaultAzureCredential``."""
    client_id: str | None = None
    queue_endpoint: str | None = None
    """Queue service of an identity-based connection (``AzureWebJobsStorage__queueServiceUri``)."""


DEFAULT_CREDENTIAL = "default"


@dataclass(frozen=True)
class Settings:
    sheets: tuple[SheetConfig, ...] = ()
    broken: tuple[BrokenSheet, ...] = ()
    problems: tuple[str, ...] = ()
    """What makes the deployment ERROR until fixed: each names the setting and the fix."""
    warnings: tuple[str, ...] = ()
    """What needs a look but breaks nothing (e.g. an empty sheet list)."""
    storage_connection: str | None = None
    storage_target: StorageTarget | None = None
    google_credentials: dict[str, Any] | None = None
    google_problem: str | None = None
    """Why the Google key cannot be used (not set, malformed, incomplete), for each Google sheet."""
    max_drop: float = 0.7
    min_baseline: int = 10
    max_carry: float = 0.2
    phone_region: str = "GB"
    reads_per_minute: int = 60
    leads_table: str = "leads"
    state_table: str = "syncstate"
    runs_table: str = "syncruns"
    jobs_table: str = "syncjobs"
    sheets_table: str | None = None
    """``LEAD_SYNC_SHEETS_TABLE``: the sheet list lives in this table (``with_sheet_entries``)."""
    queue_name: str = "leadsync-sheets"
    queue_target: StorageTarget | None = None
    """Where the sync queue is: the ``AzureWebJobsStorage`` account (the queue trigger's connection)."""
    google_accounts: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    """Named service-account keys (``GOOGLE_SERVICE_ACCOUNTS``); ``default`` is GOOGLE_SERVICE_ACCOUNT_JSON."""
    google_account_problems: Mapping[str, str] = field(default_factory=dict)
    project_reads_per_minute: int = 300
    base_dir: Path = field(default_factory=Path.cwd)
    sync_schedule: str | None = None
    """The timer's NCRONTAB (``SYNC_SCHEDULE``, read by ``core.schedule``): pacing spreads a run over
    the time to the next fire, and health counts fires to call a sheet stale."""
    stale_after: int = 3
    """A sheet with no completed sync for this many timer fires is WARNING ``stale``."""
    appinsights_connection: str | None = None
    """``APPLICATIONINSIGHTS_CONNECTION_STRING``: telemetry is on when it is set."""
    guard_window: timedelta = timedelta(days=7)
    """The guard compares with the largest live count of the successful syncs within this window."""
    erasure_key: str | None = field(default=None, repr=False)
    """``LEAD_SYNC_ERASURE_KEY``: the secret of the suppression list's keyed hashes (HMAC-SHA256);
    without it erasure is refused. Never logged, never shown (``repr=False``)."""
    retention_days: float | None = None
    """``LEAD_SYNC_RETENTION_DAYS``: soft-deleted leads older than this are purged; None: off."""
    purge_max: int = 5000
    removals_days: float = 30.0
    """How long the record of each lead deleted for real (``GET /api/leads/removals``) is kept."""
    """``LEAD_SYNC_PURGE_MAX``: at most this many leads purged per sheet per timer run (bounded work)."""
    console_signed_in: bool = False
    """Whether App Service Authentication is in front of the app (``WEBSITE_AUTH_ENABLED``, set by
    the platform; the dev server sets it too): only then does the console trust ``X-MS-CLIENT-PRINCIPAL``."""
    console_login: str | None = None
    """``LEAD_SYNC_CONSOLE_LOGIN``: where the console sends a signed-out person (``/.auth/login/aad``
    in Azure); unset (locally): the console answers 401."""
    console_key: str | None = field(default=None, repr=False)
    """``LEAD_SYNC_CONSOLE_KEY``: the secret of the console's CSRF tokens; when unset each process
    draws its own (tokens then hold on one instance only). Never logged, never shown."""
    public_url: str | None = None
    """``LEAD_SYNC_PUBLIC_URL`` (else ``https://`` + the platform's ``WEBSITE_HOSTNAME``): the app's public
    address, where Drive push channels call back."""
    notify_key: str | None = field(default=None, repr=False)
    """``LEAD_SYNC_NOTIFY_KEY``: the secret each sheet's change-notification token is derived from
    (HMAC-SHA256, ``core.notify``); without it only that route answers 503. Never logged, never shown."""
    webhook_key: str | None = field(default=None, repr=False)
    """``LEAD_SYNC_WEBHOOK_KEY``: base64 of 32 random bytes that encrypt the webhook subscriptions'
    signing secrets at rest (AES-256-GCM); without it subscriptions cannot be created (503)."""
    webhook_queue: str = "leadsync-webhooks"
    """``LEAD_SYNC_WEBHOOK_QUEUE``: where the dispatcher's wake-up messages go (``AzureWebJobsStorage``)."""
    webhooks_table: str = "webhooks"
    """``LEAD_SYNC_WEBHOOKS_TABLE``: subscriptions; their delivery log is ``<name>log``."""
    webhook_allow_loopback: bool = False
    """``LEAD_SYNC_WEBHOOK_ALLOW_LOOPBACK``: local development only: receivers on this machine (http allowed)."""

    def retention(self, sheet: SheetConfig) -> float | None:
        """The sheet's retention for soft-deleted leads in days (its own, else the deployment's), None: off."""
        return sheet.retention_days if sheet.retention_days is not None else self.retention_days

    @property
    def erasure_problem(self) -> str | None:
        """Why erasure cannot run now, or None."""
        if not self.erasure_key:
            return (
                "erasure is not configured: set LEAD_SYNC_ERASURE_KEY to a long random secret (e.g. from Key Vault; "
                "never change it afterwards, or the suppression list no longer matches)"
            )
        return None

    @property
    def notify_problem(self) -> str | None:
        """Why change notifications cannot be checked now, or None."""
        if not self.notify_key:
            return (
                "change notifications are not configured: set LEAD_SYNC_NOTIFY_KEY to a long random secret "
                "(e.g. from Key Vault); changing it later revokes every sheet's notification token"
            )
        return None

    @property
    def poison_queue_name(self) -> str:
        return f"{self.queue_name}-poison"

    def credential_name(self, sheet: SheetConfig) -> str:
        return sheet.credential or DEFAULT_CREDENTIAL

    def credentials_for(self, name: str) -> tuple[dict[str, Any] | None, str | None]:
        """The key named ``name`` and, when it cannot be used, why."""
        if name == DEFAULT_CREDENTIAL and name not in self.google_accounts:
            return self.google_credentials, self.google_problem
        info = self.google_accounts.get(name)
        if info is None:
            return None, self.google_account_problems.get(name) or f"credential {name!r} is not in GOOGLE_SERVICE_ACCOUNTS"
        return info, None

    def project_of(self, name: str) -> str:
        """The Google Cloud project of a key (its ``project_id``): reads of one project share a budget."""
        info, _ = self.credentials_for(name)
        return str((info or {}).get("project_id") or name)

    def sheet(self, sheet_id: str) -> SheetConfig | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def policy(self, sheet: SheetConfig) -> GuardPolicy:
        from .core.guard import GuardPolicy

        return GuardPolicy(
            max_drop=sheet.max_drop if sheet.max_drop is not None else self.max_drop,
            min_baseline=sheet.min_baseline if sheet.min_baseline is not None else self.min_baseline,
            max_carry=sheet.max_carry if sheet.max_carry is not None else self.max_carry,
        )


def load_settings(environ: Mapping[str, str] | None = None, base_dir: Path | None = None) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``); never raises."""
    try:
        return _load_settings(os.environ if environ is None else environ, base_dir)
    except Exception as e:
        # Type only: a setting's value may be a secret.
        return Settings(problems=(f"settings could not be read ({type(e).__name__}); check every LEAD_SYNC_* setting",))


NO_STORAGE = "no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage"
NO_GOOGLE_KEY = "GOOGLE_SERVICE_ACCOUNT_JSON is not set: Google sheets cannot be read"
"""Problems of a deployment, not of a sheet list: ``check-config FILE`` only notes them."""
MAX_SHEETS_BYTES = 50 * 1024 * 1024
"""A sheets file larger than this is refused (thousands of sheets take a few MB)."""
TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,62}\Z")
QUEUE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,54}[a-z0-9]\Z")
"""Names are matched from their start (``match``) to ``\\Z``: ``$`` would also match before a trailing newline."""
"""Storage queue names: 3-63 lowercase letters, digits and single hyphens; 56 leaves room for ``-poison``."""
"""Table Storage table names: letters and digits, 3 to 63, starting with a letter."""


KEY_VAULT_REFERENCE = re.compile(r"^\s*@Microsoft\.KeyVault\((?P<body>.*)\)\s*$", re.I | re.S)


def unresolved_reference(name: str, value: str) -> str | None:
    """The problem when ``value`` is a Key Vault reference the platform could not resolve.

    App Service hands the reference text itself to the app when it cannot read the secret (no
    role on the vault, a missing secret, a network rule), so the app sees
    ``@Microsoft.KeyVault(SecretUri=https://VAULT.vault.azure.net/secrets/NAME/)`` or
    ``@Microsoft.KeyVault(VaultName=VAULT;SecretName=NAME)`` instead of the key."""
    match = KEY_VAULT_REFERENCE.match(value)
    if not match:
        return None
    body = match.group("body")
    parts = {k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in body.split(";")) if v}
    vault, secret = parts.get("vaultname"), parts.get("secretname")
    uri = re.match(r"https://([A-Za-z0-9-]{1,64})\.vault\.[A-Za-z0-9.]+/secrets/([A-Za-z0-9-]{1,127})", parts.get("secreturi", ""))
    if uri:
        vault, secret = uri.group(1), uri.group(2)
    where = f"secret {secret!r} in Key Vault {vault!r}" if vault and secret else "a Key Vault secret (the reference is malformed)"
    return (
        f"{name} is an unresolved Key Vault reference to {where}: check that the secret exists and that the app's "
        "identity has the Key Vault Secrets User role on the vault, then restart the app (the portal's Environment "
        "variables page shows the reference's status)"
    )


def _load_settings(env: Mapping[str, str], base_dir: Path | None) -> Settings:
    problems: list[str] = []
    warnings: list[str] = []
    unresolved = {name: unresolved_reference(name, value) for name, value in env.items() if "keyvault" in value[:40].lower()}
    if any(unresolved.values()):
        problems.extend(msg for msg in unresolved.values() if msg)
        env = {k: v for k, v in env.items() if not unresolved.get(k)}
    base = base_dir or Path(env.get("LEAD_SYNC_BASE_DIR") or Path(__file__).resolve().parent.parent)

    raw_sheets: Any = None
    text = env.get("LEAD_SYNC_SHEETS")
    file = env.get("LEAD_SYNC_SHEETS_FILE")
    if text:
        raw_sheets = _json_setting("LEAD_SYNC_SHEETS", text, problems)
    elif file:
        path = Path(file) if Path(file).is_absolute() else base / file
        content = _read_text_setting("LEAD_SYNC_SHEETS_FILE", path, problems)
        if content is not None:
            raw_sheets = _json_setting(f"LEAD_SYNC_SHEETS_FILE ({path.name})", content, problems)
            base = path.parent
    elif not env.get("LEAD_SYNC_SHEETS_TABLE"):
        problems.append("no sheets configured: set LEAD_SYNC_SHEETS (JSON list), LEAD_SYNC_SHEETS_FILE or LEAD_SYNC_SHEETS_TABLE")

    if isinstance(raw_sheets, dict) and "sheets" in raw_sheets:
        raw_sheets = raw_sheets["sheets"]
    sheets, broken = _parse_sheets(raw_sheets, problems) if raw_sheets is not None else ((), ())
    if isinstance(raw_sheets, list) and not raw_sheets:
        warnings.append("the sheet list is empty: nothing is synced until sheets are added to LEAD_SYNC_SHEETS")

    target = _storage_target(env, problems)
    storage = target.connection_string if target else None
    if target is None:
        problems.append(NO_STORAGE)
    elif storage is not None and not _looks_like_connection_string(storage):
        problems.append(
            "LEAD_SYNC_STORAGE (or AzureWebJobsStorage) is not a storage connection string: expected "
            "'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net', "
            "'UseDevelopmentStorage=true', or identity settings LEAD_SYNC_STORAGE__tableServiceUri / __accountName"
        )
        storage, target = None, None

    creds = None
    google_problem = None
    raw_creds = env.get("GOOGLE_SERVICE_ACCOUNT_JSON")
    if raw_creds:
        creds, google_problem = _parse_credentials(raw_creds)
    else:
        google_problem = NO_GOOGLE_KEY
    accounts, account_problems = _parse_accounts(env.get("GOOGLE_SERVICE_ACCOUNTS"), problems)
    default_used = any(s.source == "google" and (s.credential or DEFAULT_CREDENTIAL) == DEFAULT_CREDENTIAL for s in sheets)
    if DEFAULT_CREDENTIAL in accounts and not raw_creds:
        creds, google_problem = accounts[DEFAULT_CREDENTIAL], None
    if google_problem and (raw_creds or default_used):
        problems.append(google_problem)
    sheets, broken = _check_credentials(sheets, broken, accounts, account_problems)

    max_drop = _number(env, "LEAD_SYNC_MAX_DROP", 0.7, float, problems, 0.0, 1.0, "0.7 (block drops over 70%)")
    min_baseline = _number(env, "LEAD_SYNC_MIN_BASELINE", 10, int, problems, 0, 10**9, "10")
    max_carry = _number(
        env, "LEAD_SYNC_MAX_CARRY", 0.2, float, problems, 0.0, 1.0, "0.2 (block runs where over 20% of leads keep an id by phone or name)"
    )
    reads = _number(env, "LEAD_SYNC_SHEETS_READS_PER_MINUTE", 60, int, problems, 1, 6000, "60")
    project_reads = _number(env, "LEAD_SYNC_PROJECT_READS_PER_MINUTE", 300, int, problems, 1, 60000, "300")
    stale_after = _number(env, "LEAD_SYNC_STALE_INTERVALS", 3, int, problems, 1, 10_000, "3")
    window_days = _number(env, "LEAD_SYNC_GUARD_WINDOW_DAYS", 7.0, float, problems, 1.0, 366.0, "7")
    erasure_key = env.get("LEAD_SYNC_ERASURE_KEY") or None
    if erasure_key is not None and len(erasure_key) < 16:
        warnings.append("LEAD_SYNC_ERASURE_KEY is shorter than 16 characters: use a long random secret")
    notify_key = env.get("LEAD_SYNC_NOTIFY_KEY") or None
    public_url = (env.get("LEAD_SYNC_PUBLIC_URL") or "").strip().rstrip("/") or None
    if public_url is None and (env.get("WEBSITE_HOSTNAME") or "").strip():
        public_url = "https://" + env["WEBSITE_HOSTNAME"].strip()
    if public_url is not None and not re.fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?", public_url):
        problems.append("LEAD_SYNC_PUBLIC_URL must be the app's https:// address (e.g. https://leadsync.example.com), no query")
        public_url = None
    if notify_key is not None and len(notify_key) < 16:
        warnings.append("LEAD_SYNC_NOTIFY_KEY is shorter than 16 characters: use a long random secret")
    retention_days = _number(env, "LEAD_SYNC_RETENTION_DAYS", None, float, problems, 1.0, 36500.0, "365 (purge a year after deletion)")
    purge_max = _number(env, "LEAD_SYNC_PURGE_MAX", 5000, int, problems, 100, 1_000_000, "5000")
    removals_days = _number(env, "LEAD_SYNC_REMOVALS_DAYS", 30.0, float, problems, 1.0, 3650.0, "30")
    region = "GB"
    raw_region = env.get("LEAD_SYNC_PHONE_REGION")
    if raw_region:
        checked, error = check_region(raw_region)
        if error:
            problems.append(f"LEAD_SYNC_PHONE_REGION: {error}; using GB until fixed")
        else:
            region = checked
    tables = {}
    for name, default in (
        ("LEAD_SYNC_LEADS_TABLE", "leads"),
        ("LEAD_SYNC_STATE_TABLE", "syncstate"),
        ("LEAD_SYNC_RUNS_TABLE", "syncruns"),
        ("LEAD_SYNC_JOBS_TABLE", "syncjobs"),
        ("LEAD_SYNC_SHEETS_TABLE", ""),
        ("LEAD_SYNC_WEBHOOKS_TABLE", "webhooks"),
    ):
        value = env.get(name) or default
        if value and not TABLE_NAME.match(value):
            problems.append(
                f"{name}={value[:80]!r} is not a table name (3-63 letters and digits, starting with a letter, e.g. {default!r})"
            )
            value = default
        tables[name] = value
    queue = env.get("LEAD_SYNC_QUEUE") or "leadsync-sheets"
    if not QUEUE_NAME.match(queue) or "--" in queue:
        problems.append(
            f"LEAD_SYNC_QUEUE={queue[:80]!r} is not a queue name (3-56 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit, e.g. 'leadsync-sheets'); using leadsync-sheets"
        )
        queue = "leadsync-sheets"
    hook_queue = env.get("LEAD_SYNC_WEBHOOK_QUEUE") or "leadsync-webhooks"
    if not QUEUE_NAME.match(hook_queue) or "--" in hook_queue:
        warnings.append(f"LEAD_SYNC_WEBHOOK_QUEUE={hook_queue[:80]!r} is not a queue name; webhooks wait until it is fixed")
        hook_queue = "leadsync-webhooks"
    elif hook_queue == queue:
        # Both triggers listen to one queue: each hands the other's messages on, so nothing is lost.
        warnings.append(f"LEAD_SYNC_WEBHOOK_QUEUE is the sync queue ({queue!r}): give the webhook dispatcher a queue of its own")
    webhook_key = env.get("LEAD_SYNC_WEBHOOK_KEY") or None
    if webhook_key is not None and (problem := webhook_key_problem(webhook_key)):
        warnings.append(f"LEAD_SYNC_WEBHOOK_KEY {problem}; webhooks cannot be managed or sent until it is fixed")
    return Settings(
        sheets=sheets,
        broken=broken,
        problems=tuple(problems),
        warnings=tuple(warnings),
        storage_connection=storage,
        storage_target=target,
        google_credentials=creds,
        google_problem=google_problem,
        max_drop=max_drop,
        min_baseline=min_baseline,
        max_carry=max_carry,
        phone_region=region,
        reads_per_minute=reads,
        leads_table=tables["LEAD_SYNC_LEADS_TABLE"],
        state_table=tables["LEAD_SYNC_STATE_TABLE"],
        runs_table=tables["LEAD_SYNC_RUNS_TABLE"],
        jobs_table=tables["LEAD_SYNC_JOBS_TABLE"],
        sheets_table=(tables["LEAD_SYNC_SHEETS_TABLE"] or None) if not (text or file) else None,
        queue_name=queue,
        queue_target=_queue_target(env),
        google_accounts=accounts,
        google_account_problems=account_problems,
        project_reads_per_minute=project_reads,
        base_dir=base,
        sync_schedule=env.get("SYNC_SCHEDULE") or None,
        stale_after=stale_after,
        guard_window=timedelta(days=window_days),
        appinsights_connection=env.get("APPLICATIONINSIGHTS_CONNECTION_STRING") or None,
        erasure_key=erasure_key,
        retention_days=retention_days,
        purge_max=purge_max,
        removals_days=removals_days,
        console_signed_in=(env.get("WEBSITE_AUTH_ENABLED") or "").strip().lower() in ("true", "1"),
        console_key=env.get("LEAD_SYNC_CONSOLE_KEY") or None,
        notify_key=notify_key,
        public_url=public_url,
        console_login=(env.get("LEAD_SYNC_CONSOLE_LOGIN") or "").strip() or None,
        webhook_key=webhook_key,
        webhook_queue=hook_queue,
        webhooks_table=tables["LEAD_SYNC_WEBHOOKS_TABLE"],
        webhook_allow_loopback=(env.get("LEAD_SYNC_WEBHOOK_ALLOW_LOOPBACK") or "").strip().lower() in ("true", "1"),
    )


def webhook_key_problem(text: str) -> str | None:
    """Why ``LEAD_SYNC_WEBHOOK_KEY`` cannot encrypt secrets, or None: base64 of exactly 32 bytes."""
    import base64
    import binascii

    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return 'is not base64 (make one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())")'
    return None if len(raw) == 32 else f"must be base64 of 32 bytes (it holds {len(raw)})"


def with_sheet_entries(settings: Settings, entries: Any, problem: str | None = None) -> Settings:
    """
    ``settings`` with the sheet list replaced by ``entries`` (the JSON list read from the sheets
    table), validated exactly as ``LEAD_SYNC_SHEETS`` is; ``problem`` (the table could not be
    read) is listed instead. Never raises.
    """
    from dataclasses import replace

    problems = [p for p in settings.problems if not p.startswith(SHEETS_TABLE_PROBLEM)]
    if problem is not None:
        return replace(settings, problems=(*problems, f"{SHEETS_TABLE_PROBLEM} {problem}"))
    try:
        sheets, broken = _parse_sheets(entries, problems)
        accounts, bad = settings.google_accounts, settings.google_account_problems
        sheets, broken = _check_credentials(sheets, broken, accounts, bad)
    except Exception as e:
        return replace(settings, problems=(*problems, f"{SHEETS_TABLE_PROBLEM} it cannot be read ({type(e).__name__})"))
    warnings = [w for w in settings.warnings if "sheet list is empty" not in w]
    if not sheets and not broken:
        warnings.append("the sheet list is empty: nothing is synced until sheets are added to LEAD_SYNC_SHEETS_TABLE")
    return replace(settings, sheets=sheets, broken=broken, problems=tuple(problems), warnings=tuple(warnings))


SHEETS_TABLE_PROBLEM = "LEAD_SYNC_SHEETS_TABLE:"


def _read_text_setting(name: str, path: Path, problems: list[str]) -> str | None:
    """A settings file's text in whatever encoding an editor saved it; None (and a problem) if unreadable."""
    try:
        if path.stat().st_size > MAX_SHEETS_BYTES:
            problems.append(f"{name} ({path.name}) is larger than {MAX_SHEETS_BYTES // 2**20} MB")
            return None
        data = path.read_bytes()
    except OSError as e:
        problems.append(f"{name} ({path.name}) cannot be read: {e.strerror or type(e).__name__}")
        return None
    text = decode_text(data)
    if text is None:
        problems.append(f"{name} ({path.name}) is not text in any known encoding: save it as UTF-8")
    return text


LEGACY_DEFAULT = "cp1252"
"""The legacy encoding preferred when the detector finds several equally likely."""


def decode_text(data: bytes) -> str | None:
    """
    Decode a small text file: UTF-8 (with or without BOM), UTF-16/32 with a BOM (what Windows
    Notepad writes as "Unicode"), else the legacy encoding charset-normalizer finds most likely.
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    # Short Western European text decodes equally well as cp1250, cp1252 and others; where the
    # detector cannot tell them apart, take Windows' Western default (what Excel and Notepad write).
    for m in matches:
        if m.encoding == LEGACY_DEFAULT and m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01:
            return str(m)
    return str(best)


def _json_setting(name: str, text: str, problems: list[str]) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        problems.append(f"{name} is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})")
    except RecursionError:
        problems.append(f"{name} is nested too deeply to be a sheet list")
    return None


def _looks_like_connection_string(value: str) -> bool:
    parts = dict(p.split("=", 1) for p in value.split(";") if "=" in p)
    return bool(parts.get("AccountName") or parts.get("TableEndpoint") or parts.get("SharedAccessSignature"))


REGION_ALIASES = {"UK": "GB", "EL": "GR"}
"""Codes people write for a region whose ISO 3166 code differs (United Kingdom, Greece)."""


def check_region(value: str) -> tuple[str, str | None]:
    """``(region, None)`` for a phone region the phone library knows, else ``(value, why)``."""
    import phonenumbers

    code = value.strip().upper()
    code = REGION_ALIASES.get(code, code)
    if code in phonenumbers.SUPPORTED_REGIONS:
        return code, None
    hint = ""
    if len(code) == 2:
        close = sorted(r for r in phonenumbers.SUPPORTED_REGIONS if sum(a != b for a, b in zip(r, code, strict=True)) == 1)
        if close:
            hint = f" (did you mean {' or '.join(close[:4])}?)"
    return value, f"{value[:20]!r} is not a phone region{hint}; use a two-letter ISO 3166 code such as GB, US or DE"


def settings_with_sheets_file(path: str) -> tuple[Settings, dict[str, str]]:
    """Settings from the environment, with the sheet list read from ``path`` instead (CLI ``--config``)."""
    env = dict(os.environ)
    env.pop("LEAD_SYNC_SHEETS", None)
    env["LEAD_SYNC_SHEETS_FILE"] = str(Path(path).resolve())
    return load_settings(env), env


def local_server_settings(environ: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """``(LEAD_SYNC_CORS_ORIGINS, LEAD_SYNC_LOCAL_KEY)`` for the local development server."""
    env = os.environ if environ is None else environ
    return env.get("LEAD_SYNC_CORS_ORIGINS", ""), env.get("LEAD_SYNC_LOCAL_KEY") or None


AZURITE_CONNECTION = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    # Azurite's published, well-known development key (not a secret).
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
)


def azurite_connection(port: int, host: str = "127.0.0.1", queue_port: int | None = None) -> str:
    """Azurite's connection string with its table service (and queue service) on the given ports."""
    conn = AZURITE_CONNECTION.replace("127.0.0.1:10002", f"{host}:{port}")
    return conn.replace("127.0.0.1:10001", f"{host}:{queue_port or 10001}")


def _queue_target(env: Mapping[str, str]) -> StorageTarget | None:
    """The queue trigger's account: ``AzureWebJobsStorage`` (connection string or identity settings)."""
    name = "AzureWebJobsStorage"
    conn = env.get(name)
    if conn:
        return StorageTarget(connection_string=AZURITE_CONNECTION if conn == "UseDevelopmentStorage=true" else conn)
    uri, account = env.get(f"{name}__queueServiceUri"), env.get(f"{name}__accountName")
    if uri or account:
        credential = (env.get(f"{name}__credential") or "").strip().lower() or None
        endpoint = uri or f"https://{account}.queue.core.windows.net"
        return StorageTarget(
            queue_endpoint=endpoint.rstrip("/"),
            credential=credential if credential == "managedidentity" else None,
            client_id=env.get(f"{name}__clientId") or None,
        )
    return None


def _parse_accounts(raw: str | None, problems: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """``GOOGLE_SERVICE_ACCOUNTS``: name -> key; a bad key is a problem of the sheets that use it."""
    if not raw:
        return {}, {}
    doc = _json_setting("GOOGLE_SERVICE_ACCOUNTS", raw, problems)
    if doc is None:
        return {}, {}
    if not isinstance(doc, dict):
        problems.append('GOOGLE_SERVICE_ACCOUNTS must be a JSON object of name -> key, e.g. {"agency-a": {...key file...}}')
        return {}, {}
    accounts: dict[str, dict[str, Any]] = {}
    bad: dict[str, str] = {}
    for name, value in doc.items():
        if not re.match(r"[A-Za-z0-9_.-]{1,64}\Z", str(name)):
            problems.append(f"GOOGLE_SERVICE_ACCOUNTS: {str(name)[:40]!r} is not a credential name (letters, digits, '_', '.', '-')")
            continue
        text = json.dumps(value) if isinstance(value, dict) else value if isinstance(value, str) else ""
        info, why = _parse_credentials(text) if text else (None, "is neither a key object nor key text")
        if info is None:
            why = (why or "").replace("GOOGLE_SERVICE_ACCOUNT_JSON", f"GOOGLE_SERVICE_ACCOUNTS[{name!r}]")
            bad[name] = why if why.startswith("GOOGLE") else f"GOOGLE_SERVICE_ACCOUNTS[{name!r}] {why}"
            problems.append(bad[name])
        else:
            accounts[name] = info
    return accounts, bad


def _check_credentials(
    sheets: tuple[SheetConfig, ...], broken: tuple[BrokenSheet, ...], accounts: Mapping[str, Any], bad: Mapping[str, str]
) -> tuple[tuple[SheetConfig, ...], tuple[BrokenSheet, ...]]:
    """A sheet that names a credential nobody configured is broken (that sheet only)."""
    ok: list[SheetConfig] = []
    more: list[BrokenSheet] = []
    for s in sheets:
        name = s.credential
        if s.source == "google" and name not in (None, DEFAULT_CREDENTIAL) and name not in accounts and name not in bad:
            more.append(
                BrokenSheet(s.id, s.customer, f"credential {name!r} is not in GOOGLE_SERVICE_ACCOUNTS: add its key there or fix the name")
            )
        else:
            ok.append(s)
    return tuple(ok), (*broken, *more)


def _storage_target(env: Mapping[str, str], problems: list[str]) -> StorageTarget | None:
    """``LEAD_SYNC_STORAGE`` first, then ``AzureWebJobsStorage``: a connection string or ``NAME__...`` identity settings."""
    for name in ("LEAD_SYNC_STORAGE", "AzureWebJobsStorage"):
        conn = env.get(name)
        if conn:
            return StorageTarget(connection_string=AZURITE_CONNECTION if conn == "UseDevelopmentStorage=true" else conn)
        uri, account = env.get(f"{name}__tableServiceUri"), env.get(f"{name}__accountName")
        if uri or account:
            credential = (env.get(f"{name}__credential") or "").strip().lower() or None
            if credential not in (None, "managedidentity"):
                problems.append(f"{name}__credential={credential!r}: only 'managedidentity' is supported; using DefaultAzureCredential")
                credential = None
            endpoint = uri or f"https://{account}.table.core.windows.net"
            return StorageTarget(table_endpoint=endpoint.rstrip("/"), credential=credential, client_id=env.get(f"{name}__clientId") or None)
    return None


def _parse_sheets(raw: Any, problems: list[str]) -> tuple[tuple[SheetConfig, ...], tuple[BrokenSheet, ...]]:
    from pydantic import ValidationError

    from .config_model import SheetConfig as SheetConfig

    if not isinstance(raw, list):
        problems.append("the sheets setting must be a JSON list of sheet objects")
        return (), ()
    sheets: list[SheetConfig] = []
    broken: list[BrokenSheet] = []
    seen: set[str] = set()
    sources: dict[tuple[str, str, str], SheetConfig] = {}
    for n, item in enumerate(raw):
        raw_id = item.get("id") if isinstance(item, dict) else None
        ident = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= 64 else f"#{n + 1}"
        raw_customer = item.get("customer") if isinstance(item, dict) else None
        customer = raw_customer if isinstance(raw_customer, str) and len(raw_customer) <= 200 else None
        try:
            sheet = SheetConfig.model_validate(item)
        except ValidationError as e:
            msg = "; ".join(f"{'.'.join(str(p)[:40] for p in err['loc']) or 'entry'}: {err['msg'][:300]}" for err in e.errors()[:5])
            broken.append(BrokenSheet(ident, customer, f"invalid sheet config (entry {n + 1}): {msg}"))
            continue
        except Exception as e:
            broken.append(BrokenSheet(ident, customer, f"invalid sheet config (entry {n + 1}): cannot be read ({type(e).__name__})"))
            continue
        if sheet.id in seen:
            broken.append(BrokenSheet(ident, customer, f"duplicate sheet id {sheet.id!r} (entry {n + 1}): give each sheet its own id"))
            continue
        first = sources.get(source_key(sheet))
        if first is not None:
            # The same tab (or file) under a second entry would serve the same people twice,
            # possibly to another customer: the later entry is refused, naming the first.
            message = (
                f"entry {n + 1} reads the same {_describe_source(sheet)} as sheet {first.id!r} (customer {first.customer!r}): "
                "one source is synced by one entry only; remove this entry, or point it at its own tab or file"
            )
            broken.append(BrokenSheet(ident, customer, message))
            problems.append(f"sheet {sheet.id!r}: {message}")
            continue
        sources[source_key(sheet)] = sheet
        seen.add(sheet.id)
        sheets.append(sheet)
    return tuple(sheets), tuple(broken)


def source_key(sheet: SheetConfig) -> tuple[str, str, str]:
    """
    What a sheet reads, compared the way the source names it: a spreadsheet id exactly and its
    tab without case, width or surrounding spaces (Google refuses two tabs named alike), a CSV
    file by its normalised path.
    """
    if sheet.source == "google":
        tab = unicodedata.normalize("NFKC", sheet.worksheet or "").strip().casefold()
        return ("google", sheet.spreadsheet_id or "", tab)
    return ("csv", os.path.normpath(unicodedata.normalize("NFC", sheet.path or "").strip()), "")


def _describe_source(sheet: SheetConfig) -> str:
    if sheet.source == "google":
        return f"spreadsheet {sheet.spreadsheet_id}" + (f" tab {sheet.worksheet!r}" if sheet.worksheet else " (first tab)")
    return f"file {Path(sheet.path or '').name}"


def _parse_credentials(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """The service-account key as a dict, or ``(None, why)``; never quotes the key itself."""
    text = raw.strip()
    if not text.startswith("{"):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None, "GOOGLE_SERVICE_ACCOUNT_JSON is malformed: neither JSON nor base64 of JSON (paste the key file's contents)"
    try:
        info = json.loads(text)
    except json.JSONDecodeError as e:
        return None, f"GOOGLE_SERVICE_ACCOUNT_JSON is malformed: {e.msg} at line {e.lineno} column {e.colno}"
    except RecursionError:
        return None, "GOOGLE_SERVICE_ACCOUNT_JSON is malformed: nested too deeply to be a key file"
    missing = [k for k in ("client_email", "private_key", "token_uri") if not isinstance(info, dict) or not isinstance(info.get(k), str)]
    if missing:
        return None, f"GOOGLE_SERVICE_ACCOUNT_JSON lacks {', '.join(missing)} (is it a service-account key file?)"
    return info, None


def _number(env: Mapping[str, str], name: str, default: Any, kind: type, problems: list[str], lo: float, hi: float, example: str) -> Any:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        problems.append(f"{name}={raw[:40]!r} is not {'a whole number' if kind is int else 'a number'} (e.g. {example}); using {default}")
        return default
    if not lo <= value <= hi or value != value:  # NaN compares false
        problems.append(f"{name}={raw[:40]!r} is outside {lo:g}..{hi:g} (e.g. {example}); using {default}")
        return default
    return value
