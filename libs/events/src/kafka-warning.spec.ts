import { dropKafkajsTimeoutWarning } from './kafka';

describe('dropKafkajsTimeoutWarning', () => {
  it('drops only the negative-timeout warning kafkajs causes, and lets every other warning through', () => {
    const emitted: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((warning: string | Error, type?: string | { type?: string }) => void emitted.push(`${typeof type === 'string' ? type : type?.type}: ${String(warning)}`)) as typeof process.emitWarning;
    try {
      dropKafkajsTimeoutWarning();
      const filtering = process.emitWarning;
      dropKafkajsTimeoutWarning();
      expect(process.emitWarning).toBe(filtering); // a second call does not wrap the filter again
      process.emitWarning('-1795491153126 is a negative number.\nTimeout duration was set to 1.', 'TimeoutNegativeWarning');
      process.emitWarning('old API', { type: 'DeprecationWarning' });
      process.emitWarning('slow', 'Warning');
      expect(emitted).toEqual(['DeprecationWarning: old API', 'Warning: slow']);
    } finally {
      process.emitWarning = original;
    }
  });
});
