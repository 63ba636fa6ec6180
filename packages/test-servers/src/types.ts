/** A running server a test can talk to. */
export interface TestServer {
  /** Where to connect: a URL, or for Kafka the bootstrap broker list (`host:port[,host:port]`). */
  readonly url: string;
  /**
   * Releases the server. For a shared server (the machine's services, the Kafka broker kept
   * for reuse) this does nothing; see each factory.
   */
  stop(): Promise<void>;
}

/** Starts (or finds) a server. Fails loudly, with a fix-it message, when it cannot. */
export type ServerFactory<S extends TestServer = TestServer> = () => Promise<S>;

/** How a server was provided: an env override, an already running one, or one started now. */
export type Provenance = 'env' | 'reused' | 'started';

/**
 * A real server process started for one test file alone, so that faults can be injected
 * without touching any other test: stopped and started again, hung (`SIGSTOP`) and resumed,
 * killed. Used by the shared fault-injection harness (`faults.ts`).
 */
export interface PrivateServer extends TestServer {
  readonly host: string;
  readonly port: number;
  /** Pid of the server process now running (changes after `start()`). */
  readonly pid: number;
  /** `SIGSTOP`: the server keeps its sockets open and answers nothing (a hung server). */
  pause(): void;
  /** `SIGCONT` after `pause()`. */
  resume(): void;
  /** `SIGKILL`, then waits for the process to be gone. The data directory is kept. */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same port with the same data directory (after `stop()` or
   * `kill()`), with `args` appended to its command line (e.g. `['--requirepass', 'x']`).
   * Resolves once it answers.
   */
  start(args?: readonly string[]): Promise<void>;
}
