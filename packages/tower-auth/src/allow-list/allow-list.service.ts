import { Inject, Injectable } from '@nestjs/common';
import { TOWER_CONFIG, type AuthType, type TowerConfig } from '../config/tower-config.types.js';
import { normaliseEmail } from '../users/email.js';

/**
 * Per-login-method allow lists (docs/configuration.md, "Allow-list patterns"). Patterns come
 * normalised and validated from the configuration; a pattern matches the whole address,
 * case-insensitively, and `*` is any run of characters (nothing else is special). An empty list
 * admits everybody. Checked at every login.
 */
@Injectable()
export class AllowListService {
  private readonly lists: Readonly<Record<AuthType, readonly string[]>>;

  constructor(@Inject(TOWER_CONFIG) config: TowerConfig) {
    this.lists = {
      email: config.auth.emailAllowList,
      github: config.auth.github.allowList,
      google: config.auth.google.allowList,
      oidc: config.auth.oidc.allowList,
    };
  }

  /** The patterns of one login method; empty means everybody is admitted. */
  patterns(method: AuthType): readonly string[] {
    return this.lists[method];
  }

  /**
   * True when any of the addresses is admitted for the method. Addresses are normalised first;
   * one that is not a valid address never matches a non-empty list.
   */
  admits(method: AuthType, emails: string | readonly string[]): boolean {
    const patterns = this.lists[method];
    if (patterns.length === 0) return true;
    const candidates = (typeof emails === 'string' ? [emails] : emails)
      .map(normaliseEmail)
      .filter((email): email is string => email !== null);
    return candidates.some((email) => patterns.some((pattern) => matchesPattern(email, pattern)));
  }
}

/**
 * Whole-string wildcard match where `*` is any run of characters. Linear-time in practice (the
 * classic two-pointer algorithm that backtracks only to the last star), so a hostile address
 * cannot make a pattern with many stars slow.
 */
export function matchesPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
