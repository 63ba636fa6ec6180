/**
 * The V8 heap sizing `edgeplane run` gives Node.js, as Kafka Connect's launcher gives its JVM
 * `-Xms256M -Xmx2G`: a young generation of at most 4 MiB per semi-space (V8's default is 16–32
 * MiB) and an old generation of at most 1536 MiB, below which V8 grows the heap by a factor of
 * about 1.8 per full collection instead of 4. A loop keeps little alive (its ring, batches and
 * read-ahead) and makes much short-lived garbage; with V8's defaults its resident memory grows to
 * three to four times what is alive. Measured in `bench/kafka-connect.mjs` (see bench/README.md):
 * kafka → file, 1,000,000 × 100 B, peak RSS 362 → 162 MiB, for 15–30 % fewer messages/s and more
 * CPU per message on the Kafka pairs; `EDGEPLANE_NODE_HEAP=node` trades back.
 *
 * The flags are added by replacing the process image (`process.execve`, Node.js ≥ 23.11: the same
 * pid, so signals, the lane lock and an orchestrator's kill -9 see one process), before anything
 * is loaded. Nothing is changed when the operator chose heap flags already (in `NODE_OPTIONS` or
 * on node's command line), when `EDGEPLANE_NODE_HEAP=node` keeps Node.js's own sizing, or on a
 * Node.js without `process.execve`.
 */
export const RUN_HEAP_FLAGS: readonly string[] = [
  '--max-semi-space-size=4',
  '--max-old-space-size=1536',
];

/** Heap flags an operator may have set; any of them means the operator chose, so we do not. */
const OPERATOR_HEAP_FLAG =
  /(^|\s)--(max|min)[-_](semi|old|heap)[-_]space[-_]size|(^|\s)--max[-_]heap[-_]size|(^|\s)--optimize[-_]for[-_]size|(^|\s)--semi[-_]space[-_]growth[-_]factor/;

/** What `heapRelaunch` looks at: the process's own argv, execArgv and environment. */
export interface HeapProcess {
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly execPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The argv to replace this process with (`[execPath, ...execArgv, ...RUN_HEAP_FLAGS, script,
 * ...args]`), or `undefined` to go on as is: for any verb but `run`, with `EDGEPLANE_NODE_HEAP=node`,
 * or when a heap flag is already in `execArgv` or `NODE_OPTIONS`. Pure; throws nothing.
 */
export function heapRelaunch(p: HeapProcess): string[] | undefined {
  if (p.argv[2] !== 'run') return undefined;
  if (p.env.EDGEPLANE_NODE_HEAP === 'node') return undefined;
  if (OPERATOR_HEAP_FLAG.test(p.execArgv.join(' '))) return undefined;
  if (OPERATOR_HEAP_FLAG.test(p.env.NODE_OPTIONS ?? '')) return undefined;
  return [p.execPath, ...p.execArgv, ...RUN_HEAP_FLAGS, ...p.argv.slice(1)];
}

/**
 * Replaces this process with `heapRelaunch(process)` when there is one and `process.execve`
 * exists; returns only when it does not (execve does not return, or throws when it fails: then
 * the verb runs with Node.js's own heap sizing, which is correct, only larger).
 */
export function applyRunHeapFlags(): void {
  const execve = (
    process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }
  ).execve;
  if (typeof execve !== 'function') return;
  const argv = heapRelaunch(process);
  if (!argv) return;
  try {
    execve.call(process, process.execPath, argv, process.env);
  } catch {
    // execve refused (a seccomp profile, a vanished binary): run on with the defaults.
  }
}
