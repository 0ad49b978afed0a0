// Public surface of the handover contracts. The engine calls runContracts after a step, describeContracts when it
// writes the step's instructions, describeFailures for the retry prompt; `wave validate` calls
// validateContractSpec and checkContractFiles; `wave run --junit` calls toJUnitXml.
export * from './types.js';
export { runContracts, type ContractRunResult, type ContractsRun, type ContractOutcome } from './run.js';
export {
  validateContractSpec,
  checkContractFiles,
  knownContractTypes,
  isContractType,
  asContractSpec,
  ON_FAILURE_VALUES,
} from './registry.js';
export { describeContracts, describeFailures } from './describe.js';
export { toJUnitXml, type JUnitRun, type JUnitStep } from './junit.js';
export { CheckFailed, ContractConfigError } from './failure.js';
export { DEFAULT_TEST_TIMEOUT_MS } from './test-suite.js';
export { FILE_FORMATS } from '../config/types.js';
