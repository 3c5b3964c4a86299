/** localhost, *.localhost, 127.0.0.0/8 and [::1]: plain http is fine and dev shortcuts apply. */
export function isLocalUrl(url: string | null): boolean {
  if (url === null || !URL.canParse(url)) return false;
  const host = new URL(url).hostname.toLowerCase();
  return /^(.+\.)?localhost$|^127(\.\d{1,3}){3}$|^\[::1\]$/.test(host);
}
