import { SetMetadata } from '@nestjs/common';

export const ORIGIN_RULE = 'tower:origin';
/**
 * `same-origin`: a browser on another site cannot make this request. `cross-site`: other sites
 * post here on purpose and the route protects itself another way.
 */
export type OriginRule = 'same-origin' | 'cross-site';

/**
 * For a route a browser can be made to send from another site (a public form such as the
 * sign-in button, or a cookie-carried sign-out): the guard refuses a state-changing request with
 * 403, before the handler runs, when the browser says another site made it (`Sec-Fetch-Site`
 * `cross-site` or `same-site`, or an `Origin` other than the server URL's, `null` included).
 * Clients that send neither header (Nextflow, curl, API clients) are unaffected. Routes that
 * need a credential get this check anyway whenever the credential is the cookie.
 */
export const SameOriginOnly = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ORIGIN_RULE, 'same-origin');

/**
 * A public state-changing route that other sites legitimately post to and that needs no origin
 * check because something else binds the request to this browser (the OAuth `form_post`
 * callback: its `state` must match the browser's sealed flow cookie).
 */
export const CrossSiteAllowed = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ORIGIN_RULE, 'cross-site');
