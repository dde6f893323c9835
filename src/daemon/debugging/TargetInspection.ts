import { setTimeout as sleep } from 'node:timers/promises';
import { ANSWER_MS } from './CdpAnswers.js';

/** What the watchdog asks about one plugin host, through an inspector session into it. */
export interface HostInspection {
  /** True while a debugger holds the host at a breakpoint (or a `debugger` statement). */
  isPaused(): Promise<boolean>;
  /**
   * The host's call stack now, innermost first, taken from outside by pausing it for a moment:
   * it works on a host stuck in a loop, and names the looping function exactly (a profile
   * started mid-loop charges an optimized loop to its caller).
   */
  stack(): Promise<StackFrame[]>;
}

/** One frame of a host's stack, as V8 places it in the script that runs (lines from 0). */
export interface StackFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** One inspector session into one host's isolate: a worker's (NodeWorker) or a process's (ws). */
export interface CdpTarget {
  send(method: string, params?: object): Promise<unknown>;
}

interface PausedEvent {
  reason: string;
  callFrames: {
    functionName: string;
    location: { scriptId: string; lineNumber: number; columnNumber: number };
  }[];
}

/** The URL forGeneration gives each generation's script. */
const GENERATION_URL = /[?&]generation=\d+$/;

/**
 * The daemon's look into one host, over any CDP target. V8 answers the inspector between any two
 * steps of the host's JavaScript, so this sees into a host that answers nothing else: whether a
 * debugger has it paused (then it is not stuck), and where a stuck one loops. Under
 * break-on-error it keeps the debugger on and lets every throw but the plugin's own go on.
 */
export class TargetInspection implements HostInspection {
  private paused = false;
  /** Every generation's script seen while the debugger was on, by script id. */
  private readonly scriptUrls = new Map<string, string>();
  /** The watchdog paused a stuck host to read its stack: the pause is its, not the author's. */
  private pauseWaiter: ((event: PausedEvent) => void) | undefined;
  private breakOnError = false;
  /** The look `isPaused` has under way, which a second asker shares. */
  private pausedLook: Promise<boolean> | undefined;

  constructor(
    private readonly target: CdpTarget,
    /** The daemon runs under `--inspect`: only then can a debugger pause a host. */
    private readonly debugging: boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  isPaused(): Promise<boolean> {
    if (!this.debugging) return Promise.resolve(false);
    if (this.breakOnError) return Promise.resolve(this.paused);
    // One look at a time: the heartbeat and a call's time limit ask together, and a second
    // enable would clear what the first had just been told.
    this.pausedLook ??= this.lookForPause().finally(() => {
      this.pausedLook = undefined;
    });
    return this.pausedLook;
  }

  private async lookForPause(): Promise<boolean> {
    // V8 tells a session that turns the debugger on whether the thread is paused, before it
    // answers; turned off again at once, the debugger costs the host nothing meanwhile.
    this.paused = false;
    await this.target.send('Debugger.enable');
    const paused = this.paused;
    await this.target.send('Debugger.disable');
    return paused;
  }

  async stack(): Promise<StackFrame[]> {
    const paused = new Promise<PausedEvent>((resolve) => {
      this.pauseWaiter = resolve;
    });
    await this.target.send('Debugger.enable');
    await this.target.send('Debugger.pause');
    const event = await Promise.race([
      paused,
      sleep(ANSWER_MS).then(() => {
        throw new Error('the plugin host did not pause');
      }),
    ]).finally(() => {
      this.pauseWaiter = undefined;
    });
    const frames = event.callFrames.map((f) => ({
      functionName: f.functionName,
      url: this.scriptUrls.get(f.location.scriptId) ?? '',
      lineNumber: f.location.lineNumber,
      columnNumber: f.location.columnNumber,
    }));
    await this.target.send('Debugger.resume');
    if (!this.breakOnError) await this.target.send('Debugger.disable');
    return frames;
  }

  async setBreakOnError(on: boolean): Promise<void> {
    this.breakOnError = on;
    if (on) {
      await this.target.send('Debugger.enable');
      await this.target.send('Debugger.setPauseOnExceptions', { state: 'all' });
    } else {
      await this.target.send('Debugger.setPauseOnExceptions', { state: 'none' });
      await this.target.send('Debugger.disable');
    }
  }

  /** An event of the target's session. */
  onEvent(method: string, params: unknown): void {
    if (method === 'Debugger.scriptParsed') {
      const script = params as { scriptId: string; url: string };
      if (GENERATION_URL.test(script.url)) this.scriptUrls.set(script.scriptId, script.url);
    } else if (method === 'Debugger.paused') {
      const event = params as PausedEvent;
      this.paused = true;
      if (this.pauseWaiter) this.pauseWaiter(event);
      else if (this.breakOnError && !this.staysPaused(event))
        this.target.send('Debugger.resume').catch(this.onError);
    } else if (method === 'Debugger.resumed') this.paused = false;
  }

  /**
   * Under break-on-error, every throw pauses; only those in a generation's own script are the
   * author's to see. Any other pause (a breakpoint) was asked for.
   */
  private staysPaused(event: PausedEvent): boolean {
    if (event.reason !== 'exception' && event.reason !== 'promiseRejection') return true;
    const top = event.callFrames[0]?.location.scriptId;
    return top !== undefined && this.scriptUrls.has(top);
  }
}
