// onnxruntime-node builds its output tensors in Node's own realm, and onnxruntime-common checks them
// with `instanceof Float32Array` in the test's sandbox realm, where the typed arrays are other
// classes. Tests that run ONNX models share the real typed arrays with the sandbox.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = ['Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array', 'BigInt64Array', 'Uint8Array', 'Uint16Array', 'Uint32Array', 'BigUint64Array', 'ArrayBuffer'];

module.exports = class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
};
