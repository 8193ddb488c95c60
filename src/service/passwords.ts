// Password hashing (scrypt, a random salt per password) and verification in constant time. A login for
// an unknown account still runs one scrypt, so its timing does not tell whether the account exists.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

export async function hashPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pw, salt, 32);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(pw: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(pw, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

let decoy: Promise<string> | null = null;

/** Verifies against `stored`, or against a decoy hash when there is no account (same cost, always false). */
export async function checkPassword(pw: string, stored: string | null): Promise<boolean> {
  if (stored !== null) return verifyPassword(pw, stored);
  await verifyPassword(pw, await (decoy ??= hashPassword(randomBytes(16).toString('hex'))));
  return false;
}
