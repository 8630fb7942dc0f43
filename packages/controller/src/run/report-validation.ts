// Checks a Report from an agent before any of it is merged: known names,
// bounded sizes, internally consistent counters, well-formed histograms.
// A report either passes whole or is rejected whole.
import { type barrage, MAX_TLS_REASONS, scanHistogram, wireErrorTotal } from '@barrage/proto';
import { ControllerErrors } from '../errors.ts';

const MAX_STATS = 1000;
const MAX_STATUSES = 100;
const MAX_INTERVAL = 10_000_000;

/**
 * Throws CTRL_REPORT_INVALID (or PROTO_HISTOGRAM_INVALID) unless the report is whole and
 * consistent. `maxInterval` bounds the interval index by the run's elapsed time, so one
 * report cannot claim a far-future interval.
 */
/** More drops per name in one report than any scenario has arrivals (the planner's cap). */
const MAX_DROPPED = 1_000_000_000;
/** Redirects one request follows at most (the agent's cap), and the longest URL a redirect note keeps. */
const MAX_REDIRECTS = 10;
const MAX_REDIRECT_URL = 2048;

/**
 * `instantOk` judges instants the report carries (when the first 429 came): an agent's clock is
 * synced, so one far outside the run is a broken or hostile agent, not a fact.
 */
