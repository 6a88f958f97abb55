import { CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver';

export type Logger = (message: string) => void;

/**
 * Runs a request handler so that an exception becomes a log line and the fallback, never a
 * dead server, and so that a request cancelled before or while it ran is answered as
 * cancelled. The work starts on a later turn of the event loop so that a cancellation that
 * arrives right behind the request is seen.
 */
export function runSafe<T>(log: Logger, work: () => T, fallback: T, token: CancellationToken, what: string): Promise<T | ResponseError<void>> {
  return new Promise((resolve) => {
    setImmediate(() => {
      if (token.isCancellationRequested) {
        resolve(cancelled());
        return;
      }
      try {
        const result = work();
        resolve(token.isCancellationRequested ? cancelled() : result);
      } catch (error) {
        log(`${what} failed: ${describeError(error)}`);
        resolve(fallback);
      }
    });
  });
}

/** Runs a notification handler or timer callback so that an exception becomes a log line. */
export function runGuarded(log: Logger, work: () => void, what: string): void {
  try {
    work();
  } catch (error) {
    log(`${what} failed: ${describeError(error)}`);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled');
}
