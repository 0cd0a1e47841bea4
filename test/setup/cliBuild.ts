/**
 * Builds the CLI once before the end-to-end tests (bin/cliBuild.mjs): the many `gatehouse` processes they
 * start then load that build instead of each making it at the same time on a fresh checkout.
 */
import { builtCli } from "../../bin/cliBuild.mjs";

export default async function setup(): Promise<void> {
  await builtCli();
}
