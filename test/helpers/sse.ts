// Reads a Server-Sent Events stream the way the dashboard does: fetch() with
// streaming (an EventSource cannot send the Authorization header).
export interface SseEvent {
  event: string;
  id: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next event; undefined once the stream has ended. Comment lines are kept in `comments`. */
  next(): Promise<SseEvent | undefined>;
  /** Reads until a comment line (`: ping`) has come; false if the stream ended first. */
  comment(): Promise<boolean>;
  readonly comments: string[];
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const comments: string[] = [];
  const queued: SseEvent[] = [];
  let done = false;
  const parse = () => {
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const e: SseEvent = { event: 'message', id: '', data: undefined };
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          comments.push(line);
          continue;
        }
        const i = line.indexOf(':');
        const field = line.slice(0, i);
        const value = line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') e.event = value;
        else if (field === 'id') e.id = value;
        else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
      }
      if (data !== undefined) {
        e.data = JSON.parse(data);
        queued.push(e);
      }
    }
  };
  const pull = async () => {
    const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (r.done) {
      done = true;
      return;
    }
    buf += r.value;
    parse();
  };
  return {
    status: res.status,
    headers: res.headers,
    comments,
    async next() {
      while (queued.length === 0 && !done) await pull();
      return queued.shift();
    },
    async comment() {
      while (comments.length === 0 && !done) await pull();
      return comments.length > 0;
    },
    close() {
      ac.abort();
    },
  };
}

/** Every event until the stream ends. */
export async function drain(s: SseStream): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for (let e = await s.next(); e !== undefined; e = await s.next()) out.push(e);
  return out;
}
