import { describe, expect, it } from 'vitest';
import { RedisError } from '../../src/errors.js';
import { formatArgv, redisFormatCommandArgv } from '../../src/format/argv.js';
import { Reader } from '../../src/resp/reader.js';
import { startRedis } from '../helpers/redis-server.js';
import { Socket, connect } from 'node:net';

describe('formatArgv', () => {
  it('encodes strings, buffers, typed arrays and numbers as RESP multibulk', () => {
    const out = formatArgv(['SET', Buffer.from('k\r\n'), new Uint8Array([0, 255]), 42, -1.5, 9007199254740993n, 'é']);
    expect(out.toString('latin1')).toBe(
      '*7\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$2\r\n\x00\xff\r\n$2\r\n42\r\n$4\r\n-1.5\r\n$16\r\n9007199254740993\r\n$2\r\n\xc3\xa9\r\n');
  });

  it('encodes empty arguments and long arguments', () => {
    const long = 'x'.repeat(100_000);
    const out = formatArgv(['', long]);
    expect(out.toString('latin1')).toBe(`*2\r\n$0\r\n\r\n$100000\r\n${long}\r\n`);
  });

  it('caps arguments with argvlen (hiredis argvlen)', () => {
    expect(redisFormatCommandArgv(2, ['GET', 'keyXXX'], [3, 3]).toString()).toBe('*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n');
    expect(() => redisFormatCommandArgv(2, ['GET', 'key'], [3, 4])).toThrow(RedisError);
    expect(() => redisFormatCommandArgv(3, ['GET', 'key'])).toThrow(/argc/);
  });

  it('rejects empty commands and unsupported types', () => {
    expect(() => formatArgv([])).toThrow(RedisError);
    expect(() => formatArgv(['GET', null as unknown as string])).toThrow(/unsupported type null/);
    expect(() => formatArgv(['GET', {} as unknown as string])).toThrow(RedisError);
    expect(() => formatArgv(['INCRBY', 'k', NaN])).toThrow(/finite/);
  });

  it('a real redis-server accepts what it encodes, binary safe', async () => {
    const srv = await startRedis({ module: false });
    try {
      const value = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) value[i] = i;
      const sock: Socket = connect(srv.port, '127.0.0.1');
      const reader = new Reader();
      const replies: unknown[] = [];
      const done = new Promise<void>((res) => {
        sock.on('data', (d) => {
          reader.feed(d);
          for (let r = reader.getReply(); r !== undefined; r = reader.getReply()) replies.push(r);
          if (replies.length === 3) res();
        });
      });
      sock.write(Buffer.concat([formatArgv(['SET', 'bin\r\nkey', value]), formatArgv(['GET', 'bin\r\nkey']), formatArgv(['STRLEN', Buffer.from('bin\r\nkey')])]));
      await done;
      sock.destroy();
      const [set, get, len] = replies as { str: string; buf: Buffer; integer: number }[];
      expect(set!.str).toBe('OK');
      expect(get!.buf!.equals(value)).toBe(true);
      expect(len!.integer).toBe(256);
    } finally {
      await srv.stop();
    }
  });
});
