export { instancesToFeeds, type Instance } from './instance-feeds';
export { type OipContents, type OipInput, type OipOutput } from './oip';
export { oipToFeeds, type OipFeeds } from './oip-feeds';
export { type InstanceOutput, type OipOutputs, splitOutputs, toOipOutputs } from './outputs';
export { DATATYPES, elementCount, type FeedData, type FeedTensor, type FixedSizeDatatype, newTypedArray, oipDatatypeOf, type OrtType, type OutputTensor } from './tensor';
