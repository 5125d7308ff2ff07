/**
 * A small typed client for the Lead Sync API. Types come from `schema.d.ts`, generated from
 * GET /api/openapi.json by openapi-typescript: a contract change that breaks this client or the
 * example fails `tsc --noEmit` (tests/test_typescript_client.py).
 */
import type { components, paths } from "./schema";

export type Lead = components["schemas"]["Lead"];
export type LeadsPage = components["schemas"]["LeadsPage"];
export type LeadsQuery = NonNullable<paths["/api/leads"]["get"]["parameters"]["query"]>;
export type Removal = components["schemas"]["Removal"];
export type RemovalsPage = components["schemas"]["RemovalsPage"];
export type RemovalsQuery = NonNullable<paths["/api/leads/removals"]["get"]["parameters"]["query"]>;
export type HealthSummary = components["schemas"]["HealthSummary"];
export type HealthDetail = components["schemas"]["HealthDetail"];
export type RunReport = components["schemas"]["RunReport"];
export type SheetReport = components["schemas"]["SheetReport"];
export type SyncRun = components["schemas"]["SyncRun"];
export type SyncBody = components["schemas"]["SyncBody"];
export type ApprovalBody = components["schemas"]["ApprovalBody"];
export type ApprovalResult = components["schemas"]["ApprovalResult"];
export type Reason = components["schemas"]["Reason"];
export type ReasonCode = components["schemas"]["ReasonCode"];
export type Problem = components["schemas"]["Problem"];

/** An error answer of the API: switch on `problem.code`, show `problem.detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail);
  }
}

/** A cached answer: `changed` is false when the server said 304 (keep what you have). */
export type Polled<T> = { changed: true; data: T; etag: string | null } | { changed: false; etag: string };

type Query = Record<string, string | number | boolean | undefined | null>;

export class LeadSyncClient {
  constructor(
    private readonly baseUrl: string,
    private readonly functionKey?: string,
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  private async request<T>(method: "GET" | "POST", path: string, query: Query = {}, body?: unknown, etag?: string): Promise<Polled<T>> {
    const url = new URL(this.baseUrl.replace(/\/$/, "") + path);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.functionKey) headers["x-functions-key"] = this.functionKey;
    if (etag) headers["if-none-match"] = etag;
    if (body !== undefined) headers["content-type"] = "application/json";
    const resp = await this.fetchFn(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (resp.status === 304) return { changed: false, etag: etag ?? "" };
    const data: unknown = await resp.json();
    if (!resp.ok && resp.status !== 503) throw new ApiError(resp.status, data as Problem);
    if (!resp.ok && (data as Partial<Problem>).code) throw new ApiError(resp.status, data as Problem);
    return { changed: true, data: data as T, etag: resp.headers.get("etag") };
  }

  private async get<T>(path: string, query: Query = {}): Promise<T> {
    const answer = await this.request<T>("GET", path, query);
    if (!answer.changed) throw new Error("unexpected 304 without If-None-Match");
    return answer.data;
  }

  /** One page of leads; pass `continuation` from the previous page for the next. */
  listLeads(query: LeadsQuery): Promise<LeadsPage> {
    return this.get<LeadsPage>("/api/leads", query);
  }

  /** A page of leads, or `changed: false` when the page is the one tagged `etag`. */
  pollLeads(query: LeadsQuery, etag?: string): Promise<Polled<LeadsPage>> {
    return this.request<LeadsPage>("GET", "/api/leads", query, undefined, etag);
  }

  /** Every lead matching `query`, page after page. */
  async *allLeads(query: Omit<LeadsQuery, "continuation">): AsyncGenerator<Lead> {
    let continuation: string | null | undefined;
    do {
      const page: LeadsPage = await this.listLeads({ ...query, continuation: continuation ?? undefined });
      yield* page.items;
      continuation = page.continuation;
    } while (continuation);
  }

  /**
   * Leads deleted for real (an erasure, the retention purge) since `query.since`: a local copy
   * of the leads deletes them too. Keep each page's `watermark` and pass it as `since` next time.
   */
  listRemovals(query: RemovalsQuery): Promise<RemovalsPage> {
    return this.get<RemovalsPage>("/api/leads/removals", query);
  }

  getLead(id: string, sheet: string): Promise<Lead> {
    return this.get<Lead>(`/api/leads/${encodeURIComponent(id)}`, { sheet });
  }

  health(etag?: string): Promise<Polled<HealthSummary>> {
    return this.request<HealthSummary>("GET", "/api/leads/health", {}, undefined, etag);
  }

  healthDetail(query: { sheet?: string; runs?: number } = {}, etag?: string): Promise<Polled<HealthDetail>> {
    return this.request<HealthDetail>("GET", "/api/leads/health/detail", query, undefined, etag);
  }

  /**
   * Start a sync of one sheet (`{ sheet: id }`) or every sheet (`{ all: true }`): a `SyncRun` to
   * follow (202), or, for one sheet with `wait`, its `RunReport` when it finished in time (200).
   */
  async syncNow(body: SyncBody): Promise<RunReport | SyncRun> {
    const answer = await this.request<RunReport | SyncRun>("POST", "/api/leads/sync", {}, body);
    if (!answer.changed) throw new Error("unexpected 304");
    return answer.data;
  }

  /** A manual sync's progress, sheet by sheet. */
  async run(runId: string): Promise<SyncRun> {
    return this.get<SyncRun>(`/api/leads/runs/${encodeURIComponent(runId)}`);
  }

  /** Start a sync and poll its run until every sheet is done or failed (or `timeoutMs` passes). */
  async syncAndFollow(body: SyncBody, pollMs = 2_000, timeoutMs = 600_000): Promise<SyncRun | RunReport> {
    const started = await this.syncNow(body);
    if (!("state" in started)) return started;
    const deadline = Date.now() + timeoutMs;
    let run = started;
    while (run.state !== "done" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      run = await this.run(run.run_id);
    }
    return run;
  }

  async approve(sheet: string, body: ApprovalBody): Promise<ApprovalResult> {
    const answer = await this.request<ApprovalResult>("POST", `/api/leads/sheets/${encodeURIComponent(sheet)}/approve`, {}, body);
    if (!answer.changed) throw new Error("unexpected 304");
    return answer.data;
  }

  async reasons(): Promise<Map<ReasonCode, Reason>> {
    const doc = await this.get<components["schemas"]["Reasons"]>("/api/leads/reasons");
    return new Map(doc.reasons.map((r) => [r.code, r]));
  }
}
