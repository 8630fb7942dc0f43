// A virtual user's cookies, as a browser keeps them: tough-cookie's jar applies
// the domain, path, expiry and Secure rules (RFC 6265). The jar is made on the
// first Set-Cookie, so a VU of an API that sets none costs one null check per
// request. Set-Cookie headers a server gets wrong are ignored, never an error.
import { Cookie, CookieJar } from 'tough-cookie';

export class VuCookies {
  private jar: CookieJar | null = null;
  /** false: a jar that keeps nothing (cookies off), standing for its VU (connections: perVU). */
  private readonly keeps: boolean;
  /** Its VU's (or arrival's, or session slot's) index: dispatch.ts binds it to source address index mod N. */
  readonly source: number;

  constructor(keeps = true, source = 0) {
    this.keeps = keeps;
    this.source = source;
  }

  /** The Cookie header for a request to `url`; undefined when there is none to send. */
  header(url: string): string | undefined {
    if (this.jar === null) return undefined;
    const s = this.jar.getCookieStringSync(url);
    return s === '' ? undefined : s;
  }

  /** Keeps what a response from `url` sets. */
  store(url: string, setCookie: string | string[] | undefined): void {
    if (setCookie === undefined || !this.keeps) return;
    this.jar ??= new CookieJar();
    for (const c of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      try {
        this.jar.setCookieSync(c, url, { ignoreError: true });
      } catch {
        // A cookie the rules refuse (another domain, a public suffix): a browser drops it too.
      }
    }
  }
}

/** The value of the cookie `name` among a response's Set-Cookie headers (for `capture: { x: { cookie: name } }`). */
export function setCookieValue(setCookie: string | string[] | undefined, name: string): string | undefined {
  if (setCookie === undefined) return undefined;
  for (const c of Array.isArray(setCookie) ? setCookie : [setCookie]) {
    const parsed = Cookie.parse(c);
    if (parsed !== undefined && parsed.key === name) return parsed.value;
  }
  return undefined;
}
