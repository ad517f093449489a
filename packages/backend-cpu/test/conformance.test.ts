import { runConformance } from '@tessera/conformance';
import { cpu } from '../src/index.js';

// The whole backend test kit against this backend: forward cases, float64 finite-difference
// gradient checks, and random op chains.
runConformance({ backend: cpu() });
