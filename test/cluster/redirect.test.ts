// Parsing the redirection and retry errors the server sends.
import { describe, expect, it } from 'vitest';
import { parseRedirect } from '../../src/cluster/redirect.js';
import { RedisError, ReplyError } from '../../src/index.js';

describe('parseRedirect', () => {
  it('MOVED and ASK with slot and target; IPv6 and empty hosts', () => {
    expect(parseRedirect(new ReplyError('MOVED 12182 127.0.0.1:3002'))).toEqual({ kind: 'MOVED', slot: 12182, to: { host: '127.0.0.1', port: 3002 } });
    expect(parseRedirect(new ReplyError('ASK 1 ::1:7000'))).toEqual({ kind: 'ASK', slot: 1, to: { host: '::1', port: 7000 } });
    expect(parseRedirect(new ReplyError('MOVED 5 :7000'))).toEqual({ kind: 'MOVED', slot: 5, to: { host: '', port: 7000 } });
  });
  it('TRYAGAIN and CLUSTERDOWN', () => {
    expect(parseRedirect(new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'))).toEqual({ kind: 'TRYAGAIN' });
    expect(parseRedirect(new ReplyError('CLUSTERDOWN The cluster is down'))).toEqual({ kind: 'CLUSTERDOWN' });
  });
  it('anything else, or a malformed redirect, is not one', () => {
    expect(parseRedirect(new ReplyError('ERR nope'))).toBeUndefined();
    expect(parseRedirect(new ReplyError('MOVED 99999 h:1'))).toBeUndefined();
    expect(parseRedirect(new ReplyError('MOVED 1 h:0'))).toBeUndefined();
    expect(parseRedirect(new ReplyError('MOVED x h:1'))).toBeUndefined();
    expect(parseRedirect(new ReplyError('ASK 1'))).toBeUndefined();
    expect(parseRedirect(new RedisError('ERR_IO', 'MOVED 1 h:1'))).toBeUndefined();
    expect(parseRedirect('MOVED 1 h:1')).toBeUndefined();
  });
});
