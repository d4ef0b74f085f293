import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * The ONNX model format (onnx.proto3, IR version 8), written directly: the handful of messages a
 * tabular model needs. Written here rather than generated because the field numbers are a stable
 * public spec and a generated copy of onnx.proto would bring a second protobuf toolchain for five
 * messages. Field numbers are those of onnx.proto.
 */

export const TensorType = { FLOAT: 1, INT64: 7, STRING: 8, DOUBLE: 11 } as const;
export type TensorElementType = (typeof TensorType)[keyof typeof TensorType];

export type AttributeValue =
  | { float: number }
  | { int: number }
  | { string: string }
  | { floats: number[] }
  | { ints: number[] }
  | { strings: string[] }
  | { tensor: Tensor };

export interface Tensor {
  name: string;
  type: TensorElementType;
  dims: number[];
  floats?: number[];
  int64s?: number[];
  strings?: string[];
}

export interface Node {
  opType: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface ValueInfo {
  name: string;
  type: TensorElementType;
  /** Dimension sizes; a string is a symbolic dimension such as the batch size. */
  shape: (number | string)[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Tensor[];
}

export interface Model {
  graph: Graph;
  producer: string;
  producerVersion: string;
  /** Domains and opset versions the nodes use, e.g. { '': 17, 'ai.onnx.ml': 3 }. */
  opsets: Record<string, number>;
  metadata?: Record<string, string>;
}

const IR_VERSION = 8;

type Write = (w: BinaryWriter) => void;
const message = (w: BinaryWriter, field: number, body: Write) => {
  w.tag(field, WireType.LengthDelimited).fork();
  body(w);
  w.join();
};
const text = (w: BinaryWriter, field: number, value: string) => w.tag(field, WireType.LengthDelimited).string(value);

function writeTensor(w: BinaryWriter, t: Tensor): void {
  for (const d of t.dims) w.tag(1, WireType.Varint).int64(d);
  w.tag(2, WireType.Varint).int32(t.type);
  if (t.floats?.length) {
    w.tag(4, WireType.LengthDelimited).fork();
    for (const f of t.floats) w.float(f);
    w.join();
  }
  for (const s of t.strings ?? []) w.tag(6, WireType.LengthDelimited).bytes(new TextEncoder().encode(s));
  if (t.int64s?.length) {
    w.tag(7, WireType.LengthDelimited).fork();
    for (const i of t.int64s) w.int64(i);
    w.join();
  }
  text(w, 8, t.name);
}

// AttributeProto.AttributeType
const ATTRIBUTE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function writeAttribute(w: BinaryWriter, name: string, value: AttributeValue): void {
  text(w, 1, name);
  if ('float' in value) {
    w.tag(2, WireType.Bit32).float(value.float);
    w.tag(20, WireType.Varint).int32(ATTRIBUTE.FLOAT);
  } else if ('int' in value) {
    w.tag(3, WireType.Varint).int64(value.int);
    w.tag(20, WireType.Varint).int32(ATTRIBUTE.INT);
  } else if ('string' in value) {
    w.tag(4, WireType.LengthDelimited).bytes(new TextEncoder().encode(value.string));
    w.tag(20, WireType.Varint).int32(ATTRIBUTE.STRING);
  } else if ('tensor' in value) {
    message(w, 5, (m) => writeTensor(m, value.tensor));
    w.tag(20, WireType.Varint).int32(ATTRIBUTE.TENSOR);
  } else if ('floats' in value) {
    w.tag(7, WireType.LengthDelimited).fork();
    for (const f of value.floats) w.float(f);
    w.join();
    w.tag(20, WireType.Varint).int32(ATTRIBUTE.FLOATS);
  } else if ('ints' in value) {
    w.tag(8, WireType.LengthDelimited).fork();
    for (const i of value.ints) w.int64(i);
    w.join();
    w.tag(20, WireType.Varint).int32(ATTRIBUTE.INTS);
  } else {
    for (const s of value.strings) w.tag(9, WireType.LengthDelimited).bytes(new TextEncoder().encode(s));
    w.tag(20, WireType.Varint).int32(ATTRIBUTE.STRINGS);
  }
}

function writeNode(w: BinaryWriter, n: Node): void {
  for (const input of n.inputs) text(w, 1, input);
  for (const output of n.outputs) text(w, 2, output);
  if (n.name) text(w, 3, n.name);
  text(w, 4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) message(w, 5, (m) => writeAttribute(m, name, value));
  if (n.domain) text(w, 7, n.domain);
}

function writeValueInfo(w: BinaryWriter, v: ValueInfo): void {
  text(w, 1, v.name);
  message(w, 2, (type) =>
    message(type, 1, (tensor) => {
      tensor.tag(1, WireType.Varint).int32(v.type);
      message(tensor, 2, (shape) => {
        for (const d of v.shape) message(shape, 1, (dim) => (typeof d === 'number' ? dim.tag(1, WireType.Varint).int64(d) : text(dim, 2, d)));
      });
    }),
  );
}

/** The model as ONNX bytes. Attribute and metadata order follows insertion order, so equal models give equal bytes. */
export function encodeModel(model: Model): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(IR_VERSION);
  text(w, 2, model.producer);
  text(w, 3, model.producerVersion);
  message(w, 7, (g) => {
    for (const n of model.graph.nodes) message(g, 1, (m) => writeNode(m, n));
    text(g, 2, model.graph.name);
    for (const t of model.graph.initializers ?? []) message(g, 5, (m) => writeTensor(m, t));
    for (const v of model.graph.inputs) message(g, 11, (m) => writeValueInfo(m, v));
    for (const v of model.graph.outputs) message(g, 12, (m) => writeValueInfo(m, v));
  });
  for (const [domain, version] of Object.entries(model.opsets)) {
    message(w, 8, (o) => {
      if (domain) text(o, 1, domain);
      o.tag(2, WireType.Varint).int64(version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    message(w, 14, (p) => {
      text(p, 1, key);
      text(p, 2, value);
    });
  }
  return w.finish();
}
