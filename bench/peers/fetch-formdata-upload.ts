// Peer for bench/upload-memory.ts: how a script-based load tool uploads a
// file — Node's fetch with a FormData holding the file as a Blob, one per
// concurrent request (as each VU holds its own copy). Waits for "go" on stdin
// so the bench can read its idle memory first.
// usage: node fetch-formdata-upload.ts URL COUNT SIZE_BYTES
import { once } from 'node:events';

const [url, count, size] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const login = await fetch(`${url}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"username":"demo","password":"demo"}',
});
const { access_token: token } = (await login.json()) as { access_token: string };
const statuses = await Promise.all(
  Array.from({ length: count }, async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(size).fill(7)], { type: 'audio/mpeg' }), 'session.mp3');
    const res = await fetch(`${url}/api/sessions/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    await res.arrayBuffer();
    return res.status;
  }),
);
process.stdout.write(`done ${statuses.join(',')}\n`);
