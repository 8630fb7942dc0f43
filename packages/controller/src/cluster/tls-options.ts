// The controller's TLS: --tls-cert/--tls-key checked where they enter (both or
// neither, readable, a matching pair, in date), the name local agents must dial
// for their certificate check to pass, and the trust of a controller that is a
// client itself (`start --controller https://… --ca FILE`).

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { readTrust, type TrustOptions } from '@barrage/core';
import { ControllerErrors } from '../errors.ts';

export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  /** The certificate file: local agents are given it as their --ca (they trust exactly it). */
  certFile: string;
  /** The first certificate in the file, the one the controller presents. */
  x509: X509Certificate;
}

function read(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ControllerErrors.TLS_INVALID(`cannot read ${flag} ${file}: ${(e as Error).message}`);
  }
}

/** undefined without the flags: a plain http:// and ws:// controller. */
export function loadServerTls(
  certFile: string | undefined,
  keyFile: string | undefined,
  now = new Date(),
): ServerTls | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined)
    throw new ControllerErrors.TLS_INVALID('--tls-cert and --tls-key go together: give both or neither');
  const cert = read('--tls-cert', certFile);
  const key = read('--tls-key', keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    // Fails on a key that is not the certificate's, or on files that are not PEM.
    createSecureContext({ cert, key });
  } catch (e) {
    throw new ControllerErrors.TLS_INVALID(
      `--tls-cert ${certFile} and --tls-key ${keyFile} are not a usable PEM certificate and its key: ${(e as Error).message}`,
    );
  }
  // Every agent would refuse it: say so now rather than through their logs.
  if (x509.validToDate < now || x509.validFromDate > now) {
    throw new ControllerErrors.TLS_INVALID(
      `--tls-cert ${certFile} is valid from ${x509.validFrom} to ${x509.validTo}, not now`,
    );
  }
  return { cert, key, certFile, x509 };
}

/** `start --controller https://… --ca FILE`: the certificates trusted instead of Node's default CAs. */
export function loadClientTrust(file: string): TrustOptions {
  try {
    return readTrust(file);
  } catch (e) {
    throw new ControllerErrors.TLS_INVALID(`--ca: ${(e as Error).message}`);
  }
}

const covers = (x509: X509Certificate, name: string) =>
  (isIP(name) ? x509.checkIP(name) : x509.checkHost(name)) !== undefined;

/**
 * The wss:// URL local agents dial. The listen address is what they dial without TLS, but the
 * certificate may not name it (127.0.0.1 for a certificate made for `localhost`, 0.0.0.0
 * for any): then a loopback address or name it covers, when the server listens there; then
 * the certificate's own names, which ought to lead to this host. Verification is never
 * relaxed to make a name fit.
 */
export function localAgentUrl(listenUrl: string, host: string, x509: X509Certificate): string {
  const url = new URL(listenUrl);
  const bound = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const wildcard = bound === '0.0.0.0' || bound === '::';
  const loopback =
    bound === '::1'
      ? ['::1', 'localhost']
      : bound === '::'
        ? ['127.0.0.1', '::1', 'localhost']
        : wildcard || bound.startsWith('127.')
          ? ['127.0.0.1', 'localhost']
          : [];
  const named = (x509.subjectAltName ?? '').split(', ').flatMap((entry) => {
    const m = /^(DNS|IP Address):([^*"]+)$/.exec(entry);
    return m ? [m[2]!] : [];
  });
  const cn = /^CN=(.+)$/m.exec(x509.subject)?.[1];
  const candidates = [host, bound]
    .filter((h) => h !== '0.0.0.0' && h !== '::')
    .concat(loopback, named, x509.subjectAltName === undefined && cn !== undefined ? [cn] : []);
  const dial = candidates.find((h) => covers(x509, h));
  if (dial === undefined) {
    throw new ControllerErrors.TLS_INVALID(
      `the --tls-cert certificate names no address local agents can dial (listening on ${bound}; it names ${x509.subjectAltName ?? x509.subject})`,
    );
  }
  url.hostname = isIP(dial) === 6 ? `[${dial}]` : dial;
  return url.toString().replace(/\/$/, '');
}
