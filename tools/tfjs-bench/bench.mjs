// tfjs-models' MoveNet MultiPose pipeline (@tensorflow-models/pose-detection) on the TensorFlow.js wasm backend, timed
// over the same decoded frames as ./portal bench-pose times ONNX Runtime on:
//   node bench.mjs MODEL.json WIDTH HEIGHT FRAMES REPEAT < frames.rgb
// stdin holds FRAMES raw RGB24 frames of WIDTH x HEIGHT one after another (what ffmpeg's rgb24 pipe gives). The graph
// is read from the local files the project converts from (no network); the .wasm binaries ship in the npm package.
// Prints one JSON line: frames/s (best of REPEAT passes), the backend, its threads and whether SIMD is on.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-converter';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as poseDetection from '@tensorflow-models/pose-detection';

const [modelPath, widthText, heightText, framesText, repeatText] = process.argv.slice(2);
if (!repeatText) {
  console.error('usage: node bench.mjs MODEL.json WIDTH HEIGHT FRAMES REPEAT < frames.rgb');
  process.exit(2);
}
const [width, height, count, repeat] = [widthText, heightText, framesText, repeatText].map(Number);

const raw = fs.readFileSync(0);
const frameBytes = width * height * 3;
if (raw.length !== count * frameBytes) {
  console.error(`expected ${count} frames of ${frameBytes} bytes on stdin, got ${raw.length} bytes`);
  process.exit(1);
}

await tf.setBackend('wasm');
await tf.ready();

// The same load-from-files handler as tools/tfjs-reference: modelUrl takes an IOHandler as well as a URL.
const modelJson = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
const directory = path.dirname(modelPath);
const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
const shards = Buffer.concat(modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(directory, p)))));
const weightData = shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength);
const detector = await poseDetection.createDetector(poseDetection.SupportedModels.MoveNet, {
  modelType: poseDetection.movenet.modelType.MULTIPOSE_LIGHTNING,
  modelUrl: { load: async () => ({ modelTopology: modelJson.modelTopology, format: modelJson.format, weightSpecs, weightData }) },
  enableTracking: false, // our float and int8 rows do not track either
  multiPoseMaxDimension: 256, // the input side our MultiPose graphs run at
});

const frames = [];
for (let i = 0; i < count; i++) {
  frames.push(tf.tensor3d(new Int32Array(raw.subarray(i * frameBytes, (i + 1) * frameBytes)), [height, width, 3], 'int32'));
}

let people = 0;
for (let i = 0; i < 3; i++) {
  await detector.estimatePoses(frames[i % count]); // warm-up: the first calls compile and allocate
}
let best = Infinity;
for (let r = 0; r < repeat; r++) {
  people = 0;
  const start = process.hrtime.bigint();
  for (const frame of frames) {
    people += (await detector.estimatePoses(frame)).length;
  }
  best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
}
console.log(JSON.stringify({
  framesPerSecond: count / best,
  peoplePerFrame: people / count,
  backend: tf.getBackend(),
  threads: wasm.getThreadsCount(),
  simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
  tfjs: tf.version_core,
}));
