import { commonV1 } from '@mlops/proto';
import { signatureFrom, signatureTo } from './registry.mapper';

describe('signature mapping', () => {
  const input = commonV1.TensorSpec.fromPartial({
    name: 'mean_delay_7d', datatype: commonV1.TensorDataType.TENSOR_DATA_TYPE_FP32, shape: [-1, 1], nullable: true, featureType: commonV1.DataType.DATA_TYPE_FLOAT, description: 'mean delay at the origin over the past week',
  });
  const output = commonV1.TensorSpec.fromPartial({ name: 'probability', datatype: commonV1.TensorDataType.TENSOR_DATA_TYPE_FP32, shape: [-1, 1] });

  it('keeps whether an input may be missing, its feature type and description, so serving accepts the missing values the model was trained on', () => {
    const stored = signatureFrom({ inputs: [input], outputs: [output] });
    expect(stored.inputs[0]).toEqual({ name: 'mean_delay_7d', datatype: 'FP32', shape: [-1, 1], nullable: true, featureType: 'FLOAT', description: 'mean delay at the origin over the past week' });
    expect(signatureTo(stored)).toEqual({ inputs: [input], outputs: [output] });
  });

  it('stores nothing extra for a tensor that declares none of them, as signatures were stored before', () => {
    expect(signatureFrom({ inputs: [output], outputs: [output] }).inputs[0]).toEqual({ name: 'probability', datatype: 'FP32', shape: [-1, 1] });
  });
});
