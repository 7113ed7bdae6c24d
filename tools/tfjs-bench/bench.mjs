// tfjs-models' MoveNet MultiPose pipeline (@tensorflow-models/pose-detection) on the TensorFlow.js wasm backend, timed
// over the same decoded frames as ./portal bench-pose times ONNX Runtime on:
//   node bench.mjs MODEL.json WIDTH HEIGHT FRAMES REPEAT < frames.rgb
// stdin holds FRAMES raw RGB24 frames of WIDTH x HEIGHT one after another (what ffmpeg's rgb24 pipe gives). The graph
// is read from the local files the project converts from (no network); the .wasm binaries ship in the npm package.
// Prints one JSON line: frames/s (best of REPEAT passes), the backend, its threads and whether SIMD is on.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-converter';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as poseDetection from '@tensorflow-models/pose-detection';
import { localGraphModel } from '../tfjs-reference/model-files.mjs';

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

// modelUrl takes an IOHandler as well as a URL: the graph from local files (tools/tfjs-reference's loader).
const detector = await poseDetection.createDetector(poseDetection.SupportedModels.MoveNet, {
  modelType: poseDetection.movenet.modelType.MULTIPOSE_LIGHTNING,
  modelUrl: localGraphModel(modelPath),
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
