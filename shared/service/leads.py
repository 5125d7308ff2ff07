"""Use case: read leads for the CRM dashboard: a page of a sheet or a customer, one lead, and the leads deleted for real."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ..core.leadquery import LeadFilter, parse_sort, sort_key
from ..errors import ExpiredError, InvalidRequestError, NotFoundError, UnknownSheetError
from .deps import Deps
from .inputs import LeadsQuery, RemovalsQuery
from .results import LeadsPage, RemovalsPage

WATERMARK_MARGIN = timedelta(seconds=60)
"""As the store's: a sorted walk's watermark lies this far behind its start."""
_SORT_TOKEN_ERROR = "invalid continuation token: pass back the continuation of the previous page unchanged, with the same sort"


class LeadReads:
    def __init__(self, deps: Deps):
        self._deps = deps

    def page(self, query: LeadsQuery) -> LeadsPage:
        """
        One page of leads of a sheet or a customer; raises on unknown sheets and bad tokens.

        Without ``sort`` and ``count`` the store walks the partitions in key order and fills the
        page (server-side filters in OData, the rest decided per lead). With either, every
        matching lead of the customer's partitions is read, sorted (ties on sheet and id) and
        paged by the last key served, so pages are stable while leads change.
        """
        settings = self._deps.settings
        sheet = settings.sheet(query.sheet_id) if query.sheet_id else None
        if query.sheet_id and sheet is None:
            raise UnknownSheetError(query.sheet_id)
        sheet_ids: list[str] | None
        if sheet is not None:
            sheet_ids = [sheet.id] if not query.customer or sheet.customer == query.customer else []
        elif query.include_orphaned:
            sheet_ids = None  # scan by the customer each lead carries: configured and removed sheets alike
        else:
            # Only the partitions of this customer's configured sheets (every configured sheet without a customer) are read.
            sheet_ids = [s.id for s in settings.sheets if query.customer is None or s.customer == query.customer]
        lead_filter = query.lead_filter(settings.phone_region or "GB")
        if query.sort or query.count:
            if sheet_ids is None:
                sheet_ids = self._with_orphaned(query.customer)
            return self._sorted(query, sheet_ids, lead_filter)
        try:
            items, token, watermark = self._deps.read_store.list_leads(
                sheet_ids=sheet_ids,
                customer=query.customer,
                page_size=query.page_size,
                token=query.continuation,
                lead_filter=lead_filter,
            )
        except ValueError as e:
            raise InvalidRequestError(str(e)) from e
        return LeadsPage(items, token, watermark)

    def _with_orphaned(self, customer: str | None) -> list[str]:
        """The customer's (or every) configured sheet, and the sheets no longer configured that the sync state remembers for it."""
        configured = {s.id: s.customer for s in self._deps.settings.sheets}
        ids = [sheet_id for sheet_id, owner in configured.items() if customer is None or owner == customer]
        for st in self._deps.states():
            if st.sheet_id not in configured and (customer is None or (st.leads_customer or st.customer) == customer):
                ids.append(st.sheet_id)
        return ids

    def _sorted(self, query: LeadsQuery, sheet_ids: list[str], lead_filter: LeadFilter) -> LeadsPage:
        sort = parse_sort(query.sort or "changed_at") if query.sort else None
        field, desc = sort if sort else ("", False)
        after = decode_sort_token(query.continuation, query.sort or "")
        watermark = after["w"] if after else (datetime.now(UTC) - WATERMARK_MARGIN).isoformat()
        leads = self._deps.read_store.scan_leads(sheet_ids, lead_filter)

        def key(lead: dict[str, Any]) -> tuple[Any, ...]:
            if not field:  # storage order: by sheet id, then by lead id (never a position in the config)
                return (0, "", str(lead["sheet_id"]), str(lead["id"]))
            return sort_key(lead, field)

        keyed = sorted(((key(x), x) for x in leads), key=lambda kx: kx[0], reverse=desc)
        if after:
            last = tuple(after["k"])
            keyed = [(k, x) for k, x in keyed if (k < last if desc else k > last)]
        page = keyed[: query.page_size]
        more = len(keyed) > query.page_size
        token = encode_sort_token(query.sort or "", list(page[-1][0]), watermark) if more and page else None
        return LeadsPage([x for _, x in page], token, watermark, len(leads) if query.count else None)

    def removals(self, query: RemovalsQuery) -> RemovalsPage:
        """
        The leads of a sheet or a customer deleted for real (an erasure, the retention purge)
        since ``query.since``: what a reader mirroring the leads with ``updated_since`` must also
        delete. Pass the page's ``watermark`` back as ``since`` next time.

        Sheets removed from the configuration count too (found by the customer their state
        recorded): an erasure reaches their leads, so a mirror must learn of it. A ``since``
        older than the records kept raises ``ExpiredError``: the reader must read every lead again.
        """
        settings = self._deps.settings
        if query.since is not None and query.since < datetime.now(UTC) - timedelta(days=settings.removals_days):
            raise ExpiredError(
                f"removals are kept {settings.removals_days:g} days (LEAD_SYNC_REMOVALS_DAYS) and since is older: read every lead again "
                "(GET /api/leads without updated_since), drop local copies it does not list, and start again from its watermark"
            )
        configured = {s.id: s.customer for s in settings.sheets}
        owners = dict(configured)
        if not (query.sheet_id and query.sheet_id in configured):
            # Orphaned sheets: not configured any more, but their leads may still be erased.
            owners.update(
                {st.sheet_id: st.leads_customer or st.customer or "" for st in self._deps.states() if st.sheet_id not in configured}
            )
        if query.sheet_id:
            if query.sheet_id not in owners:
                raise UnknownSheetError(query.sheet_id)
            sheet_ids = [query.sheet_id] if not query.customer or owners[query.sheet_id] == query.customer else []
        else:
            sheet_ids = [sheet_id for sheet_id, customer in owners.items() if query.customer is None or customer == query.customer]
        try:
            items, token, watermark = self._deps.read_store.list_removals(sheet_ids, query.since, query.page_size, query.continuation)
        except ValueError as e:
            raise InvalidRequestError(str(e)) from e
        return RemovalsPage(items, token, watermark)

    def get(self, sheet_id: str, lead_id: str) -> dict[str, Any]:
        """One lead of a configured sheet (deleted ones too); raises UnknownSheetError or NotFoundError."""
        if self._deps.settings.sheet(sheet_id) is None:
            raise UnknownSheetError(sheet_id)
        found = self._deps.read_store.get_lead(sheet_id, lead_id)
        if found is None:
            raise NotFoundError("no lead with this id in this sheet; ids come from GET /api/leads")
        return found


def encode_sort_token(sort: str, key: list[Any], watermark: str) -> str:
    """The continuation of a sorted listing: the sort, the last key served and the watermark."""
    raw = json.dumps({"s": sort, "k": key, "w": watermark}, separators=(",", ":"), ensure_ascii=False).encode()
    return "s." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_sort_token(text: str | None, sort: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        if not text.startswith("s."):
            raise ValueError(text[:2])
        body = text[2:]
        value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        key = value["k"]
        ok = (
            isinstance(value, dict)
            and value.get("s") == sort
            and isinstance(value.get("w"), str)
            and isinstance(key, list)
            and len(key) == 4
            and isinstance(key[0], int)
            and all(isinstance(k, str) for k in key[1:])
        )
    except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
        ok = False
    if not ok:
        raise InvalidRequestError(_SORT_TOKEN_ERROR)
    return dict(value)
