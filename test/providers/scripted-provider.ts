import type { ServerResponse } from 'node:http';
import { cutsInside, FakeProviderServer, sleep, writeCuts, type RecordedRequest } from '../utils/fake-provider-server.js';
import { answerPayload, partialPayload, type HttpErrorKind, type ProviderWire, type Usage } from './provider-wire.js';

/**
 * A local server that plays one provider (its wire format, its key check), answering each
 * request with the next scripted step, and the sample's environment variables pointing an
 * engine at it. No Nest in here: the browser specs use it against the sample as a child process.
 */

/** One way to answer one request. */
export type Step = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** Resolves with `promise`, or rejects naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Byte offsets that make a payload arrive in awkward pieces: before every continuation byte
 * (each multi-byte character, emoji included, split at every possible place), inside each
 * `data:` / `event:` prefix and inside each blank-line separator.
 */
export function awkwardCuts(payload: string): number[] {
  const bytes = Buffer.from(payload, 'utf8');
  const cuts: number[] = [];
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] & 0xc0) === 0x80) cuts.push(i);
  return [...cuts, ...cutsInside(payload, ['data: ', 'event: '], 3), ...cutsInside(payload, ['\n\n', '\r\n\r\n'], 1)];
}

/**
 * A fake provider that speaks `wire`: it rejects a request whose key is not the wire's (as
 * the provider would), answers the n-th request with the n-th scripted step (the last step
 * repeats), and notes when each request arrived.
 */
export class ScriptedProvider {
  readonly server = new FakeProviderServer();
  /** `Date.now()` when each request arrived, in order. */
  readonly arrivals: number[] = [];
  private steps: Step[] = [];

  constructor(readonly wire: ProviderWire) {}

  get url(): string {
    return this.server.url;
  }

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  async start(): Promise<this> {
    await this.server.start();
    this.server.respond(async (req, res) => {
      const n = this.arrivals.push(Date.now()) - 1;
      const key = this.wire.keyOf(req);
      if (key !== this.wire.apiKey) return this.wire.httpError(res, 'auth', key);
      const step = this.steps[Math.min(n, this.steps.length - 1)];
      if (!step) throw new Error('no step scripted for this request');
      await step(req, res);
    });
    return this;
  }

  /** Forgets earlier requests and answers the next ones with `steps`. */
  script(...steps: Step[]): this {
    this.server.requests.length = 0;
    this.arrivals.length = 0;
    this.steps = steps;
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  // ------------------------------------------------------------------------------ steps

  /** A whole answer, written in awkward pieces (or in one write with `cuts: false`). */
  answer(deltas: string[], usage: Usage, cuts = true): Step {
    return async (_req, res) => {
      const payload = answerPayload(this.wire, deltas, usage);
      this.wire.startStream(res);
      await writeCuts(res, payload, cuts ? awkwardCuts(payload) : [], 1);
      res.end();
    };
  }

  /**
   * Reasoning first (one frame per thought, `gapMs` apart: the provider is alive but has no
   * text yet), then the answer.
   */
  thinkThenAnswer(deltas: string[], usage: Usage, thoughts: string[], gapMs: number): Step {
    return async (_req, res) => {
      const frames = this.wire.frames(deltas, usage, thoughts);
      this.wire.startStream(res);
      res.write(frames.opening);
      for (const thought of frames.thoughts) {
        if (res.destroyed) return;
        res.write(thought);
        await sleep(gapMs);
      }
      if (res.destroyed) return;
      res.end(frames.deltas.join('') + frames.closing);
    };
  }

  /** The provider's HTTP error answer. */
  httpError(kind: HttpErrorKind): Step {
    return (_req, res) => this.wire.httpError(res, kind);
  }

  /** `k` deltas, then the provider's error inside the stream, then the end of the response. */
  errorAfter(deltas: string[], k: number, usage: Usage): Step {
    return async (_req, res) => {
      this.wire.startStream(res);
      await writeCuts(res, partialPayload(this.wire, deltas, k, usage) + this.wire.errorFrame(), [], 0);
      res.end();
    };
  }

  /** `k` deltas, then half of the next frame, then the connection is cut (no end of response). */
  dropAfter(deltas: string[], k: number, usage: Usage): Step {
    return async (_req, res) => {
      const frames = this.wire.frames(deltas, usage);
      this.wire.startStream(res);
      res.write(partialPayload(this.wire, deltas, k, usage) + frames.deltas[k].slice(0, 20));
      await sleep(20);
      res.destroy();
    };
  }

  /** `k` deltas, then nothing: the connection stays open until the client closes it. */
  stallAfter(deltas: string[], k: number, usage: Usage): Step {
    return async (req, res) => {
      this.wire.startStream(res);
      res.write(partialPayload(this.wire, deltas, k, usage));
      await req.aborted;
    };
  }

  /** No answer at all, not even headers, until the client closes the connection. */
  silent(): Step {
    return async (req) => {
      await req.aborted;
    };
  }
}

/** The sample's environment variables for one engine served by `provider`. */
export function engineEnv(provider: ScriptedProvider, key = provider.wire.apiKey): Record<string, string> {
  const { envPrefix, model, extraEnv } = provider.wire;
  return {
    ...extraEnv,
    [`${envPrefix}_API_KEY`]: key,
    [`${envPrefix}_BASE_URL`]: provider.wire.baseURL(provider.url),
    [`${envPrefix}_MODEL`]: model,
  };
}
