import { z } from 'zod';

/** The lookup's answer, and nothing else. */
export const LookupResponse = z.object({ has_account: z.boolean(), has_identity: z.boolean() }).strict();
