// A Recorder that also keeps every response it records, in milliseconds, so a
// test can read each latency and service time instead of a histogram.
import { Recorder } from '../../src/measure/recorder.ts';

export interface Sample {
  name: string;
  latencyMs: number;
  serviceMs: number;
  status: number;
  at: number;
}

export class SampleRecorder extends Recorder {
  readonly samples: Sample[] = [];

  override recordResponse(
    name: number,
    latencyUs: number,
    serviceTimeUs: number,
    status: number,
    ok: boolean,
    retryAfter: boolean,
    bytesReceived: number,
    bytesSent: number,
    at: number,
  ): void {
    this.samples.push({
      name: this.names[name]!,
      latencyMs: latencyUs / 1000,
      serviceMs: serviceTimeUs / 1000,
      status,
      at,
    });
    super.recordResponse(name, latencyUs, serviceTimeUs, status, ok, retryAfter, bytesReceived, bytesSent, at);
  }
}
