"""
Settings: the only module that reads the environment, and only when asked (``load_settings``).

A bad setting never stops the app. ``load_settings`` always returns a ``Settings``; what it
could not use is listed in ``Settings.problems`` (shown by health as ERROR with a message a
person can act on), and a sheet entry that fails validation is kept as a ``BrokenSheet`` so
that only that sheet is reported in error while the others sync.

Settings (app settings in Azure, ``Values`` in local.settings.json):

- ``LEAD_SYNC_SHEETS``: JSON list of sheets (see ``SheetConfig``), or
  ``LEAD_SYNC_SHEETS_FILE``: path of a JSON file holding the same list;
- ``LEAD_SYNC_STORAGE``: Table Storage connection string (default: ``AzureWebJobsStorage``), or
  an identity-based connection in the Functions convention: ``LEAD_SYNC_STORAGE__tableServiceUri``
  (or ``__accountName``), ``__credential`` (``managedidentity``) and ``__clientId`` (a
  user-assigned identity); see ``StorageTarget``;
- ``GOOGLE_SERVICE_ACCOUNT_JSON``: the service-account key, as JSON or base64 of JSON;
- ``LEAD_SYNC_MAX_DROP`` (0.7), ``LEAD_SYNC_MIN_BASELINE`` (10), ``LEAD_SYNC_PHONE_REGION``
  (GB), ``LEAD_SYNC_SHEETS_READS_PER_MINUTE`` (60), ``LEAD_SYNC_LEADS_TABLE`` (leads),
  ``LEAD_SYNC_STATE_TABLE`` (syncstate), ``LEAD_SYNC_RUNS_TABLE`` (syncruns).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .core.models import CANONICAL_FIELDS, DEFAULT_REQUIRED

if TYPE_CHECKING:  # the pipeline (phonenumbers, rapidfuzz) is not needed to read settings
    from .core.analysis import SheetOptions
    from .core.guard import GuardPolicy

SheetId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class SheetConfig(BaseModel):
    """One sheet to sync."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SheetId
    """Our name for the sheet: letters, digits, ``_`` and ``-``; the leads' partition key."""
    customer: str = Field(min_length=1, max_length=200)
    source: Literal["google", "csv"] = "google"
    spreadsheet_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{10,200}$")
    worksheet: str | None = None
    """Tab name; the first visible tab when omitted."""
    path: str | None = None
    """CSV file (``source: csv``), relative to the config file or the app root."""
    required: list[list[str]] | None = None
    overrides: dict[str, str | None] = Field(default_factory=dict)
    """Header (or column letter) -> canonical field, or ``"ignore"`` to keep it as extra data."""
    max_drop: float | None = Field(default=None, gt=0, le=1)
    min_baseline: int | None = Field(default=None, ge=0)
    phone_region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    day_first: bool = True
    enabled: bool = True

    @field_validator("required")
    @classmethod
    def _known_required(cls, v: list[list[str]] | None) -> list[list[str]] | None:
        for group in v or []:
            unknown = [f for f in group if f not in CANONICAL_FIELDS]
            if unknown:
                raise ValueError(f"unknown fields in required: {unknown}")
        return v

    @field_validator("overrides")
    @classmethod
    def _known_overrides(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        bad = {k: f for k, f in v.items() if f not in (None, "ignore") and f not in CANONICAL_FIELDS}
        if bad:
            raise ValueError(f"overrides name unknown fields: {bad}; use one of {list(CANONICAL_FIELDS)} or 'ignore'")
        return v

    @model_validator(mode="after")
    def _source_fields(self) -> SheetConfig:
        if self.source == "google" and not self.spreadsheet_id:
            raise ValueError("a google sheet needs spreadsheet_id")
        if self.source == "csv" and not self.path:
            raise ValueError("a csv sheet needs path")
        return self

    def options(self, default_region: str) -> SheetOptions:
        from .core.analysis import SheetOptions

        required = tuple(tuple(g) for g in self.required) if self.required is not None else DEFAULT_REQUIRED
        return SheetOptions(
            required=required,
            overrides=dict(self.overrides),
            phone_region=self.phone_region or default_region,
            day_first=self.day_first,
        )


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


@dataclass(frozen=True)
class Settings:
    sheets: tuple[SheetConfig, ...] = ()
    broken: tuple[BrokenSheet, ...] = ()
    problems: tuple[str, ...] = ()
    storage_connection: str | None = None
    storage_target: StorageTarget | None = None
    google_credentials: dict[str, Any] | None = None
    max_drop: float = 0.7
    min_baseline: int = 10
    phone_region: str = "GB"
    reads_per_minute: int = 60
    leads_table: str = "leads"
    state_table: str = "syncstate"
    runs_table: str = "syncruns"
    base_dir: Path = field(default_factory=Path.cwd)

    def sheet(self, sheet_id: str) -> SheetConfig | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def policy(self, sheet: SheetConfig) -> GuardPolicy:
        from .core.guard import GuardPolicy

        return GuardPolicy(
            max_drop=sheet.max_drop if sheet.max_drop is not None else self.max_drop,
            min_baseline=sheet.min_baseline if sheet.min_baseline is not None else self.min_baseline,
        )


def load_settings(environ: Mapping[str, str] | None = None, base_dir: Path | None = None) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``); never raises."""
    env = os.environ if environ is None else environ
    problems: list[str] = []
    base = base_dir or Path(env.get("LEAD_SYNC_BASE_DIR") or Path(__file__).resolve().parent.parent)

    raw_sheets: Any = None
    text = env.get("LEAD_SYNC_SHEETS")
    file = env.get("LEAD_SYNC_SHEETS_FILE")
    if text:
        try:
            raw_sheets = json.loads(text)
        except json.JSONDecodeError as e:
            problems.append(f"LEAD_SYNC_SHEETS is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})")
    elif file:
        path = Path(file) if Path(file).is_absolute() else base / file
        try:
            raw_sheets = json.loads(path.read_text(encoding="utf-8-sig"))
            base = path.parent
        except OSError as e:
            problems.append(f"LEAD_SYNC_SHEETS_FILE {file!r} cannot be read: {e.strerror}")
        except json.JSONDecodeError as e:
            problems.append(f"LEAD_SYNC_SHEETS_FILE {file!r} is not valid JSON ({e.msg} at line {e.lineno})")
    else:
        problems.append("no sheets configured: set LEAD_SYNC_SHEETS (JSON list) or LEAD_SYNC_SHEETS_FILE")

    if isinstance(raw_sheets, dict) and "sheets" in raw_sheets:
        raw_sheets = raw_sheets["sheets"]
    sheets, broken = _parse_sheets(raw_sheets, problems) if raw_sheets is not None else ((), ())

    target = _storage_target(env, problems)
    storage = target.connection_string if target else None
    if target is None:
        problems.append("no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage")

    creds = None
    raw_creds = env.get("GOOGLE_SERVICE_ACCOUNT_JSON")
    if raw_creds:
        creds = _parse_credentials(raw_creds, problems)
    elif any(s.source == "google" for s in sheets):
        problems.append("GOOGLE_SERVICE_ACCOUNT_JSON is not set: Google sheets cannot be read")

    max_drop = _number(env, "LEAD_SYNC_MAX_DROP", 0.7, float, problems, 0.0, 1.0)
    min_baseline = _number(env, "LEAD_SYNC_MIN_BASELINE", 10, int, problems, 0, 10**9)
    reads = _number(env, "LEAD_SYNC_SHEETS_READS_PER_MINUTE", 60, int, problems, 1, 6000)
    return Settings(
        sheets=sheets,
        broken=broken,
        problems=tuple(problems),
        storage_connection=storage,
        storage_target=target,
        google_credentials=creds,
        max_drop=max_drop,
        min_baseline=min_baseline,
        phone_region=(env.get("LEAD_SYNC_PHONE_REGION") or "GB").upper(),
        reads_per_minute=reads,
        leads_table=env.get("LEAD_SYNC_LEADS_TABLE") or "leads",
        state_table=env.get("LEAD_SYNC_STATE_TABLE") or "syncstate",
        runs_table=env.get("LEAD_SYNC_RUNS_TABLE") or "syncruns",
        base_dir=base,
    )


AZURITE_CONNECTION = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    # Azurite's published, well-known development key (not a secret).
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
)


def azurite_connection(port: int, host: str = "127.0.0.1") -> str:
    return AZURITE_CONNECTION.replace("127.0.0.1:10002", f"{host}:{port}")


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
    if not isinstance(raw, list):
        problems.append("the sheets setting must be a JSON list of sheet objects")
        return (), ()
    sheets: list[SheetConfig] = []
    broken: list[BrokenSheet] = []
    seen: set[str] = set()
    for n, item in enumerate(raw):
        ident = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{n + 1}"
        customer = item.get("customer") if isinstance(item, dict) else None
        try:
            sheet = SheetConfig.model_validate(item)
        except ValidationError as e:
            msg = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in e.errors())
            broken.append(BrokenSheet(ident, customer, f"invalid sheet config: {msg}"))
            continue
        if sheet.id in seen:
            broken.append(BrokenSheet(ident, customer, f"duplicate sheet id {sheet.id!r}"))
            continue
        seen.add(sheet.id)
        sheets.append(sheet)
    return tuple(sheets), tuple(broken)


def _parse_credentials(raw: str, problems: list[str]) -> dict[str, Any] | None:
    text = raw.strip()
    if not text.startswith("{"):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            problems.append("GOOGLE_SERVICE_ACCOUNT_JSON is neither JSON nor base64 of JSON")
            return None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as e:
        problems.append(f"GOOGLE_SERVICE_ACCOUNT_JSON is not valid JSON ({e.msg})")
        return None
    missing = [k for k in ("client_email", "private_key", "token_uri") if not isinstance(info, dict) or k not in info]
    if missing:
        problems.append(f"GOOGLE_SERVICE_ACCOUNT_JSON lacks {', '.join(missing)} (is it a service-account key?)")
        return None
    return info


def _number(env: Mapping[str, str], name: str, default: Any, kind: type, problems: list[str], lo: float, hi: float) -> Any:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        problems.append(f"{name}={raw!r} is not a number; using {default}")
        return default
    if not lo <= value <= hi:
        problems.append(f"{name}={raw!r} is outside {lo}..{hi}; using {default}")
        return default
    return value
