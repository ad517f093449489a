import { cpu } from '@tessera/backend-cpu';
import { use } from '@tessera/core';

/** Installs the CPU backend once per test file. */
export function useCpu(): void {
  use(cpu());
}
