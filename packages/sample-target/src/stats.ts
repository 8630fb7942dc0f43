// The target's own exact count of what it answered, per route and status,
// served at GET /__stats so tests can reconcile barrage's totals against it.
export interface StatsJson {
  total: number;
  routes: Record<string, Record<string, number>>;
}

export class ServerStats {
  private readonly routes = new Map<string, Map<number, number>>();
  total = 0;

  count(route: string, status: number): void {
    let m = this.routes.get(route);
    if (m === undefined) this.routes.set(route, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
    this.total++;
  }

  toJSON(): StatsJson {
    const routes: Record<string, Record<string, number>> = {};
    for (const [route, m] of this.routes) routes[route] = Object.fromEntries([...m].map(([s, n]) => [String(s), n]));
    return { total: this.total, routes };
  }
}
