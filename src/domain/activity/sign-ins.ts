// Recent sign-ins from the audit log (the sign-in page writes `sign_in.success` / `sign_in.failure`).
import type { Knex } from 'knex';
import { z } from 'zod';

export type SignInEvent = { at: Date; success: boolean; reason?: string; clientName?: string };

const Detail = z.object({ reason: z.string().max(64).optional(), client: z.string().max(200).optional() }).catch({});

export async function recentSignIns(db: Knex, personId: string, limit = 20): Promise<SignInEvent[]> {
  const rows: { at: Date; action: string; detail: unknown }[] = await db('audit_events')
    .select('at', 'action', 'detail')
    .where({ subject: personId })
    .andWhere('action', 'like', 'sign_in.%')
    .orderBy('at', 'desc')
    .limit(limit);
  const events = rows.map((r) => ({ at: r.at, action: r.action, detail: Detail.parse(typeof r.detail === 'string' ? safeJson(r.detail) : r.detail) }));
  const clientIds = [...new Set(events.map((e) => e.detail.client).filter((c): c is string => !!c))];
  const names = new Map<string, string>();
  if (clientIds.length) {
    const clients: { client_id: string; name: string | null }[] = await db('oidc_clients')
      .select('client_id', db.raw("metadata->>'client_name' as name"))
      .whereIn('client_id', clientIds);
    for (const c of clients) names.set(c.client_id, c.name ?? c.client_id);
  }
  return events.map((e) => ({
    at: e.at,
    success: e.action === 'sign_in.success',
    reason: e.action === 'sign_in.success' ? undefined : e.detail.reason,
    clientName: e.detail.client ? (names.get(e.detail.client) ?? e.detail.client) : undefined,
  }));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
