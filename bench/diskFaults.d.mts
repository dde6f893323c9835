// The types of diskFaults.mjs, for the tests that share it.
export function mount(...args: string[]): void;
export function growingCounter(command: string): string;
export function fillUp(dir: string): Promise<string>;
export function remountReadOnly(dir: string): void;