export function validateReport(
  r: barrage.v1.Report,
  runId: string,
  names: ReadonlyMap<string, ReadonlySet<string>>,
  maxInterval = MAX_INTERVAL,
  instantOk: (t: number) => boolean = () => true,
  sources: ReadonlySet<string> = new Set(),
): void {
  const bad = (why: string) => new ControllerErrors.REPORT_INVALID(why);
  if (r.runId !== runId) throw bad(`run ${r.runId} is not the current run`);
  if (!(r.seq >= 1)) throw bad('seq must start at 1');
  if (r.interval > Math.min(maxInterval, MAX_INTERVAL))
    throw bad(`interval ${r.interval} is beyond the run's elapsed time`);
  if (r.stats.length > MAX_STATS) throw bad(`${r.stats.length} request names`);
  const seen = new Set<string>();
  for (const s of r.stats) {
    const name = s.name ?? '';
    if (!names.has(name)) throw bad(`unknown request name ${JSON.stringify(name.slice(0, 100))}`);
    if (seen.has(name)) throw bad(`request name ${name} twice in one report`);
    seen.add(name);
    const latencies = scanHistogram(s.latency).total;
    if (s.serviceTime) {
      const st = scanHistogram(s.serviceTime).total;
      if (st !== latencies) throw bad(`${name}: service-time count ${st} != latency count ${latencies}`);
    }
    // A retried attempt's answer has a status but no latency sample (its request has one, at its final attempt).
    const retried = s.retriedAnswers ?? 0;
    if (retried > (s.retries ?? 0) || (s.retriedRateLimited ?? 0) > retried)
      throw bad(`${name}: retried answers do not fit the retries`);
    if (s.attemptServiceTime && scanHistogram(s.attemptServiceTime).total > retried)
      throw bad(`${name}: more attempt service times than retried answers`);
    const responses = latencies + retried;
    const status = s.status ?? [];
    if (status.length > MAX_STATUSES) throw bad(`${name}: ${status.length} status codes`);
    let byStatus = 0;
    let rateLimited = 0;
    for (const sc of status) {
      const code = sc.status ?? 0;
      // Any three-digit status a server may send (999 exists in the wild), counted as it came.
      if (code < 100 || code > 999) throw bad(`${name}: status ${code}`);
      byStatus += sc.count ?? 0;
      if (code === 429) rateLimited += sc.count ?? 0;
    }
    if (byStatus !== responses) throw bad(`${name}: ${byStatus} statuses for ${responses} latencies`);
    const e = s.errors ?? {};
    // TLS failures come by reason: a few short codes, each at most once.
    const tls = e.tls ?? [];
    if (tls.length > MAX_TLS_REASONS + 1) throw bad(`${name}: ${tls.length} TLS failure reasons`);
    const reasons = new Set<string>();
    for (const r of tls) {
      if (!/^[A-Z0-9_]{1,64}$/.test(r.name ?? '') || reasons.has(r.name!)) throw bad(`${name}: bad TLS failure reason`);
      reasons.add(r.name!);
    }
    const errors = wireErrorTotal(e);
    // A session retry is an answer (a refresh.on status) that is neither ok nor failed.
    if ((s.sessionRetries ?? 0) > responses) throw bad(`${name}: more session retries than responses`);
    // A retried attempt (answered or not) is neither ok nor failed either.
    const classes = (s.ok ?? 0) + (s.rateLimited ?? 0) + (s.failed ?? 0) + (s.sessionRetries ?? 0) + (s.retries ?? 0);
    if (classes !== responses + errors) throw bad(`${name}: outcome classes do not add up`);
    if ((s.rateLimited ?? 0) + (s.retriedRateLimited ?? 0) !== rateLimited)
      throw bad(`${name}: rateLimited != count of 429`);
    if ((s.retryAfterBuckets ?? []).length > 12) throw bad(`${name}: too many Retry-After buckets`);
    let asked = 0;
    for (const n of s.retryAfterBuckets ?? []) asked += n;
    // Early retries are counted when the retry goes out, possibly an interval after its attempt.
    if (asked > (s.retries ?? 0) || (s.giveUps ?? 0) > classes || (s.retriesBeforeRetryAfter ?? 0) > MAX_DROPPED)
      throw bad(`${name}: retry figures do not fit the attempts`);
    if ((s.retryAfterPresent ?? 0) > rateLimited) throw bad(`${name}: more Retry-After than 429s`);
    if ((s.dropped ?? 0) > MAX_DROPPED) throw bad(`${name}: ${s.dropped} dropped in one interval`);
    if ((s.firstRateLimitedAt ?? 0) > 0 && !instantOk(s.firstRateLimitedAt!))
      throw bad(`${name}: first 429 at an instant outside the run`);
    // Finite is not enough: two reports of 1e308 bytes add up to Infinity (null in the summary JSON).
    for (const v of [s.bytesReceived ?? 0, s.bytesSent ?? 0, s.firstRateLimitedAt ?? 0]) {
      if (!Number.isFinite(v) || v < 0 || v > Number.MAX_SAFE_INTEGER)
        throw bad(`${name}: negative, non-finite or absurd figure`);
    }
    if ((s.redirects ?? 0) > MAX_REDIRECTS * (responses + errors))
      throw bad(`${name}: more redirects than ${MAX_REDIRECTS} per request`);
    const fr = s.firstRedirect;
    if (fr != null) {
      if ((s.redirects ?? 0) === 0) throw bad(`${name}: a first redirect without redirects`);
      const st = fr.status ?? 0;
      if (st < 300 || st > 399) throw bad(`${name}: redirect status ${st}`);
      if ((fr.method ?? '').length > 16 || (fr.url ?? '').length > MAX_REDIRECT_URL)
        throw bad(`${name}: redirect method or URL too long`);
      if ((fr.location ?? '').length > MAX_REDIRECT_URL) throw bad(`${name}: redirect location too long`);
    }
    // Each check (or capture) is judged at most once per answered request.
    const checks = s.checks ?? [];
    const known = names.get(name)!;
    if (checks.length > known.size) throw bad(`${name}: ${checks.length} checks`);
    const seenChecks = new Set<string>();
    for (const c of checks) {
      const check = c.name ?? '';
      if (!known.has(check)) throw bad(`${name}: unknown check ${JSON.stringify(check.slice(0, 100))}`);
      if (seenChecks.has(check)) throw bad(`${name}: check ${check} twice`);
      seenChecks.add(check);
      if ((c.passes ?? 0) + (c.fails ?? 0) > responses)
        throw bad(`${name}: check ${check} judged more often than there were responses`);
    }
  }
  // Rows taken per data source: known sources, each once, whole counts no agent could exceed.
  const rowSources = new Set<string>();
  for (const d of r.dataRows ?? []) {
    const source = d.name ?? '';
    if (!sources.has(source)) throw bad(`rows of unknown data source ${JSON.stringify(source.slice(0, 100))}`);
    if (rowSources.has(source)) throw bad(`data source ${source} twice in one report`);
    rowSources.add(source);
    if (!Number.isSafeInteger(d.count ?? 0) || (d.count ?? 0) > MAX_DROPPED)
      throw bad(`data source ${source}: ${d.count} rows in one interval`);
  }
}
