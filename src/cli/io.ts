// What a CLI command writes to and listens on, so tests can run commands in-process.

export interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Out;
  stderr: Out;
  /** Aborted on SIGINT/SIGTERM (main.ts wires the signals). */
  signal: AbortSignal;
}
