// A TensorFlow.js graph model read from local files (MODEL.json and the weight shards it names), as the IOHandler
// that loadGraphModel and tfjs-models' modelUrl accept in place of a URL: nothing is fetched. Plain Node, no
// TensorFlow.js import, so tools/tfjs-bench uses it too.
import fs from 'node:fs';
import path from 'node:path';

export function localGraphModel(modelPath) {
  const modelJson = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  const directory = path.dirname(modelPath);
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const shards = Buffer.concat(modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(directory, p)))));
  const weightData = shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength);
  return { load: async () => ({ modelTopology: modelJson.modelTopology, format: modelJson.format, weightSpecs, weightData }) };
}
