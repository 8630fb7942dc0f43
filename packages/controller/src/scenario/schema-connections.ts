// The scenario schema's connection parts: `tls` (trust, client certificate,
// server name) for every request or one, and the overrides of where a host's
// connections go (`hosts`, like /etc/hosts or k6's hosts; `connectTo`, like
// curl's --connect-to). Files are relative to the scenario file.
import { text } from './schema-fields.ts';

const file = (what: string) =>
  text(`${what} (a PEM file, relative to the scenario file)`, { minLength: 1, maxLength: 4096 });
const HOST = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*';
const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
/** An IPv4 address or a bracketed IPv6 one (checked exactly in connections.ts). */
const ADDRESS = '([0-9.]{7,15}|\\[[0-9A-Fa-f:.]{2,45}\\])';

export const tlsSchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'TLS to the target: at the top level for every request, on a request over it (field by field); see docs/scenarios.md "TLS to targets"',
  properties: {
    ca: file('certificates to trust instead of the default CAs'),
    cert: file('client certificate (and chain) to present'),
    key: file('private key of cert'),
    passphrase: text('of an encrypted key; write ${env:NAME} to keep it out of the file', {
      minLength: 1,
      maxLength: 1024,
    }),
    serverName: text('the name sent as SNI and checked in the certificate (default: the URL host)', {
      pattern: `^${HOST}$`,
      maxLength: 253,
    }),
    insecureSkipVerify: {
      type: 'boolean',
      description: 'accept any certificate (no verification at all); the summary says so (default false)',
    },
  },
} as const;

export const hostsSchema = {
  type: 'object',
  description: 'host name to IP address: connections to the name go there (any port); Host and SNI stay the name',
  propertyNames: { pattern: `^${HOST}$`, maxLength: 253 },
  additionalProperties: text('an IPv4 address, or an IPv6 one in brackets', { pattern: `^${ADDRESS}$` }),
  maxProperties: 100,
} as const;

export const connectToSchema = {
  type: 'object',
  description:
    'host:port (or host) to address:port (or address): where connections for it go, like curl --connect-to; Host and SNI stay the URL host',
  propertyNames: { pattern: `^${HOST}(:${PORT})?$`, maxLength: 259 },
  additionalProperties: text('IP address with an optional port: 10.0.0.5:8443, [fd00::5]:8443', {
    pattern: `^${ADDRESS}(:${PORT})?$`,
  }),
  maxProperties: 100,
} as const;
