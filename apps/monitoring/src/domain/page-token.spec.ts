import { decodePageToken, encodePageToken, pageSize } from './page-token';

describe('page tokens', () => {
  it('round-trip a position', () => {
    const position = { at: '2026-11-23T10:00:00.000Z', key: 'churn' };
    expect(decodePageToken(encodePageToken(position))).toEqual(position);
    expect(decodePageToken('')).toBeUndefined();
  });

  it.each(['not base64 json', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["yesterday","x"]').toString('base64url')])('reject a forged token %j', (token) => {
    expect(() => decodePageToken(token)).toThrow('page_token is not a token this service issued');
  });

  it('bounds page sizes', () => {
    expect([pageSize(0), pageSize(undefined), pageSize(5), pageSize(50_000)]).toEqual([100, 100, 5, 1_000]);
  });
});
