/**
 * A minimal ONNX (protobuf) encoder: just enough of onnx.proto to write small graphs of
 * standard operators with float/int64 initializers. No dependency; validated with
 * `python3 -c "import onnx; onnx.checker.check_model(onnx.load(path))"`.
 *
 * Field numbers follow onnx/onnx.proto (proto2). Repeated scalars are written unpacked,
 * which every protobuf parser accepts.
 */

type Field = Uint8Array;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const tag = (field: number, wire: number) => varint((field << 3) | wire);

function concat(parts: Uint8Array[]): Uint8Array {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const intField = (field: number, value: number | bigint): Field => Uint8Array.from([...tag(field, WIRE_VARINT), ...varint(value)]);

function bytesField(field: number, bytes: Uint8Array): Field {
  return concat([Uint8Array.from([...tag(field, WIRE_LEN), ...varint(bytes.length)]), bytes]);
}

const stringField = (field: number, s: string): Field => bytesField(field, new TextEncoder().encode(s));
const messageField = (field: number, parts: Field[]): Field => bytesField(field, concat(parts));

function floatField(field: number, value: number): Field {
  const buf = new Uint8Array(4);
  new DataView(buf.buffer).setFloat32(0, value, true);
  return concat([Uint8Array.from(tag(field, WIRE_FIXED32)), buf]);
}

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7 } as const;

export interface TensorInit {
  name: string;
  dims: number[];
  /** Float32 → FLOAT, BigInt64 → INT64, Uint8 → UINT8, Int8 → INT8. */
  data: Float32Array | BigInt64Array | Uint8Array | Int8Array;
}

function dataTypeOf(data: TensorInit['data']): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof BigInt64Array) return DataType.INT64;
  return data instanceof Int8Array ? DataType.INT8 : DataType.UINT8;
}

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian). */
function tensorProto(t: TensorInit): Field[] {
  const type = dataTypeOf(t.data);
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return [...t.dims.map((d) => intField(1, d)), intField(2, type), stringField(8, t.name), bytesField(9, raw)];
}

export type AttributeValue = number | number[] | { float: number } | TensorInit;

/** AttributeProto: name=1, f=2, i=3, t=5, ints=8, type=20 (FLOAT=1, INT=2, TENSOR=4, INTS=7). */
function attributeProto(name: string, value: AttributeValue): Field[] {
  const parts = [stringField(1, name)];
  if (typeof value === 'number') parts.push(intField(3, value), intField(20, 2));
  else if (Array.isArray(value)) parts.push(...value.map((v) => intField(8, v)), intField(20, 7));
  else if ('float' in value) parts.push(floatField(2, value.float), intField(20, 1));
  else parts.push(messageField(5, tensorProto(value)), intField(20, 4));
  return parts;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5. */
function nodeProto(node: NodeSpec, index: number): Field[] {
  return [
    ...node.inputs.map((i) => stringField(1, i)),
    ...node.outputs.map((o) => stringField(2, o)),
    stringField(3, `${node.op}_${index}`),
    stringField(4, node.op),
    ...Object.entries(node.attributes ?? {}).map(([k, v]) => messageField(5, attributeProto(k, v))),
  ];
}

export interface ValueSpec {
  name: string;
  type: 'float' | 'int64';
  /** A number is a fixed size; a string names a symbolic (dynamic) dimension. */
  shape: Array<number | string>;
}

/** ValueInfoProto{name=1, type=2} → TypeProto{tensor_type=1} → {elem_type=1, shape=2} → dim=1{dim_value=1 | dim_param=2}. */
function valueInfoProto(v: ValueSpec): Field[] {
  const dims = v.shape.map((d) => messageField(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]));
  const tensorType = [intField(1, v.type === 'float' ? DataType.FLOAT : DataType.INT64), messageField(2, dims)];
  return [stringField(1, v.name), messageField(2, [messageField(1, tensorType)])];
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorInit[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

/**
 * ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8.
 * GraphProto: node=1, name=2, initializer=5, input=11, output=12.
 */
export function encodeModel(graph: GraphSpec, opset = 13): Uint8Array {
  const graphParts: Field[] = [
    ...graph.nodes.map((n, i) => messageField(1, nodeProto(n, i))),
    stringField(2, graph.name),
    ...graph.initializers.map((t) => messageField(5, tensorProto(t))),
    ...graph.inputs.map((v) => messageField(11, valueInfoProto(v))),
    ...graph.outputs.map((v) => messageField(12, valueInfoProto(v))),
  ];
  return concat([
    intField(1, 8), // IR version 8 (ONNX 1.13+), understood by onnxruntime 1.14+
    stringField(2, 'mrag-bot clip fixture generator'),
    messageField(7, graphParts),
    messageField(8, [stringField(1, ''), intField(2, opset)]),
  ]);
}
