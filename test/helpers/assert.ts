import { suite } from 'uvu';
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

/**
 * A missing service fails the file under CI=true (so CI cannot pass without it) and is
 * otherwise skipped loudly, with a registered skipped test so the count shows it.
 */
export function missingService(file: string, what: string, install: string): false {
  if (process.env.CI === 'true') throw new Error(`${what}; CI=true, so ${file} fails instead of skipping`);
  const banner = '!'.repeat(78);
  console.error(`\n${banner}\n  SKIPPED ${file}: ${what}.\n  Install it with: ${install}\n${banner}\n`);
  const skipped = suite(`${file} (${what})`);
  skipped.skip(`needs: ${what}`, () => {});
  skipped.run();
  return false;
}
