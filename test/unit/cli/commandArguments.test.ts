import { describe, expect, it } from 'vitest';
import { commandArguments } from '../../../src/clients/cli/execCommand.js';

/** `reloadd exec`'s words → the command's arguments. */
describe('commandArguments', () => {
  it('reads each word as JSON', () => {
    expect(commandArguments(['2', '-1.5', 'true', 'null', '"2"', '{"a":[1]}', '[]'])).toEqual({
      args: [2, -1.5, true, null, '2', { a: [1] }, []],
    });
  });

  it('takes a word that is not JSON for the string it spells', () => {
    expect(commandArguments(['Ann', '1.2.3', '01', 'hello world', ''])).toEqual({
      args: ['Ann', '1.2.3', '01', 'hello world', ''],
    });
  });

  it('refuses a word that opens an object, an array or a string and does not parse, saying how to quote it', () => {
    for (const word of ['{a:1}', '[1,', '"open', ' {']) {
      const read = commandArguments(['1', word]);
      expect(read).toEqual({
        problem: expect.stringContaining(`argument 2, ${word}, is not JSON`),
      });
      expect(read).toEqual({ problem: expect.stringContaining(`'${JSON.stringify(word)}'`) });
    }
  });
});
