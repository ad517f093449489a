import { cpu } from '@tessera/backend-cpu';
import { runConformance } from '../src/index.js';

// The CPU backend against itself: forward comparisons are trivially equal, but the
// float64 finite-difference gradient checks of every op are real.
runConformance({ backend: cpu() });
