// Feed positions as clients send them (`?resume=`, Last-Event-ID): a non-negative integer, or absent.
import { badRequest } from '../core/errors.js';

export function parsePosition(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest('a resume position (resume, Last-Event-ID) must be a non-negative integer');
  return n;
}
