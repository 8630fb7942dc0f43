// The fixed Envelope behind the golden round-trip test. Changing it, or the
// schema in a wire-incompatible way, changes golden.hex: review that diff.
import type { EnvelopeShape } from '../src/framing.ts';
import { barrage } from '../src/generated/barrage.js';

export const goldenEnvelopes: Record<string, EnvelopeShape> = {
  hello: {
    hello: {
      protocolVersion: 1,
      agentId: 'a-1',
      name: 'edge-1',
      cpus: 2,
      weight: 1.5,
      version: '0.1.0',
      hostname: 'h1',
      runId: '',
      lastAckedSeq: 0,
    },
  },
  assign: {
    assign: {
      runId: 'r-1',
      segmentStart: 0.25,
      segmentEnd: 0.5,
      intervalMs: 1000,
      allowH2: false,
      vars: [{ name: 'token', value: 'x', secret: true }],
      scenarios: [
        {
          name: 'burst',
          executor: barrage.v1.Executor.EXECUTOR_SHARED_ITERATIONS,
          vus: 3,
          iterations: 37,
          durationMs: 0,
          maxDurationMs: 60000,
          startOffsetMs: 0,
          gracefulStopMs: 30000,
          requests: [
            {
              name: 'sessions',
              method: 'GET',
              url: 'http://127.0.0.1:8080/api/sessions/',
              headers: [{ name: 'authorization', value: 'Bearer ${token}' }],
              body: new Uint8Array(0),
              weight: 1,
              timeoutMs: 60000,
              expectStatus: [200],
            },
          ],
        },
      ],
    },
  },
  assignOpen: {
    assign: {
      runId: 'r-2',
      segmentStart: 0,
      segmentEnd: 0.5,
      intervalMs: 1000,
      allowH2: false,
      vars: [],
      scenarios: [
        {
          name: 'upload',
          executor: barrage.v1.Executor.EXECUTOR_RAMPING_ARRIVAL_RATE,
          vus: 0,
          iterations: 75,
          durationMs: 10000,
          maxDurationMs: 10000,
          startOffsetMs: 5000,
          gracefulStopMs: 30000,
          startTarget: 5,
          totalArrivals: 150,
          maxInFlight: 20,
          connections: 4,
          stages: [
            { durationMs: 5000, target: 20 },
            { durationMs: 5000, target: 0 },
          ],
          mix: [{ name: 'flow', weight: 2, steps: [0, 1] }],
          requests: [
            {
              name: 'login',
              method: 'POST',
              url: 'http://127.0.0.1:8080/api/auth/login',
              headers: [],
              body: new TextEncoder().encode('{}'),
              weight: 1,
              timeoutMs: 5000,
              expectStatus: [],
              captures: [{ var: 'token', jsonPath: '$.access_token', header: '' }],
              checks: [
                { name: 'has token', header: '', jsonPath: '$.token_type', equalsJson: '"bearer"', onStatus: [200] },
              ],
            },
            {
              name: 'upload',
              method: 'POST',
              url: 'http://127.0.0.1:8080/api/sessions/upload',
              headers: [{ name: 'authorization', value: 'Bearer ${token}' }],
              body: new Uint8Array(0),
              weight: 1,
              timeoutMs: 60000,
              expectStatus: [201],
              multipart: {
                field: 'file',
                filename: 'a.mp3',
                contentType: 'audio/mpeg',
                size: 52428800,
                fields: [{ name: 'title', value: 't' }],
              },
            },
          ],
        },
      ],
    },
  },
  report: {
    report: {
      runId: 'r-1',
      seq: 7,
      interval: 6,
      startedAt: 1700000000123.25,
      final: false,
      inFlight: 3,
      activeVus: 3,
      stats: [
        {
          name: 'sessions',
          latency: { config: 1, counts: [-1000, 2, 5, -3, 1], min: 1000, max: 1009 },
          status: [
            { status: 200, count: 5 },
            { status: 429, count: 3 },
          ],
          errors: { timeout: 1, refused: 0, reset: 0, other: 0 },
          ok: 5,
          rateLimited: 3,
          failed: 1,
          retryAfterPresent: 3,
          dropped: 0,
          bytesReceived: 1234,
          bytesSent: 0,
          firstRateLimitedAt: 1700000000456.5,
          checks: [{ name: 'header retry-after', passes: 3, fails: 0 }],
        },
      ],
    },
  },
  stop: {
    stop: {
      runId: 'r-1',
      reason: 'done',
      firstRateLimitedAt: [{ name: '', at: 1700000000456.5 }],
      id: 2,
      closing: true,
    },
  },
  error: { error: { code: 'PROTO_VERSION_MISMATCH', message: 'protocol version 9 is not supported', fatal: true } },
};
