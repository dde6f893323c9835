import { describe, expect, it } from 'vitest';
import { hostName } from '../../../src/protocol/index.js';

describe('hostName', () => {
  it('names the host each isolation runs a plugin in, as daemon/status lists hosts', () => {
    expect(hostName({ id: 'notes', isolation: 'shared' })).toBe('shared');
    expect(hostName({ id: 'notes', isolation: 'dedicated' })).toBe('plugin:notes');
    expect(hostName({ id: 'notes', isolation: 'process' })).toBe('process:notes');
  });
});
