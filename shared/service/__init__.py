"""
The application service: the use cases the functions and the CLI call, and the composition root
that wires them to settings and adapters.

- ``inputs``: validated requests (``LeadsQuery``, ``SyncRequest``, ...), built by ``shared.web``
  and ``shared.cli``;
- ``results``: typed results with ``to_dict()``;
- ``health``, ``leads``, ``syncs``, ``worker``, ``approvals``, ``privacy``, ``changes``: the use cases, each a
  class over the runtime, raising ``LeadSyncError`` subclasses (``shared.errors``);
- ``root``: ``Runtime``, the composition root (settings, lazily built adapters, the use cases),
  one per process (``get_runtime``).

Use cases never see HTTP: ``shared.web`` maps their errors to status codes and their results to
documents; ``shared.cli`` maps the same errors to exit codes.
"""

from ..errors import LeadSyncError
from .inputs import MAX_PAGE, ApprovalRequest, AuditQuery, ChangeNotice, ErasureRequest, HealthQuery, LeadsQuery, RemovalsQuery, SyncRequest
from .results import (
    ApprovalResult,
    AuditPage,
    ChannelsRenewed,
    Enqueued,
    ErasureResult,
    HealthView,
    LeadsPage,
    NoticeResult,
    NotifySetup,
    Outcome,
    PurgeResult,
    RemovalsPage,
    SyncStarted,
    UnsuppressResult,
)
from .root import Runtime, get_runtime, set_runtime

__all__ = [
    "MAX_PAGE",
    "ApprovalRequest",
    "ApprovalResult",
    "AuditPage",
    "AuditQuery",
    "ChangeNotice",
    "ChannelsRenewed",
    "Enqueued",
    "ErasureRequest",
    "ErasureResult",
    "HealthQuery",
    "HealthView",
    "LeadSyncError",
    "LeadsPage",
    "LeadsQuery",
    "NoticeResult",
    "NotifySetup",
    "Outcome",
    "PurgeResult",
    "RemovalsPage",
    "RemovalsQuery",
    "Runtime",
    "SyncRequest",
    "SyncStarted",
    "UnsuppressResult",
    "get_runtime",
    "set_runtime",
]
