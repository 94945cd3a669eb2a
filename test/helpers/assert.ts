import * as assert from 'uvu/assert';

/** Awaits `promise` and asserts it rejected with the stable error `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  assert.ok(error, `expected a rejection with ${code}`);
  assert.is((error as { code?: unknown }).code, code, String(error));
}
