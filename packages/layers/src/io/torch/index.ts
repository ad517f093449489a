/** PyTorch checkpoints (`torch.save` files): a zip/legacy reader and a restricted unpickler. */
export {
  readTorchCheckpoint, loadTorchStateDict, loadTorchWeights,
  type TorchReadOptions, type TorchStateDictOptions, type LoadTorchWeightsOptions, type TorchCheckpointValue,
} from './checkpoint.js';
