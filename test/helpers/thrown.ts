/**
 * The error `fn` throws, checked to be an `errorClass`: another error is thrown on (failing the test with
 * its own message), and throwing nothing fails the test.
 */
export function thrownBy<E extends Error>(fn: () => unknown, errorClass: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    if (err instanceof errorClass) return err;
    throw err;
  }
  throw new Error(`expected a ${errorClass.name}`);
}
