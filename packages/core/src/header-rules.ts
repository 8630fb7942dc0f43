// Which request headers a scenario may set, and which values a header can
// carry: the controller refuses a scenario that breaks these, and every agent
// checks its assignment (and each rendered value) against the same rules.

/** Headers undici refuses or sets itself (multipart sets content-length itself, after this check). */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'content-length',
]);

/** A header name as HTTP defines a token (lower case here), at most 200 characters. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,200}$/;

/** What undici (and HTTP) accept in a header value: tab, visible ASCII, space, and obs-text. */
const UNSENDABLE_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export const isSendableHeaderValue = (v: string): boolean => !UNSENDABLE_HEADER_VALUE.test(v);
