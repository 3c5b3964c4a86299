/** `Ada.Lovelace+x@example.com` → `ada.lovelace-x`; a provider login name wins when usable. */
export function userNameBase(preferred: string | null, email: string): string {
  const clean = (text: string): string =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 40);
  const fromPreferred = preferred ? clean(preferred) : '';
  return fromPreferred || clean(email.slice(0, email.indexOf('@'))) || 'user';
}

/** A name as a provider sent it, trimmed and at most 100 characters; null when blank. */
export function clip(text: string | null | undefined): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed.slice(0, 100) : null;
}

/** Only https avatars (shown in the UI); anything else is dropped. */
export function safeAvatar(url: string | null | undefined): string | null {
  if (!url || url.length > 2048) return null;
  try {
    return new URL(url).protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}
