/**
 * jest globalSetup (runs once per `jest` run, before any test file): when `../shared/conformance` is
 * absent, says once why the conformance tests skip, instead of once per test file.
 */
import { conformanceRoot, skipNotice } from "./conformance";

export default function globalSetup(): void {
  const notice = skipNotice(conformanceRoot());
  // process.stderr.write, not console.log: jest decorates console output with a multi-line stack hint.
  if (notice) process.stderr.write(`${notice}\n`);
}
