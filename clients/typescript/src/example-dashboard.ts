/**
 * Example: a dashboard list of a customer's leads (filter, search, sort, count, paging, cheap
 * polling with ETags) and a "sync now" button. Type-checked with the client; not shipped.
 */
import { ApiError, LeadSyncClient, type Lead, type LeadsQuery, type RunReport, type SheetReport, type SyncRun } from "./client";

const api = new LeadSyncClient("https://leadsync.example.net", "function-key-from-your-config");

export function leadRow(lead: Lead): string {
  const name = lead.full_name ?? [lead.first_name, lead.last_name].filter(Boolean).join(" ");
  const created = lead.created_at ? new Date(lead.created_at).toLocaleString() : "";
  const flags = [lead.duplicate_of ? "duplicate" : "", Object.keys(lead.invalid).length ? "check values" : ""].filter(Boolean);
  return `${name} <${lead.email ?? ""}> ${lead.phone ?? ""} ${lead.company ?? ""} ${created} ${flags.join(", ")} (row ${lead.row ?? "?"})`;
}

/** One screen of the list: newest first, with the total for the pager. */
export async function showLeads(list: HTMLElement, customer: string, search: string, continuation?: string): Promise<string | null> {
  const query: LeadsQuery = { customer, sort: "-created_at", page_size: 50, count: true, q: search || undefined, continuation };
  try {
    const page = await api.listLeads(query);
    list.replaceChildren(
      ...page.items.map((lead) => {
        const li = document.createElement("li");
        li.textContent = leadRow(lead);
        return li;
      }),
    );
    list.dataset.total = String(page.total ?? page.count);
    return page.continuation;
  } catch (e) {
    if (e instanceof ApiError && e.problem.code === "invalid_request") {
      list.textContent = e.problem.detail;
      return null;
    }
    throw e;
  }
}

/** Poll the health badge every 30 s; a 304 costs no body. */
export function pollHealth(badge: HTMLElement): () => void {
  let etag: string | undefined;
  const tick = async () => {
    const answer = await api.health(etag);
    if (answer.changed) {
      etag = answer.etag ?? undefined;
      badge.textContent = `${answer.data.status}: ${answer.data.sheets.ERROR} sheets failing`;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), 30_000);
  return () => clearInterval(timer);
}

/** The "sync now" button: starts a sync of one sheet, follows it, and shows each reason with what to do about it. */
export function syncButton(button: HTMLButtonElement, sheet: string, out: HTMLElement): void {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const [result, reasons]: [RunReport | SyncRun, Awaited<ReturnType<LeadSyncClient["reasons"]>>] = await Promise.all([
        api.syncAndFollow({ sheet, wait: 10 }),
        api.reasons(),
      ]);
      // A finished run carries each sheet's report; a waited single sheet answers with the report itself.
      const sheets: SheetReport[] =
        "state" in result ? result.sheets.flatMap((s) => (s.report ? [s.report as unknown as SheetReport] : [])) : result.sheets;
      const lines = sheets.flatMap((s) => [
        `${s.sheet_id}: ${s.status}, +${s.added} ~${s.updated} -${s.deleted} (header row ${s.header_row ?? "none"})`,
        ...s.reason_codes.map((code) => `  ${code}: ${reasons.get(code)?.action ?? ""}`),
        ...(s.awaiting_approval && s.blocked ? [`  blocked: approve change ${s.blocked.id} in health detail`] : []),
      ]);
      out.textContent = lines.join("\n");
    } catch (e) {
      out.textContent = e instanceof ApiError ? `${e.problem.title}: ${e.problem.detail}` : String(e);
    } finally {
      button.disabled = false;
    }
  });
}
