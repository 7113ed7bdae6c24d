// Runs tfjs-models' own MoveNet MultiPose pipeline (@tensorflow-models/pose-detection: its resize, padding and
// decoding around the graph) on the pure JavaScript CPU backend, as the reference for the shape of MultiPose's input.
//   node run-multipose.mjs MODEL.json FRAMES.rgb N WIDTH HEIGHT OUT.json
// FRAMES.rgb holds N raw RGB24 frames of WIDTH x HEIGHT one after another; OUT.json receives, per frame, the people
// found: keypoints as [x, y, score] in source pixels and the person's score. Tracking and smoothing are off (they
// carry state from frame to frame, which the comparison does not want).
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-converter';
import * as poseDetection from '@tensorflow-models/pose-detection';
import { localGraphModel } from './model-files.mjs';

const [modelPath, framesPath, nText, wText, hText, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: node run-multipose.mjs MODEL.json FRAMES.rgb N WIDTH HEIGHT OUT.json');
  process.exit(2);
}
const [n, width, height] = [nText, wText, hText].map(Number);
const raw = fs.readFileSync(framesPath);
const frameBytes = width * height * 3;
if (raw.length !== n * frameBytes) {
  console.error(`expected ${n} frames of ${frameBytes} bytes, got ${raw.length} bytes`);
  process.exit(1);
}

await tf.setBackend('cpu');
const detector = await poseDetection.createDetector(poseDetection.SupportedModels.MoveNet, {
  modelType: poseDetection.movenet.modelType.MULTIPOSE_LIGHTNING,
  modelUrl: localGraphModel(modelPath),
  enableTracking: false,
  enableSmoothing: false,
  multiPoseMaxDimension: 256,
});

const frames = [];
for (let i = 0; i < n; i++) {
  const image = tf.tensor3d(new Int32Array(raw.subarray(i * frameBytes, (i + 1) * frameBytes)), [height, width, 3], 'int32');
  const poses = await detector.estimatePoses(image, { maxPoses: 6 });
  image.dispose();
  frames.push(poses.map((pose) => ({ score: pose.score, keypoints: pose.keypoints.map((k) => [k.x, k.y, k.score]) })));
}
fs.writeFileSync(outPath, JSON.stringify(frames));
