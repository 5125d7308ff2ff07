"""
The catalogue of every setting Lead Sync reads: name, default and what it does.

``shared.config`` reads the settings; this module says what they are, for people. The
configuration reference of the documentation site is generated from it (``docs/hooks``), and
``tests/test_settings_catalog.py`` fails when ``shared/config.py`` reads a name missing here, or
this lists a name nothing reads, so the two cannot drift apart. Pure data: no I/O, no imports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    meaning: str
    group: str


SHEETS, STORAGE, GOOGLE, NOTIFY, SAFETY, SCHEDULE, PRIVACY, CONSOLE, WEBHOOKS, TELEMETRY, LOCAL = (
    "Sheets",
    "Storage and queue",
    "Google",
    "Change notifications",
    "Safety guard",
    "Schedules and pacing",
    "Personal data",
    "Operator console",
    "Webhooks",
    "Telemetry",
    "Local development",
)

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "LEAD_SYNC_SHEETS",
        "none (health says so)",
        "The sheet list as a JSON array of sheet entries (see Sheet entry below). One app setting holds about 870 entries "
        "(values are limited to 128 KiB). For local runs and tests; in Azure the sheets table is the home of the list.",
        SHEETS,
    ),
    Setting(
        "LEAD_SYNC_SHEETS_FILE",
        "none",
        "A path to a file holding the same JSON list (UTF-8, UTF-16 with BOM, or a legacy 8-bit encoding, detected).",
        SHEETS,
    ),
    Setting(
        "LEAD_SYNC_SHEETS_TABLE",
        "none",
        "A table in the storage account holding one entity per sheet; the usual home of the sheet list in Azure. Read on first "
        "use and every 5 minutes. Fill it with `python -m shared sheets-import sheets.json` (refuses a list with any invalid "
        "entry). Provisioning never overwrites it.",
        SHEETS,
    ),
    Setting(
        "LEAD_SYNC_BASE_DIR",
        "the app's folder",
        "Folder that relative paths in the sheet list (CSV sources, `LEAD_SYNC_SHEETS_FILE`) are read from.",
        SHEETS,
    ),
    Setting(
        "LEAD_SYNC_STORAGE",
        "`AzureWebJobsStorage`",
        "Table Storage connection string; or identity-based: `LEAD_SYNC_STORAGE__tableServiceUri` (or `__accountName`), "
        "`__credential=managedidentity`, `__clientId` for a user-assigned identity.",
        STORAGE,
    ),
    Setting(
        "AzureWebJobsStorage",
        "none",
        "The Functions host's storage: the sync queue lives here, and Lead Sync's tables too unless `LEAD_SYNC_STORAGE` is set. "
        "Connection string, `UseDevelopmentStorage=true`, or identity settings (`__accountName`, `__queueServiceUri`, `__credential`).",
        STORAGE,
    ),
    Setting(
        "LEAD_SYNC_QUEUE",
        "`leadsync-sheets`",
        "The per-sheet sync queue in the `AzureWebJobsStorage` account (its poison queue is `<name>-poison`). The queue trigger "
        "binds to `%LEAD_SYNC_QUEUE%`, so set it in every deployment.",
        STORAGE,
    ),
    Setting("LEAD_SYNC_LEADS_TABLE", "`leads`", "Table of leads (one partition per sheet).", STORAGE),
    Setting("LEAD_SYNC_STATE_TABLE", "`syncstate`", "Table of each sheet's sync state and lease.", STORAGE),
    Setting("LEAD_SYNC_RUNS_TABLE", "`syncruns`", "Table of the run history.", STORAGE),
    Setting("LEAD_SYNC_JOBS_TABLE", "`syncjobs`", "Table of manual sync runs (`GET /api/leads/runs/{id}`).", STORAGE),
    Setting(
        "GOOGLE_SERVICE_ACCOUNT_JSON",
        "none",
        "The service-account key (the credential named `default`), JSON or base64 of JSON. Share each sheet with its "
        "`client_email` as a viewer. In Azure a Key Vault reference.",
        GOOGLE,
    ),
    Setting(
        "GOOGLE_SERVICE_ACCOUNTS",
        "none",
        'More keys: a JSON object name -> key (object, JSON text or base64); a sheet picks one with `"credential": "name"`. '
        "Reads are paced per key and per Google Cloud project (the key's `project_id`).",
        GOOGLE,
    ),
    Setting("LEAD_SYNC_SHEETS_READS_PER_MINUTE", "`60`", "Sheets read budget of one service account (the pacing plans 90% of it).", GOOGLE),
    Setting("LEAD_SYNC_PROJECT_READS_PER_MINUTE", "`300`", "Google's read budget per Cloud project (planned at 90%).", GOOGLE),
    Setting(
        "LEAD_SYNC_PHONE_REGION",
        "`GB`",
        "Default region for phone numbers without a country code (ISO 3166 alpha-2; `UK` is read as `GB`). A sheet's `phone_region` wins.",
        GOOGLE,
    ),
    Setting(
        "LEAD_SYNC_NOTIFY_KEY",
        "none (change notifications answer 503)",
        "Secret each sheet's change-notification token is derived from (HMAC-SHA256 over the sheet id and its "
        "`notify_version`; tokens are never stored). Keep it in Key Vault. Changing it revokes every sheet's token; raise one "
        "sheet's `notify_version` to revoke only that sheet's. Get a sheet's token with `python -m shared notify-token SHEET`.",
        NOTIFY,
    ),
    Setting(
        "LEAD_SYNC_PUBLIC_URL",
        "`https://` + `WEBSITE_HOSTNAME` (set by the platform)",
        "The app's public https address, where Google Drive push channels of sheets with `notify_drive` call back "
        "(`/api/leads/sheets/{sheet}/changed`). Set it for a custom domain.",
        NOTIFY,
    ),
    Setting(
        "LEAD_SYNC_MAX_DROP", "`0.7`", "Largest share of a sheet's leads one sync may remove before it is blocked for approval.", SAFETY
    ),
    Setting(
        "LEAD_SYNC_MIN_BASELINE",
        "`10`",
        "Below this many leads the percentage guard is skipped (an emptied sheet is always blocked).",
        SAFETY,
    ),
    Setting(
        "LEAD_SYNC_MAX_CARRY",
        "`0.2`",
        "Largest share of a sheet's leads that may keep a stored id through a fallback key (phone, name with company) in one "
        "sync; over it the sync is blocked for approval (`identity_blocked`): a pasted-over list sharing old phone numbers "
        "must not silently take over the old leads.",
        SAFETY,
    ),
    Setting(
        "LEAD_SYNC_GUARD_WINDOW_DAYS",
        "`7`",
        "The guard compares with the largest count of live leads over this many days.",
        SAFETY,
    ),
    Setting(
        "SYNC_SCHEDULE",
        "`0 */15 * * * *` (example settings)",
        "NCRONTAB (six fields, UTC) of the timer that queues every sheet; pacing and staleness follow its real interval.",
        SCHEDULE,
    ),
    Setting(
        "LEAD_SYNC_STALE_INTERVALS",
        "`3`",
        "A sheet with no finished sync for this many `SYNC_SCHEDULE` intervals is WARNING `stale`.",
        SCHEDULE,
    ),
    Setting("PURGE_SCHEDULE", "`0 30 3 * * *` (example settings, Bicep)", "NCRONTAB of the retention purge timer.", SCHEDULE),
    Setting(
        "LEAD_SYNC_ERASURE_KEY",
        "none (erasure answers 503)",
        "Secret of the suppression list's keyed hashes (HMAC-SHA256). Keep it in Key Vault and never change it: a different key "
        "makes every sync stop with `suppression_unusable` rather than bring erased people back.",
        PRIVACY,
    ),
    Setting(
        "LEAD_SYNC_RETENTION_DAYS",
        "off",
        "Soft-deleted leads older than this are purged by `purge_timer` (a sheet's `retention_days` wins).",
        PRIVACY,
    ),
    Setting("LEAD_SYNC_PURGE_MAX", "`5000`", "Most leads one purge run deletes per sheet; the rest waits for the next run.", PRIVACY),
    Setting(
        "LEAD_SYNC_REMOVALS_DAYS",
        "`30`",
        "How long the record of each lead deleted for real (`GET /api/leads/removals`) is kept. Longer than the longest time a "
        "mirror of the leads may go without reading.",
        PRIVACY,
    ),
    Setting(
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "off",
        "Turns telemetry on (Azure Monitor OpenTelemetry, the `leadsync` logger only; counts, never lead data).",
        TELEMETRY,
    ),
    Setting(
        "LEAD_SYNC_CONSOLE_LOGIN",
        "none (the console answers 401)",
        "Where the operator console sends a signed-out person: `/.auth/login/aad` in Azure (set by the Bicep when "
        "`consoleClientId` is given).",
        CONSOLE,
    ),
    Setting(
        "LEAD_SYNC_CONSOLE_KEY",
        "drawn per process",
        "Secret that signs the console's form tokens (CSRF). Set it (from Key Vault) when the app runs on more than one "
        "instance: a token drawn by one instance is refused by another.",
        CONSOLE,
    ),
    Setting(
        "LEAD_SYNC_WEBHOOK_KEY",
        "none (webhooks answer 503)",
        "Base64 of 32 random bytes that encrypt the subscriptions' signing secrets at rest (AES-256-GCM). Keep it in Key "
        "Vault; a different key makes every stored secret unreadable (subscriptions then need a new secret).",
        WEBHOOKS,
    ),
    Setting(
        "LEAD_SYNC_WEBHOOK_QUEUE", "`leadsync-webhooks`", "The queue that wakes the webhook dispatcher (`AzureWebJobsStorage`).", WEBHOOKS
    ),
    Setting(
        "LEAD_SYNC_WEBHOOKS_TABLE",
        "`webhooks`",
        "Table of webhook subscriptions; the delivery log is `<name>log`.",
        WEBHOOKS,
    ),
    Setting(
        "LEAD_SYNC_WEBHOOK_ALLOW_LOOPBACK",
        "`false`",
        "Local development only: allow receivers on this machine (`http://127.0.0.1:...`). Private, link-local and "
        "reserved addresses stay refused.",
        LOCAL,
    ),
    Setting(
        "LEAD_SYNC_DEV_PRINCIPAL",
        "set by `scripts/run-local`",
        "Local server only: the signed-in user it injects for the console, as `name:Role,Role` (`Reader`, `Operator`, "
        "`Privacy`); unset, the console answers 401. Any client-sent `X-MS-CLIENT-PRINCIPAL*` header is stripped, as the "
        "platform does.",
        LOCAL,
    ),
    Setting(
        "LEAD_SYNC_CORS_ORIGINS",
        "none",
        "Local server only: allowed browser origins (comma-separated). In Azure CORS is set on the platform.",
        LOCAL,
    ),
    Setting(
        "LEAD_SYNC_LOCAL_KEY",
        "none (open)",
        "Local server only: the function key it requires on keyed routes (`x-functions-key` or `?code=`), as Azure does.",
        LOCAL,
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}
