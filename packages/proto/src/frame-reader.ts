// protobufjs's Buffer reader, subclassed so a decoder called from inside a
// frame can tell it is one (the fast histogram decode applies only there, where
// decodeEnvelope turns every failure into a coded error). Not public.
import $protobuf from 'protobufjs/minimal.js';

export class FrameReader extends $protobuf.BufferReader {
  constructor(bytes: Uint8Array) {
    super(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
}
