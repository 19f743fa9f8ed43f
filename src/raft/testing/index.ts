// The testing kit of @hyperbytedb/raft: seeded PRNG, virtual clock, simulated network, checkers
// and the deterministic cluster simulator. Must never be imported by production code paths.
export { Prng } from './prng.js';
export { SimClock } from './sim-clock.js';
export { SimNetwork, CALM_NETWORK, type NetworkProfile, type PartitionKind, type Delivery } from './sim-network.js';
export { SafetyChecker, type LogView } from './checkers.js';
export { newMachine, applyToMachine, encodeMachine, decodeMachine, entryKey, type Machine } from './sim-machine.js';
export {
  runSimulation, DEFAULT_STEPS, DEFAULT_LIVENESS_STEPS,
  type SimulationOptions, type SimulationResult, type SimulationStats,
} from './simulator.js';
