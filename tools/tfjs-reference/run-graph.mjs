// Runs a TensorFlow.js graph model on the pure JavaScript CPU backend, as the reference for the ONNX parity test.
//   node run-graph.mjs MODEL.json INPUTS.bin N H W OUTPUTS.bin
// INPUTS.bin holds N int32 NHWC images [1, H, W, 3] one after another (little-endian); OUTPUTS.bin receives the
// float32 outputs of the N runs one after another, and the output shape is printed as JSON on stdout.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { localGraphModel } from './model-files.mjs';

const [modelPath, inputsPath, nText, hText, wText, outputsPath] = process.argv.slice(2);
if (!outputsPath) {
  console.error('usage: node run-graph.mjs MODEL.json INPUTS.bin N H W OUTPUTS.bin');
  process.exit(2);
}
const [n, h, w] = [nText, hText, wText].map(Number);

await tf.setBackend('cpu');
const model = await loadGraphModel(localGraphModel(modelPath));

const raw = fs.readFileSync(inputsPath);
const pixels = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const frameSize = h * w * 3;
if (pixels.length !== n * frameSize) {
  console.error(`expected ${n * frameSize} int32 values, got ${pixels.length}`);
  process.exit(1);
}
const out = fs.openSync(outputsPath, 'w');
let shape = null;
for (let i = 0; i < n; i++) {
  const input = tf.tensor4d(pixels.subarray(i * frameSize, (i + 1) * frameSize), [1, h, w, 3], 'int32');
  const output = await model.executeAsync(input);
  const result = Array.isArray(output) ? output[0] : output;
  shape = result.shape;
  const values = await result.data();
  fs.writeSync(out, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  tf.dispose([input, output]);
}
fs.closeSync(out);
console.log(JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, shape }));
