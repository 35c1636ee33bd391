/**
 * Time bounds for tests that run on a shared, possibly busy machine. A test asserts behaviour, not
 * speed (speed is measured in bench/): a bound here only has to catch a hang or a wait that the code
 * should not have made, so it is set far above the expected time (and far below the wrong one).
 */
import assert from 'node:assert/strict';

/**
 * `p`, or an AssertionError if it has not settled within `ms`: a fetch that should end after a
 * 300 ms timeout fails here if it hangs, instead of holding the test for ever.
 */
export async function settlesWithin<T>(p: Promise<T>, ms: number, what = 'the promise'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `${what} did not settle within ${ms} ms (a hang?)` })), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
