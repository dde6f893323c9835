import { describe, expect, it } from 'vitest';
import { planPrivateFolder } from '../../../src/daemon/network/privateFolder.js';
import {
  judgeOwnFile,
  judgeOwnFolder,
  type PathFacts,
} from '../../../src/transport/discoveryTrust.js';

const ME = 1000;
const OTHER = 1001;
const folder = (facts: Partial<PathFacts> = {}): PathFacts => ({
  type: 'directory',
  uid: ME,
  mode: 0o700,
  ...facts,
});
const file = (facts: Partial<PathFacts> = {}): PathFacts => ({
  type: 'file',
  uid: ME,
  mode: 0o600,
  ...facts,
});

describe('judgeOwnFile: is a discovery file the user own, written by no one else?', () => {
  it('trusts the user own file in the user own folder, readable by others or not', () => {
    expect(judgeOwnFile(folder(), file(), ME)).toEqual({ trusted: true });
    expect(judgeOwnFile(folder({ mode: 0o755 }), file({ mode: 0o644 }), ME)).toEqual({
      trusted: true,
    });
    // A sticky bit on the folder gives no one else a write.
    expect(judgeOwnFile(folder({ mode: 0o1700 }), file(), ME)).toEqual({ trusted: true });
  });

  it("names another user's file by its owner first", () => {
    const planted = { trusted: false, reason: `owned by uid ${OTHER}, not you` };
    expect(judgeOwnFile(folder({ uid: OTHER }), file({ uid: OTHER }), ME)).toEqual(planted);
    expect(judgeOwnFile(folder({ uid: OTHER, mode: 0o777 }), file({ uid: OTHER }), ME)).toEqual(
      planted,
    );
    // Root's own files are not the user's either.
    expect(judgeOwnFile(folder(), file({ uid: 0 }), ME)).toEqual({
      trusted: false,
      reason: 'owned by uid 0, not you',
    });
  });

  it('refuses links and what is not a regular file, never following them', () => {
    expect(judgeOwnFile(folder(), file({ type: 'symlink' }), ME)).toEqual({
      trusted: false,
      reason: 'it is a symbolic link',
    });
    expect(judgeOwnFile(folder(), file({ type: 'other' }), ME)).toEqual({
      trusted: false,
      reason: 'it is not a regular file',
    });
    expect(judgeOwnFile(folder({ type: 'symlink' }), file(), ME)).toEqual({
      trusted: false,
      reason: 'its folder is a symbolic link',
    });
    expect(judgeOwnFile(folder({ type: 'file' }), file(), ME)).toEqual({
      trusted: false,
      reason: 'its folder is not a folder',
    });
  });

  it('refuses the user own file in a folder of someone else, or that others may write', () => {
    expect(judgeOwnFile(folder({ uid: OTHER }), file(), ME)).toEqual({
      trusted: false,
      reason: `its folder is owned by uid ${OTHER}, not you`,
    });
    expect(judgeOwnFile(folder({ mode: 0o777 }), file(), ME)).toEqual({
      trusted: false,
      reason: 'others may write its folder (mode 0777)',
    });
    expect(judgeOwnFile(folder({ mode: 0o770 }), file(), ME)).toEqual({
      trusted: false,
      reason: 'others may write its folder (mode 0770)',
    });
    expect(judgeOwnFile(folder(), file({ mode: 0o666 }), ME)).toEqual({
      trusted: false,
      reason: 'others may write it (mode 0666)',
    });
    expect(judgeOwnFile(folder(), file({ mode: 0o620 }), ME)).toEqual({
      trusted: false,
      reason: 'others may write it (mode 0620)',
    });
  });

  it('judges a folder alone the same way (one it may not look into)', () => {
    expect(judgeOwnFolder(folder(), ME)).toEqual({ trusted: true });
    expect(judgeOwnFolder(folder({ uid: OTHER }), ME)).toEqual({
      trusted: false,
      reason: `its folder is owned by uid ${OTHER}, not you`,
    });
  });
});

describe("planPrivateFolder: the daemon's own folder for discovery files", () => {
  const plan = (facts?: Partial<PathFacts>) => planPrivateFolder(facts && folder(facts), ME);

  it('creates a missing one, uses its own 0700 one, repairs its own looser one', () => {
    expect(plan()).toEqual({ action: 'create' });
    expect(plan({})).toEqual({ action: 'use' });
    expect(plan({ mode: 0o777 })).toEqual({ action: 'repair', mode: 0o777 });
    // Readable by others is loose too: the folder may hold the token.
    expect(plan({ mode: 0o755 })).toEqual({ action: 'repair', mode: 0o755 });
    expect(plan({ mode: 0o1700 })).toEqual({ action: 'repair', mode: 0o1700 });
  });

  it("refuses another user's folder, a link, or what is not a folder", () => {
    expect(plan({ uid: OTHER })).toEqual({
      action: 'refuse',
      reason: `is owned by uid ${OTHER}, not you`,
    });
    expect(plan({ uid: OTHER, mode: 0o777 })).toMatchObject({ action: 'refuse' });
    expect(plan({ type: 'symlink' })).toEqual({ action: 'refuse', reason: 'is a symbolic link' });
    expect(plan({ type: 'file' })).toEqual({ action: 'refuse', reason: 'is not a folder' });
  });
});
