// The real tus-js-client (the browser's upload library, here in Node) against a running portal.
// Run: PORTAL_URL=http://127.0.0.1:5080 node --test   (the end-to-end suite does this against its own portal)
// Optional: PORTAL_TEST_VIDEO=path of a real clip (default ../../../shared/data/video/k400_archery.avi).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tus from 'tus-js-client';

const here = path.dirname(fileURLToPath(import.meta.url));
const portal = (process.env.PORTAL_URL ?? '').replace(/\/$/, '');
// The API wants a personal token: `./portal token create EMAIL` prints one.
const auth = { Authorization: `Bearer ${process.env.PORTAL_TOKEN ?? ''}` };
const clip = process.env.PORTAL_TEST_VIDEO ?? path.join(here, '..', '..', '..', 'shared', 'data', 'video', 'k400_archery.avi');
assert.ok(portal, 'set PORTAL_URL to the address of a running portal, e.g. http://127.0.0.1:5080');

const work = mkdtempSync(path.join(os.tmpdir(), 'portal-tus-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A file of random bytes: large enough that an upload can be cut part-way through. */
function randomFile(name, mebibytes) {
  const file = path.join(work, name);
  writeFileSync(file, randomBytes(mebibytes * 1024 * 1024));
  return file;
}

/** Runs one upload to the end; resolves with the video id the portal gave in Portal-Video-Id. */
function uploadToEnd(file, options = {}) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(file), {
      endpoint: `${portal}/api/uploads`,
      headers: auth,
      metadata: { filename: path.basename(file), filetype: 'video/mp4' },
      retryDelays: [],
      ...options,
      onError: reject,
      onSuccess: ({ lastResponse }) => resolve({ videoId: lastResponse.getHeader('Portal-Video-Id'), url: upload.url }),
    });
    upload.start();
  });
}

async function getVideo(id) {
  const response = await fetch(`${portal}/api/videos/${id}`, { headers: auth });
  assert.equal(response.status, 200, `GET /api/videos/${id}`);
  return response.json();
}

/** Waits until the probe has filled in the video's metadata (later stages are not this test's business). */
async function waitUntilProbed(id, seconds = 90) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const video = await getVideo(id);
    if (video.width != null || ['Succeeded', 'Failed', 'Canceled'].includes(video.status)) return video;
    assert.ok(Date.now() < deadline, `video ${id} still ${video.status} after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function serverOffset(url) {
  const response = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...auth } });
  assert.equal(response.status, 200, `HEAD ${url}`);
  return Number(response.headers.get('Upload-Offset'));
}

test('a plain upload becomes a video that is probed (320×240), with the file\'s SHA-256', async () => {
  const { videoId } = await uploadToEnd(clip, { metadata: { filename: path.basename(clip), filetype: 'video/x-msvideo' } });
  assert.match(videoId ?? '', /^[0-9a-f-]{36}$/);

  const video = await waitUntilProbed(videoId);
  assert.equal(video.width, 320, `not probed: ${video.status} ${video.error ?? ''}`);
  assert.equal(video.height, 240);
  assert.equal(video.fileName, path.basename(clip));
  assert.equal(video.sha256, sha256(clip));
  assert.equal(video.sizeBytes, readFileSync(clip).length);
});

test('an upload aborted part-way resumes from the server\'s offset and ends with the same SHA-256', async () => {
  const file = randomFile('interrupted.mp4', 48);
  const size = readFileSync(file).length;

  // Start, and abort the request once a quarter of the file has gone out.
  const url = await new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(file), {
      endpoint: `${portal}/api/uploads`,
      headers: auth,
      metadata: { filename: 'interrupted.mp4', filetype: 'video/mp4' },
      retryDelays: [],
      onError: reject,
      onSuccess: () => reject(new Error('the upload finished before it could be interrupted')),
      onProgress: (sent) => {
        if (sent >= size / 4 && upload.url) {
          upload.abort().then(() => resolve(upload.url), reject);
        }
      },
    });
    upload.start();
  });

  // The bytes that reached the server before the connection went are kept.
  await new Promise((r) => setTimeout(r, 500));
  const offset = await serverOffset(url);
  assert.ok(offset > 0 && offset < size, `the server kept ${offset} of ${size} bytes`);

  // A new client resumes the same upload: it asks for the offset and sends only the rest.
  const patchOffsets = [];
  const { videoId } = await uploadToEnd(file, {
    uploadUrl: url,
    onBeforeRequest: (req) => {
      if (req.getMethod() === 'PATCH') patchOffsets.push(Number(req.getHeader('Upload-Offset')));
    },
  });
  assert.deepEqual(patchOffsets, [offset]);

  const video = await getVideo(videoId);
  assert.equal(video.sizeBytes, size);
  assert.equal(video.sha256, sha256(file));
});

test('a connection that drops in the middle of a PATCH is retried by the client and the upload completes intact', async () => {
  const file = randomFile('dropped.mp4', 24);
  const size = readFileSync(file).length;
  const target = new URL(portal);
  const cutAfter = 6 * 1024 * 1024;
  let cut = false;

  // A loopback proxy that kills the first connection carrying more than cutAfter bytes: a real dropped connection.
  const proxy = net.createServer((client) => {
    const server = net.connect(Number(target.port), target.hostname);
    let forwarded = 0;
    client.on('data', (data) => {
      forwarded += data.length;
      if (!cut && forwarded > cutAfter) {
        cut = true;
        client.destroy();
        server.destroy();
        return;
      }
      server.write(data);
    });
    server.on('data', (data) => client.write(data));
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const proxied = `http://127.0.0.1:${proxy.address().port}`;

  try {
    const patchOffsets = [];
    const { videoId } = await uploadToEnd(file, {
      endpoint: `${proxied}/api/uploads`,
      retryDelays: [200, 500, 1000, 2000],
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') patchOffsets.push(Number(req.getHeader('Upload-Offset')));
      },
    });

    assert.ok(cut, 'the proxy never cut the connection');
    assert.ok(patchOffsets.length >= 2, `PATCH offsets ${patchOffsets}: the client did not resume`);
    assert.equal(patchOffsets[0], 0);
    assert.ok(patchOffsets.at(-1) > 0, `the resumed PATCH started at ${patchOffsets.at(-1)}, not after the kept bytes`);
    const video = await getVideo(videoId);
    assert.equal(video.sizeBytes, size);
    assert.equal(video.sha256, sha256(file));
  } finally {
    proxy.close();
  }
});
