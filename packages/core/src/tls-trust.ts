// Whom a barrage TLS client (an agent dialling wss://, `controller start
// --controller https://`) trusts, and how to tell a certificate that failed
// verification from a network that failed. Verification is never turned off.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** The TLS options of a client given `--ca FILE`; without one, Node's default CAs (its public
 * list, plus NODE_EXTRA_CA_CERTS, or the operating system's store with --use-system-ca). */
export interface TrustOptions {
  ca: Buffer;
  /**
   * Every certificate in the file is a trust anchor, not only self-signed roots (curl's
   * --cacert does the same): a file holding an intermediate, or the controller's own
   * certificate, pins exactly that. The chain's signatures, dates and the host name are
   * still checked.
   */
  allowPartialTrustChain: true;
}

/** Reads a PEM file of one or more certificates; throws a plain Error saying what is wrong. */
export function readTrust(file: string): TrustOptions {
  let ca: Buffer;
  try {
    ca = readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${file} holds no PEM certificate`);
  try {
    createSecureContext({ ca });
  } catch (e) {
    throw new Error(`${file} is not a usable PEM certificate file: ${(e as Error).message}`);
  }
  return { ca, allowPartialTrustChain: true };
}

/**
 * OpenSSL's verification results as Node names them, and Node's own host-name check: the peer
 * answered with a certificate we do not accept. A reset or a refusal is not among them.
 */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The verification code of `err` (or of its cause, as fetch wraps it), if it is a certificate rejection. */
export function certificateErrorCode(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e != null && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && CERTIFICATE_ERRORS.has(e.code)) return e.code;
  }
  return undefined;
}
