// The target's own exact count of what it answered, per route and status,
// served at GET /__stats so tests can reconcile barrage's totals against it;
// also, per known user, what that user did (only accounts the target has, so
// the map stays bounded whatever clients send); and per client address, the
// statuses it got, for per-IP limits (the first MAX_IPS addresses, the rest together).
export interface UploadRecord {
  field: string;
  filename: string | null;
  contentType: string | null;
  bytes: number;
}

/** What one user did. */
export interface UserCounts {
  /** Successful logins (token or cookie). */
  logins: number;
  /** Requests that passed authentication as this user (logins not included). */
  requests: number;
  /** Items this user created, and attempts that hit a key that already existed (409). */
  created: number;
  duplicates: number;
}

export interface StatsJson {
  total: number;
  routes: Record<string, Record<string, number>>;
  /** Per route: when its first and last response went out (ms since the epoch). */
  times: Record<string, { first: number; last: number }>;
  /** Files received by the upload endpoint, oldest first (the last MAX_UPLOADS). */
  uploads: UploadRecord[];
  uploadBytes: number;
  /** Per username, only users that did something, sorted by name. */
  users: Record<string, UserCounts>;
  /** Per client address (as the per-IP limiter keys it), statuses answered; past MAX_IPS addresses: "other". */
  byIp: Record<string, Record<string, number>>;
}

const MAX_IPS = 4096;

const MAX_UPLOADS = 1000;

export class ServerStats {
  private readonly routes = new Map<string, Map<number, number>>();
  total = 0;
  private readonly uploads: UploadRecord[] = [];
  private uploadBytes = 0;

  upload(u: UploadRecord): void {
    this.uploads.push({ field: u.field, filename: u.filename, contentType: u.contentType, bytes: u.bytes });
    if (this.uploads.length > MAX_UPLOADS) this.uploads.shift();
    this.uploadBytes += u.bytes;
  }

  private readonly times = new Map<string, { first: number; last: number }>();
  private readonly users = new Map<string, UserCounts>();

  /** Counts one event for a user; the caller passes only usernames it knows. */
  user(username: string, what: keyof UserCounts): void {
    let u = this.users.get(username);
    if (u === undefined) this.users.set(username, (u = { logins: 0, requests: 0, created: 0, duplicates: 0 }));
    u[what]++;
  }

  private readonly ips = new Map<string, Map<number, number>>();

  count(route: string, status: number, at = Date.now(), ip?: string): void {
    if (ip !== undefined) {
      const key = this.ips.has(ip) || this.ips.size < MAX_IPS ? ip : 'other';
      let byStatus = this.ips.get(key);
      if (byStatus === undefined) this.ips.set(key, (byStatus = new Map()));
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    }
    const t = this.times.get(route);
    if (t === undefined) this.times.set(route, { first: at, last: at });
    else t.last = at;
    let m = this.routes.get(route);
    if (m === undefined) this.routes.set(route, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
    this.total++;
  }

  toJSON(): StatsJson {
    const routes: Record<string, Record<string, number>> = {};
    for (const [route, m] of this.routes) routes[route] = Object.fromEntries([...m].map(([s, n]) => [String(s), n]));
    return {
      total: this.total,
      routes,
      times: Object.fromEntries([...this.times].map(([k, v]) => [k, { ...v }])),
      uploads: [...this.uploads],
      uploadBytes: this.uploadBytes,
      users: Object.fromEntries(
        [...this.users.keys()].sort().map((name) => [name, { ...this.users.get(name)! }] as const),
      ),
      byIp: Object.fromEntries(
        [...this.ips].map(([ip, m]) => [ip, Object.fromEntries([...m].map(([s, n]) => [String(s), n]))]),
      ),
    };
  }
}
