/**
 * A generated enum value's name without its prefix (`TENSOR_DATA_TYPE_FP32` → `FP32`); '' when it is
 * unset (`…_UNSPECIFIED`) or unknown to this build: how mappers turn enums into domain names.
 */
export function enumName<E extends Record<string, string | number>>(e: E, value: number, prefix: string): string {
  const name = (e as Record<number, string>)[value];
  return name && name !== 'UNRECOGNIZED' && !name.endsWith('_UNSPECIFIED') ? name.slice(prefix.length) : '';
}
