/**
 * E-mail addresses as every login method sees them: trimmed, NFKC-normalised and
 * lower-cased, then refused unless they are a plain `local@domain` address. The checks are
 * deliberately stricter than RFC 5321: no quoted local parts, no spaces or control characters,
 * no comments, and ASCII only after NFKC (full-width look-alikes fold to ASCII; other scripts are
 * refused, so a Cyrillic "о" can never pass for an "o" in an allow list or a mailbox).
 */
export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
/** Longer input is not normalised at all: NFKC of megabytes is work for nothing. */
const MAX_INPUT_LENGTH = 1024;

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The normalised address, or null when the input is not an acceptable address. */
export function normaliseEmail(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  const email = input.trim().normalize('NFKC').toLowerCase();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return null;
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local)) return null;
  const labels = domain.split('.');
  return labels.every((label) => DOMAIN_LABEL.test(label)) ? email : null;
}

/** `ada@example.com` → `a**@example.com`: enough for a person to recognise, not to harvest. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at <= 0) return '***';
  const local = email.slice(0, at);
  const visible = local.length <= 2 ? local.slice(0, 1) : local.slice(0, 2);
  return `${visible}${'*'.repeat(Math.max(local.length - visible.length, 1))}${email.slice(at)}`;
}
