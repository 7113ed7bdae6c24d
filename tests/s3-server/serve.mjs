// An S3-protocol server for the media store's tests: node serve.mjs DIRECTORY BUCKET.
// Listens on a free port of 127.0.0.1 and prints one line, {"port":N}, once it accepts requests; stops on SIGTERM.
import { createRequire } from 'node:module';
import S3rver from 's3rver';

// s3rver 3.7.1 reads the copy source of a CopyObject with decodeURI, which leaves '%2F' encoded, so a key with a '/'
// (every Portal key) is "not found"; S3 decodes the header fully. The routes call the controller through its module
// object, so decoding first here is enough (signatures were checked before the controller runs).
const objectController = createRequire(import.meta.url)('s3rver/lib/controllers/object.js');
const putObjectCopy = objectController.putObjectCopy;
objectController.putObjectCopy = (ctx) => {
  ctx.headers['x-amz-copy-source'] = decodeURIComponent(ctx.headers['x-amz-copy-source']);
  return putObjectCopy(ctx);
};

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket) {
  console.error('usage: node serve.mjs DIRECTORY BUCKET');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
console.log(JSON.stringify({ port }));
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
