// How a scenario's requests connect: `tls` (top level, and per request field by
// field over it) with its PEM files read here, relative to the scenario file,
// and shipped to the agents in the plan; `hosts` and `connectTo` turned into
// override rules. A scenario sent to the API has no folder: it may not name
// files (refused with a clear problem). Keys and passphrases are held as
// SecretText, and the stored source keeps file names, never their contents.
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { readTrust } from '@barrage/core';
import type { DataOrigin } from './data-sources.ts';
import type { ScenarioInput, TlsInput } from './input.ts';
import type { ConnectionsDef, ConnectRuleDef, TlsDef } from './scenario.ts';
import { SecretText } from './secret-text.ts';

const MAX_PEM_BYTES = 256 * 1024;
const ENV_REF = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

function readPem(file: string, where: string, origin: DataOrigin, problems: string[]): string | undefined {
  if (origin.dir === undefined) {
    problems.push(
      `${where}: a scenario sent to the API cannot name files; start it from a scenario file (controller start --scenario FILE)`,
    );
    return undefined;
  }
  const path = isAbsolute(file) ? file : resolve(origin.dir, file);
  try {
    if (statSync(path).size > MAX_PEM_BYTES) {
      problems.push(`${where}: ${file} is larger than ${MAX_PEM_BYTES} bytes`);
      return undefined;
    }
    return readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${where}: cannot read ${file} (${(err as { code?: string }).code ?? 'error'})`);
    return undefined;
  }
}

function readTls(t: TlsInput, where: string, origin: DataOrigin, problems: string[]): TlsDef {
  const out: TlsDef = { insecureSkipVerify: t.insecureSkipVerify === true };
  if (t.serverName !== undefined) out.serverName = t.serverName.toLowerCase();
  if (t.ca !== undefined) {
    const ca = readPem(t.ca, `${where}/ca`, origin, problems);
    if (ca !== undefined) {
      const path = isAbsolute(t.ca) ? t.ca : resolve(origin.dir!, t.ca);
      try {
        readTrust(path);
        out.ca = ca;
      } catch (err) {
        problems.push(`${where}/ca: ${(err as Error).message}`);
      }
    }
  }
  if ((t.cert === undefined) !== (t.key === undefined))
    problems.push(`${where}: a client certificate needs both cert and key`);
  if (t.passphrase !== undefined && t.key === undefined) problems.push(`${where}/passphrase: without a key`);
  let passphrase: string | undefined;
  if (t.passphrase !== undefined) {
    const env = ENV_REF.exec(t.passphrase)?.[1];
    passphrase = env === undefined ? t.passphrase : process.env[env];
    if (passphrase === undefined || passphrase === '')
      problems.push(`${where}/passphrase: the environment variable ${env} is not set`);
  }
  if (t.cert !== undefined && t.key !== undefined) {
    const cert = readPem(t.cert, `${where}/cert`, origin, problems);
    const key = readPem(t.key, `${where}/key`, origin, problems);
    if (cert !== undefined && !cert.includes('-----BEGIN CERTIFICATE-----'))
      problems.push(`${where}/cert: ${t.cert} holds no PEM certificate`);
    else if (key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
      problems.push(`${where}/key: ${t.key} holds no PEM private key`);
    else if (cert !== undefined && key !== undefined) {
      try {
        createSecureContext({ cert, key, passphrase });
        out.cert = cert;
        out.key = new SecretText(key);
        if (passphrase !== undefined) out.passphrase = new SecretText(passphrase);
      } catch (err) {
        // OpenSSL's code only: its message never holds key material, but nothing of the key is quoted.
        const code = (err as { code?: string }).code ?? '';
        const hint = /BAD_DECRYPT|BAD_PASSWORD|PROCESSING_ERROR/.test(code)
          ? 'the key does not decrypt with the passphrase given (or needs one)'
          : /KEY_VALUES_MISMATCH/.test(code)
            ? 'the key does not belong to the certificate'
            : 'the certificate and key do not load';
        problems.push(`${where}: ${hint} (${code || 'invalid PEM'})`);
      }
    }
  }
  return out;
}

/** "10.0.0.5", "10.0.0.5:8443", "[fd00::5]:8443" -> address and port (0: none). */
function parseAddress(v: string): { address: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(v);
  const address = m?.[1] ?? m?.[2] ?? '';
  if (isIP(address) === 0 || (m?.[1] !== undefined && isIP(address) !== 6)) return undefined;
  return { address, port: m?.[3] === undefined ? 0 : Number(m[3]) };
}

function rulesOf(map: Record<string, string> | undefined, where: string, problems: string[], hosts = false) {
  return Object.entries(map ?? {}).flatMap(([k, v]): ConnectRuleDef[] => {
    const [host, port] = k.toLowerCase().split(':') as [string, string | undefined];
    const to = parseAddress(v);
    if (to === undefined || (hosts && to.port !== 0)) {
      problems.push(`${where}/${k}: ${JSON.stringify(v)} is not ${hosts ? 'an IP address' : 'an IP address[:port]'}`);
      return [];
    }
    return [{ host, port: port === undefined ? 0 : Number(port), address: to.address, toPort: to.port }];
  });
}

/** Reads and checks the scenario's tls, hosts and connectTo, adding each problem (with its path). */
export function readConnections(input: ScenarioInput, origin: DataOrigin, problems: string[]): ConnectionsDef {
  const out: ConnectionsDef = { tls: [], requestTls: {}, rules: [], requestRules: {}, insecure: [] };
  // A stored run's document, re-read for its report: no files, nothing sent.
  if (origin.record === true) return out;
  out.rules = [...rulesOf(input.connectTo, '/connectTo', problems), ...rulesOf(input.hosts, '/hosts', problems, true)];
  const top = input.tls === undefined ? undefined : readTls(input.tls, '/tls', origin, problems);
  if (input.tls?.insecureSkipVerify === true) out.insecure.push('tls');
  const shared = top === undefined ? 0 : out.tls.push(top);
  input.requests.forEach((r, i) => {
    if (r.connectTo !== undefined)
      out.requestRules[r.name] = [...rulesOf(r.connectTo, `/requests/${i}/connectTo`, problems), ...out.rules];
    if (r.tls === undefined) {
      if (shared > 0) out.requestTls[r.name] = shared;
      return;
    }
    // Field by field over the document's: a CA at the top, a client certificate on one request.
    const merged: TlsInput = { ...input.tls, ...r.tls };
    if (r.tls.cert !== undefined || r.tls.key !== undefined) {
      merged.cert = r.tls.cert;
      merged.key = r.tls.key;
      merged.passphrase = r.tls.passphrase;
    }
    if (merged.insecureSkipVerify === true && r.tls.insecureSkipVerify !== undefined)
      out.insecure.push(`requests/${r.name}/tls`);
    out.requestTls[r.name] = out.tls.push(readTls(merged, `/requests/${i}/tls`, origin, problems));
  });
  return out;
}

/** The summary's notes for what the connections give up (certificate checks). */
export function connectionNotes(c: ConnectionsDef | undefined): string[] {
  return c === undefined || c.insecure.length === 0
    ? []
    : [
        `TLS certificates were NOT verified (insecureSkipVerify at ${c.insecure.join(', ')}): any server could have answered`,
      ];
}

/** The document for the record: a passphrase written as text is masked (file names are kept, never contents). */
export function withoutTlsSecrets(source: ScenarioInput): ScenarioInput {
  const mask = (t: TlsInput | undefined) => {
    if (t?.passphrase !== undefined && !ENV_REF.test(t.passphrase)) t.passphrase = '[secret]';
  };
  mask(source.tls);
  for (const r of source.requests) mask(r.tls);
  return source;
}
