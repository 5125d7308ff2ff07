/**
 * Receiving Lead Sync's webhooks: verify the signature with the Standard Webhooks library (the
 * scheme Lead Sync signs with), then act on the event once per `webhook-id`.
 *
 * Events carry ids only; read the lead itself with GET /api/leads/{id}?sheet={sheet_id}. Per sheet
 * they arrive in `data.sequence` order (a failed delivery holds back the sheet's later events until
 * it succeeds or is given up after 24 hours); a retry or a replay repeats the same `webhook-id`.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { components } from "./schema";

export type LeadEvent = components["schemas"]["LeadEvent"];
export { WebhookVerificationError };

/**
 * The event in a request's raw body, if Lead Sync signed it with `secret` (`whsec_...`) within
 * the last 5 minutes; throws `WebhookVerificationError` otherwise. Pass the body exactly as
 * received: re-serialised JSON does not verify.
 */
export function verifyLeadEvent(secret: string, body: string, headers: Headers | Record<string, string>): LeadEvent {
  const plain = headers instanceof Headers ? Object.fromEntries(headers.entries()) : headers;
  return new Webhook(secret).verify(body, plain) as LeadEvent;
}

/**
 * A fetch-style handler (Node 18+, Deno, Cloudflare Workers, Next.js route handlers): 204 once the
 * event is handled, 401 for a request Lead Sync did not sign, and nothing done twice for one
 * `webhook-id` (`seen` is yours: a database table in production, a Set in a test).
 */
export async function handleLeadWebhook(
  request: Request,
  secret: string,
  seen: { has(id: string): boolean | Promise<boolean>; add(id: string): unknown },
  onEvent: (event: LeadEvent) => Promise<void> | void,
): Promise<Response> {
  const body = await request.text();
  let event: LeadEvent;
  try {
    event = verifyLeadEvent(secret, body, request.headers);
  } catch (e) {
    if (e instanceof WebhookVerificationError) return new Response(null, { status: 401 });
    throw e;
  }
  if (!(await seen.has(event.id))) {
    await onEvent(event);
    await seen.add(event.id);
  }
  return new Response(null, { status: 204 });
}
