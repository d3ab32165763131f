// One SignalR connection to /hubs/live with streams that survive reconnects.
//
// - WebSockets only with skipNegotiation, so any Api instance can take the connection (no sticky sessions).
// - Retries forever: capped exponential backoff with jitter, from automatic reconnect and from onclose.
// - After a reconnect every open stream is invoked again; the server answers with a fresh snapshot.
import { HubConnectionBuilder, HubConnectionState, HttpTransportType, LogLevel } from '@microsoft/signalr';
import { accessTokenFactory } from './auth.js';

const MAX_DELAY_MS = 30_000;

/** Capped exponential backoff with jitter (factor 0.5..1.5); attempt 0 retries almost at once. */
export function backoff(attempt) {
  const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.min(attempt, 15));
  return Math.round(Math.min(MAX_DELAY_MS, base * (0.5 + Math.random())));
}

export class LiveConnection {
  /** @param {{ url?: string, onStateChange?: (state: string, info?: object) => void }} options */
  constructor({ url = '/hubs/live', onStateChange = () => {} } = {}) {
    this.onStateChange = onStateChange;
    this.streams = new Set();
    this.closedAttempts = 0;
    this.stopped = false;
    this.connection = new HubConnectionBuilder()
      .withUrl(url, { transport: HttpTransportType.WebSockets, skipNegotiation: true, accessTokenFactory })
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (ctx) => {
          const delay = backoff(ctx.previousRetryCount);
          this.onStateChange('reconnecting', { attempt: ctx.previousRetryCount + 1, delay });
          return delay;
        },
      })
      .configureLogging(LogLevel.Warning)
      .build();
    this.connection.serverTimeoutInMilliseconds = 30_000;
    this.connection.keepAliveIntervalInMilliseconds = 15_000;

    this.connection.onreconnecting(() => {
      for (const s of this.streams) s.detach();
      this.onStateChange('reconnecting', { attempt: 0 });
    });
    this.connection.onreconnected(() => {
      this.onStateChange('connected');
      for (const s of this.streams) s.open();
    });
    this.connection.onclose(() => {
      // Automatic reconnect never gives up with our policy, but a failed first start or an explicit
      // server close ends up here: keep trying forever.
      for (const s of this.streams) s.detach();
      if (!this.stopped) this.#startLoop();
    });
  }

  get isConnected() {
    return this.connection.state === HubConnectionState.Connected;
  }

  start() {
    this.stopped = false;
    this.#startLoop();
  }

  async #startLoop() {
    if (this.starting) return;
    this.starting = true;
    try {
      while (!this.stopped && this.connection.state === HubConnectionState.Disconnected) {
        this.onStateChange(this.closedAttempts === 0 ? 'connecting' : 'reconnecting', { attempt: this.closedAttempts });
        try {
          await this.connection.start();
          this.closedAttempts = 0;
          this.onStateChange('connected');
          for (const s of this.streams) s.open();
        } catch {
          const delay = backoff(this.closedAttempts++);
          this.onStateChange('reconnecting', { attempt: this.closedAttempts, delay });
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    } finally {
      this.starting = false;
    }
  }

  /**
   * Invokes a server-to-client stream now (if connected) and again after every reconnect.
   * `onItem` gets every item; `onOpen` is called before each (re)invocation so the caller can mark its
   * data stale until the fresh snapshot arrives. Returns a function that ends the stream.
   */
  watch(method, args, { onItem, onOpen = () => {}, onError = () => {} }) {
    const live = this;
    let handle = null;
    let retryTimer = 0;
    let failures = 0;
    const stream = {
      open() {
        stream.detach();
        if (!live.isConnected) return;
        onOpen();
        handle = live.connection.stream(method, ...args).subscribe({
          next(item) {
            failures = 0;
            onItem(item);
          },
          error(err) {
            handle = null;
            // A dropped connection errors every stream; the reconnect handler reopens them.
            if (!live.isConnected || !live.streams.has(stream)) return;
            onError(err);
            stream.retryLater();
          },
          complete() {
            handle = null;
            if (live.isConnected && live.streams.has(stream)) stream.retryLater();
          },
        });
      },
      retryLater() {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => stream.open(), backoff(failures++));
      },
      detach() {
        clearTimeout(retryTimer);
        if (handle) {
          const h = handle;
          handle = null;
          try {
            h.dispose();
          } catch {
            /* connection already gone */
          }
        }
      },
    };
    this.streams.add(stream);
    stream.open();
    return () => {
      this.streams.delete(stream);
      stream.detach();
    };
  }
}
