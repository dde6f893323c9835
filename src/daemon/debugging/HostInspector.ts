import { setTimeout as sleep } from 'node:timers/promises';
import { ANSWER_MS, InspectorChannel } from './InspectorChannel.js';

/** What the watchdog asks about one worker host, through the process's inspector session. */
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
 * One daemon's look into its worker hosts. V8 answers the inspector between any two steps of a
 * host's JavaScript, so this sees into a host that answers nothing else: whether a debugger has
 * it paused (then it is not stuck), and where a stuck one loops.
 *
 * With `breakOnError`, it keeps the debugger on in its hosts and pauses where plugin code
 * throws, for the debugger the author attached; a throw in any other code is let go at once.
 */
export class HostInspector {
  private readonly channel = InspectorChannel.shared();
  /** The NodeWorker sessions of this daemon's hosts (a process may run several daemons: tests). */
  private readonly mine = new Set<string>();
  /** This daemon's hosts that are paused, as seen while the debugger is on for them. */
  private readonly paused = new Set<string>();
  /** "session script" → URL of every generation's script seen while the debugger was on. */
  private readonly scriptUrls = new Map<string, string>();
  /** The watchdog paused a stuck host to read its stack: the pause is its, not the author's. */
  private readonly pauseWaiters = new Map<string, (event: PausedEvent) => void>();
  private breakOnError = false;

  constructor(
    /** The daemon runs under `--inspect`: only then can a debugger pause a host. */
    private readonly debugging: boolean,
    private readonly onError: (error: unknown) => void,
  ) {
    this.channel.onEvent((sessionId, method, params) => this.onEvent(sessionId, method, params));
  }

  forWorker(threadId: number): HostInspection {
    // Reached now, while the host is young: under break-on-error it pauses from the start.
    this.own(threadId).catch(this.onError);
    return {
      isPaused: () => this.isPaused(threadId),
      stack: () => this.stack(threadId),
    };
  }

  get breaksOnError(): boolean {
    return this.breakOnError;
  }

  /** Pause in plugin code on a throw (or stop doing so), in every host now and to come. */
  async setBreakOnError(on: boolean): Promise<void> {
    this.breakOnError = on;
    await Promise.all([...this.mine].map((id) => this.applyBreakOnError(id)));
  }

  private async own(threadId: number): Promise<string> {
    const sessionId = await this.channel.reach(threadId);
    if (!this.mine.has(sessionId)) {
      this.mine.add(sessionId);
      if (this.breakOnError) await this.applyBreakOnError(sessionId);
    }
    return sessionId;
  }

  private async isPaused(threadId: number): Promise<boolean> {
    if (!this.debugging) return false;
    const sessionId = await this.own(threadId);
    if (this.breakOnError) return this.paused.has(sessionId);
    // V8 tells a session that turns the debugger on whether the thread is paused, before it
    // answers; turned off again at once, the debugger costs the host nothing meanwhile.
    this.paused.delete(sessionId);
    await this.channel.send(sessionId, 'Debugger.enable');
    const paused = this.paused.has(sessionId);
    await this.channel.send(sessionId, 'Debugger.disable');
    return paused;
  }

  private async stack(threadId: number): Promise<StackFrame[]> {
    const sessionId = await this.own(threadId);
    const paused = new Promise<PausedEvent>((resolve) => this.pauseWaiters.set(sessionId, resolve));
    await this.channel.send(sessionId, 'Debugger.enable');
    await this.channel.send(sessionId, 'Debugger.pause');
    const event = await Promise.race([
      paused,
      sleep(ANSWER_MS).then(() => {
        throw new Error('the plugin host did not pause');
      }),
    ]).finally(() => this.pauseWaiters.delete(sessionId));
    const frames = event.callFrames.map((f) => ({
      functionName: f.functionName,
      url: this.scriptUrls.get(`${sessionId} ${f.location.scriptId}`) ?? '',
      lineNumber: f.location.lineNumber,
      columnNumber: f.location.columnNumber,
    }));
    await this.channel.send(sessionId, 'Debugger.resume');
    if (!this.breakOnError) await this.channel.send(sessionId, 'Debugger.disable');
    return frames;
  }

  private onEvent(sessionId: string, method: string, params: unknown): void {
    if (method === 'NodeWorker.detachedFromWorker') {
      this.mine.delete(sessionId);
      this.paused.delete(sessionId);
      for (const key of this.scriptUrls.keys())
        if (key.startsWith(`${sessionId} `)) this.scriptUrls.delete(key);
      return;
    }
    if (!this.mine.has(sessionId)) return;
    if (method === 'Debugger.scriptParsed') {
      const script = params as { scriptId: string; url: string };
      if (GENERATION_URL.test(script.url))
        this.scriptUrls.set(`${sessionId} ${script.scriptId}`, script.url);
    } else if (method === 'Debugger.paused') {
      const event = params as PausedEvent;
      this.paused.add(sessionId);
      const waiter = this.pauseWaiters.get(sessionId);
      if (waiter) waiter(event);
      else if (this.breakOnError && !this.staysPaused(sessionId, event))
        this.channel.send(sessionId, 'Debugger.resume').catch(this.onError);
    } else if (method === 'Debugger.resumed') this.paused.delete(sessionId);
  }

  /**
   * Under break-on-error, every throw pauses; only those in a generation's own script are the
   * author's to see. Any other pause (a breakpoint) was asked for.
   */
  private staysPaused(sessionId: string, event: PausedEvent): boolean {
    if (event.reason !== 'exception' && event.reason !== 'promiseRejection') return true;
    const top = event.callFrames[0]?.location.scriptId;
    return top !== undefined && this.scriptUrls.has(`${sessionId} ${top}`);
  }

  private async applyBreakOnError(sessionId: string): Promise<void> {
    if (this.breakOnError) {
      await this.channel.send(sessionId, 'Debugger.enable');
      await this.channel.send(sessionId, 'Debugger.setPauseOnExceptions', { state: 'all' });
    } else {
      await this.channel.send(sessionId, 'Debugger.setPauseOnExceptions', { state: 'none' });
      await this.channel.send(sessionId, 'Debugger.disable');
    }
  }
}
