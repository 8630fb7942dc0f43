// Counts the parts of a multipart/form-data body as it streams past, without
// keeping any of it: each part's field name, filename, content type and exact
// byte size. Enough for the target to say what an upload really delivered.
export interface PartInfo {
  field: string;
  filename: string | null;
  contentType: string | null;
  bytes: number;
}

const MAX_PART_HEADERS = 8 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

export class MultipartCounter {
  readonly parts: PartInfo[] = [];
  private readonly delimiter: Buffer;
  private buf: Buffer;
  private state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  private part: PartInfo | null = null;

  constructor(boundary: string) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    // The first delimiter has no CRLF before it; pretend it had.
    this.buf = Buffer.from('\r\n');
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Throws on a malformed body. */
  write(chunk: Buffer): void {
    if (this.state === 'done') return; // the epilogue is ignored
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.state === 'preamble' || this.state === 'body') {
        const at = this.buf.indexOf(this.delimiter);
        if (at < 0) {
          // Keep a tail that could be the start of a delimiter split across chunks.
          const keep = Math.min(this.buf.length, this.delimiter.length - 1);
          if (this.part) this.part.bytes += this.buf.length - keep;
          this.buf = this.buf.subarray(this.buf.length - keep);
          return;
        }
        if (this.part) {
          this.part.bytes += at;
          this.parts.push(this.part);
          this.part = null;
        }
        this.buf = this.buf.subarray(at + this.delimiter.length);
        this.state = 'after-delimiter';
      }
      if (this.state === 'after-delimiter') {
        if (this.buf.length < 2) return;
        const two = this.buf.toString('latin1', 0, 2);
        if (two === '--') {
          this.state = 'done';
          this.buf = Buffer.alloc(0);
          return;
        }
        if (two !== '\r\n') throw new Error('malformed multipart delimiter');
        this.buf = this.buf.subarray(2);
        this.state = 'headers';
      }
      if (this.state === 'headers') {
        const end = this.buf.indexOf(CRLF2);
        if (end < 0) {
          if (this.buf.length > MAX_PART_HEADERS) throw new Error('multipart part headers too large');
          return;
        }
        this.part = parseHeaders(this.buf.toString('utf8', 0, end));
        this.buf = this.buf.subarray(end + 4);
        this.state = 'body';
      }
    }
  }
}

function parseHeaders(text: string): PartInfo {
  let field = '';
  let filename: string | null = null;
  let contentType: string | null = null;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') {
      field = /\bname="([^"]*)"/.exec(value)?.[1] ?? '';
      filename = /\bfilename="([^"]*)"/.exec(value)?.[1] ?? null;
    } else if (name === 'content-type') contentType = value;
  }
  return { field, filename, contentType, bytes: 0 };
}
