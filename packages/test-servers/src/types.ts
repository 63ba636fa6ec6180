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
