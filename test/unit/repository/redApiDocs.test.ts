import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.js';
import { lineDiff, readBlock, writeBlock } from '../../helpers/repository/docBlocks.js';
import { RedApiDocBlocks } from '../../helpers/repository/redApiDocs.js';

/**
 * The page of editor/call and docs/red-editor-api.md list the Red editor's API as its declaration has it: their blocks
 * are written from src/protocol/redApi.ts, and this test fails when one is not what the
 * declaration writes. `UPDATE_DOCS=1` writes them instead.
 */

const FIX = 'UPDATE_DOCS=1 npx vitest run test/unit/repository/redApiDocs.test.ts';
const updating = process.env.UPDATE_DOCS === '1';

describe("the Red API's blocks in the documents, written from its declaration", () => {
  for (const { file, name, render } of RedApiDocBlocks) {
    it(`${file}: <!-- ${name} --> is what the declaration writes`, () => {
      const at = path.join(ROOT, file);
      const doc = readFileSync(at, 'utf8');
      const expected = render();
      if (updating) {
        writeFileSync(at, writeBlock(doc, name, expected));
        return;
      }
      let actual: string;
      try {
        actual = readBlock(doc, name);
      } catch (error) {
        return expect.fail(
          `${file}: ${(error as Error).message}. Put <!-- ${name}:start --> and <!-- ${name}:end --> where the block goes, then: ${FIX}`,
        );
      }
      if (actual !== expected)
        expect.fail(
          `${file}'s block ${name} is not what src/protocol/redApi.ts writes (- the file, + the declaration):\n\n` +
            `${lineDiff(actual, expected)}\n\nTo write it: ${FIX}`,
        );
    });
  }
});
