"""
``SheetConfig``: one sheet's entry in the sheet list, validated by pydantic. Its own module so
that importing ``shared.config`` (and the app) loads no pydantic: ``shared.config.SheetConfig``
imports it on first use, and ``load_settings`` when it reads a sheet list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .config import check_region
from .core.models import CANONICAL_FIELDS, DEFAULT_REQUIRED

if TYPE_CHECKING:
    from .core.analysis import SheetOptions

SheetId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class SheetConfig(BaseModel):
    """One sheet to sync."""

    # The attribute docstrings below describe the fields in the published schema (``described_schema``);
    # pydantic's ``use_attribute_docstrings`` would read this file's source each time the app starts.
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SheetId
    """Our name for the sheet: letters, digits, ``_`` and ``-``; the leads' partition key."""
    customer: str = Field(min_length=1, max_length=200)
    """The client company the sheet belongs to; `?customer=` serves all its sheets."""
    source: Literal["google", "csv"] = "google"
    """Where the rows come from: a Google Sheet (``spreadsheet_id``) or a CSV file (``path``)."""
    spreadsheet_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{10,200}$")
    """The id in the sheet's URL (``/spreadsheets/d/<id>/``); needed for ``source: google``."""
    worksheet: str | None = Field(default=None, min_length=1, max_length=100)
    """Tab name; the first visible tab when omitted."""
    path: str | None = Field(default=None, min_length=1, max_length=1000)
    """CSV file (``source: csv``), relative to the config file or the app root."""
    required: list[list[str]] | None = Field(default=None, max_length=50)
    """Essential columns: each group needs one of its fields mapped; default a contact (email or phone)
    and an identity (a name or company)."""
    overrides: dict[str, str | None] = Field(default_factory=dict, max_length=1000)
    """Header (or column letter) -> canonical field, or ``"ignore"`` to keep it as extra data."""
    max_drop: float | None = Field(default=None, gt=0, le=1)
    """Largest share of leads one sync may remove before it is blocked (overrides ``LEAD_SYNC_MAX_DROP``)."""
    min_baseline: int | None = Field(default=None, ge=0)
    """Below this many leads the percentage guard is skipped (overrides ``LEAD_SYNC_MIN_BASELINE``)."""
    max_carry: float | None = Field(default=None, ge=0, le=1)
    """Largest share of leads that may keep a stored id through a phone or name in one sync (overrides ``LEAD_SYNC_MAX_CARRY``)."""
    phone_region: str | None = None
    """Two-letter region for numbers written without a country code (``UK`` is read as ``GB``)."""
    day_first: bool = True
    """Read ambiguous dates such as ``03/04/2026`` day first (3 April)."""
    enabled: bool = True
    """A disabled sheet is not synced; its leads stay stored and served."""
    retention_days: float | None = Field(default=None, gt=0, le=36500)
    """Days a soft-deleted lead of this sheet is kept before the purge timer deletes it for real
    (overrides ``LEAD_SYNC_RETENTION_DAYS``); unset: the deployment's retention, off by default."""
    credential: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """Name of the Google key (``GOOGLE_SERVICE_ACCOUNTS``) that reads this sheet; ``default`` when omitted."""
    notify_version: int = Field(default=1, ge=1, le=1_000_000)
    """Version of the sheet's change-notification token: raise it by one to revoke the token the sheet owner has
    (then give them the new one, ``python -m shared notify-token``)."""
    notify_drive: bool = False
    """Watch the spreadsheet with Google Drive push notifications (``files.watch``): the watch timer keeps a channel
    open (renewed before it expires) whose calls sync the sheet. Needs ``LEAD_SYNC_NOTIFY_KEY`` and a public HTTPS address."""

    @field_validator("required")
    @classmethod
    def _known_required(cls, v: list[list[str]] | None) -> list[list[str]] | None:
        for group in v or []:
            unknown = [f for f in group if f not in CANONICAL_FIELDS]
            if unknown:
                raise ValueError(f"unknown fields in required: {unknown}")
        return v

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, v: str | None) -> str | None:
        if v is None:
            return None
        region, error = check_region(v)
        if error:
            raise ValueError(error)
        return region

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


def described_schema() -> dict[str, Any]:
    """``SheetConfig``'s JSON Schema, each field described by its attribute docstring (read from
    the source when the schema is asked for, not on every cold start)."""
    from pydantic._internal._docs_extraction import extract_docstrings_from_cls

    schema = SheetConfig.model_json_schema()
    for name, doc in extract_docstrings_from_cls(SheetConfig, use_inspect=True).items():
        if name in schema.get("properties", {}):
            schema["properties"][name]["description"] = doc
    return schema
