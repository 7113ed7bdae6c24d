// Review player: draws the tracked skeletons over the review proxy frame by frame, moves the timeline's playhead,
// draws the frame-importance strips, and handles seeking clicks and keyboard shortcuts. The Blazor page renders the
// timeline, the segment list and the editor; this module only reads them from the DOM (data-seek, data-track).

const CHUNK_SECONDS = 5;      // poses and attention are fetched this many seconds at a time
const MAX_CHUNKS = 48;        // kept in memory (about four minutes of video)
const COCO_BONES = [[0, 1], [0, 2], [1, 3], [2, 4], [5, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11], [6, 12],
    [11, 12], [11, 13], [13, 15], [12, 14], [14, 16]];
const TRACK_COLORS = ['#2f7de1', '#e8663d', '#27a35a', '#b04fd6', '#d4a017', '#14a3a3', '#d6457a', '#6b7a8f'];
const MIN_KEYPOINT_SCORE = 0.2;

/** Attaches the player to the review root element; returns { currentTime, dispose } for the page. */
export function attach(root) {
    // One player per page: attaching again replaces the previous one rather than doubling its handlers.
    root.reviewPlayer?.dispose();
    root.reviewPlayer = createPlayer(root);
    return root.reviewPlayer;
}

function createPlayer(root) {
    const video = root.querySelector('video');
    const canvas = root.querySelector('[data-testid="overlay-canvas"]');
    const context = canvas.getContext('2d');
    const videoId = root.dataset.videoId;
    const duration = parseFloat(root.dataset.duration) || 0;
    const fps = parseFloat(root.dataset.fps) || 25;
    const analysisFps = parseFloat(root.dataset.analysisFps) || 10;
    const chunks = new Map();
    let strips = null;
    let frameHandle = 0;
    let disposed = false;
    let lastDrawn = -1;

    function chunk(index) {
        if (index < 0 || index * CHUNK_SECONDS > duration + 1) {
            return null;
        }

        let entry = chunks.get(index);
        if (!entry) {
            const from = index * CHUNK_SECONDS;
            const to = from + CHUNK_SECONDS;
            entry = { ready: false, frames: [], windows: [], width: 0, height: 0 };
            chunks.set(index, entry);
            Promise.all([
                fetchJson(`/api/videos/${videoId}/poses?from=${from}&to=${to}`),
                fetchJson(`/api/videos/${videoId}/attention?from=${from}&to=${to}&joints=true`).catch(() => ({ windows: [] })),
            ]).then(([poses, attention]) => {
                entry.frames = poses.frames || [];
                entry.width = poses.width;
                entry.height = poses.height;
                entry.windows = attention.windows || [];
                entry.ready = true;
                if (!disposed) {
                    draw(video.currentTime, true);
                }
            }).catch(() => chunks.delete(index));
            while (chunks.size > MAX_CHUNKS) {
                chunks.delete(chunks.keys().next().value);
            }
        }

        return entry;
    }

    function nearestFrame(frames, time) {
        let lo = 0;
        let hi = frames.length - 1;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (frames[mid].time < time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }

        let best = null;
        for (const i of [lo - 1, lo]) {
            const f = frames[i];
            if (f && (!best || Math.abs(f.time - time) < Math.abs(best.time - time))) {
                best = f;
            }
        }

        return best && Math.abs(best.time - time) <= 1 / analysisFps ? best : null;
    }

    /** Joint attention of one track at one time, each joint relative to the mean (1 = average), or null. */
    function jointWeights(windows, trackId, time) {
        let best = null;
        for (const w of windows) {
            if (w.trackId === trackId && w.jointAttention && w.jointAttention.length && time >= w.startSeconds && time <= w.endSeconds) {
                const centre = (w.startSeconds + w.endSeconds) / 2;
                if (!best || Math.abs(centre - time) < Math.abs((best.startSeconds + best.endSeconds) / 2 - time)) {
                    best = w;
                }
            }
        }

        if (!best) {
            return null;
        }

        const rows = best.jointAttention;
        const t = Math.min(rows.length - 1, Math.max(0, Math.floor((time - best.startSeconds) / (best.endSeconds - best.startSeconds) * rows.length)));
        return rows[t].map(v => v * rows[t].length);
    }

    function draw(time, force) {
        updatePlayhead(time);
        const index = Math.floor(time / CHUNK_SECONDS);
        const entry = chunk(index);
        chunk(index + 1); // a few seconds ahead, so playing never waits
        if (!entry || !entry.ready) {
            return;
        }

        const frame = nearestFrame(entry.frames, time);
        const key = frame ? frame.index : -2;
        if (key === lastDrawn && !force) {
            return;
        }

        lastDrawn = key;
        const width = video.videoWidth || entry.width;
        const height = video.videoHeight || entry.height;
        if (canvas.width !== width || canvas.height !== height) {
            canvas.width = width;
            canvas.height = height;
        }

        context.clearRect(0, 0, canvas.width, canvas.height);
        if (!frame || !entry.width || !entry.height) {
            return;
        }

        const sx = canvas.width / entry.width;
        const sy = canvas.height / entry.height;
        const scale = Math.max(1, canvas.width / 640);
        for (const person of frame.persons) {
            const color = TRACK_COLORS[((person.trackId ?? 1) - 1) % TRACK_COLORS.length];
            const points = person.keypoints;
            context.strokeStyle = color;
            context.lineWidth = 2.5 * scale;
            context.beginPath();
            for (const [a, b] of COCO_BONES) {
                if (points[a] && points[b] && points[a][2] >= MIN_KEYPOINT_SCORE && points[b][2] >= MIN_KEYPOINT_SCORE) {
                    context.moveTo(points[a][0] * sx, points[a][1] * sy);
                    context.lineTo(points[b][0] * sx, points[b][1] * sy);
                }
            }

            context.stroke();
            const weights = jointWeights(entry.windows, person.trackId, time);
            points.forEach(([x, y, score], j) => {
                if (score < MIN_KEYPOINT_SCORE) {
                    return;
                }

                // Joint attention: above-average joints are bigger and warmer (yellow to red); without it, track colour.
                const w = weights ? Math.min(3, weights[j] ?? 1) : null;
                context.fillStyle = w === null ? color : `hsl(${Math.round(60 - 20 * w)} 95% 50%)`;
                context.beginPath();
                context.arc(x * sx, y * sy, (w === null ? 3.5 : 2.5 + 2.5 * w) * scale, 0, 2 * Math.PI);
                context.fill();
            });
            if (person.box) {
                context.fillStyle = color;
                context.font = `${Math.round(12 * scale)}px system-ui, sans-serif`;
                context.fillText(`Person ${person.trackId ?? '?'}`, person.box[0] * sx, Math.max(12 * scale, person.box[1] * sy - 4));
            }
        }
    }

    function updatePlayhead(time) {
        const playhead = root.querySelector('[data-testid="playhead"]');
        if (playhead && duration > 0) {
            playhead.style.left = `${Math.min(100, Math.max(0, time / duration * 100))}%`;
            const scroller = root.querySelector('.timeline-scroll');
            if (scroller && scroller.scrollWidth > scroller.clientWidth && !video.paused) {
                const x = playhead.offsetLeft;
                if (x < scroller.scrollLeft || x > scroller.scrollLeft + scroller.clientWidth - 20) {
                    scroller.scrollLeft = Math.max(0, x - scroller.clientWidth / 4);
                }
            }
        }

        const label = root.querySelector('[data-testid="review-time"]');
        if (label) {
            const minutes = Math.floor(time / 60);
            label.textContent = `${minutes}:${(time - minutes * 60).toFixed(1).padStart(4, '0')}`;
        }

        drawStrips();
    }

    /** Frame importance per track: the model's frame attention, scaled so 1 is an average frame. */
    function drawStrips() {
        if (!strips) {
            strips = { windows: [] };
            fetchJson(`/api/videos/${videoId}/attention?joints=false`).then(a => {
                strips.windows = a.windows || [];
                root.querySelectorAll('canvas.importance').forEach(c => delete c.dataset.drawn);
                drawStrips();
            }).catch(() => { });
            return;
        }

        for (const strip of root.querySelectorAll('canvas.importance:not([data-drawn])')) {
            if (!strips.windows.length || duration <= 0) {
                continue;
            }

            const trackId = parseInt(strip.dataset.track, 10);
            const g = strip.getContext('2d');
            g.clearRect(0, 0, strip.width, strip.height);
            for (const w of strips.windows) {
                if (w.trackId !== trackId) {
                    continue;
                }

                const count = w.frameAttention.length;
                const step = (w.endSeconds - w.startSeconds) / count;
                w.frameAttention.forEach((v, t) => {
                    const level = Math.min(1, v * count / 3);
                    const x = (w.startSeconds + t * step) / duration * strip.width;
                    g.fillStyle = `rgba(214, 69, 40, ${0.15 + 0.85 * level})`;
                    g.fillRect(x, strip.height * (1 - level), Math.max(1, step / duration * strip.width), strip.height * level);
                });
            }

            strip.dataset.drawn = '1';
        }
    }

    function seek(time) {
        video.currentTime = Math.min(Math.max(0, time), video.duration || duration);
        draw(video.currentTime, true);
    }

    function segmentStarts() {
        const starts = [...root.querySelectorAll('[data-testid="timeline-segment"]')].map(s => parseFloat(s.dataset.seek));
        return [...new Set(starts)].sort((a, b) => a - b);
    }

    function onClick(event) {
        const target = event.target.closest('[data-seek]');
        if (target && root.contains(target)) {
            seek(parseFloat(target.dataset.seek));
            return;
        }

        const inner = event.target.closest('.timeline-inner');
        if (inner) {
            const rect = inner.getBoundingClientRect();
            seek((event.clientX - rect.left) / rect.width * duration);
        }
    }

    function isTyping(target) {
        return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
    }

    function onKey(event) {
        if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
            return;
        }

        const t = video.currentTime;
        switch (event.key) {
            case ' ':
                if (event.type === 'keydown') {
                    video.paused ? video.play() : video.pause();
                }
                break;
            case ',':
            case '.':
                if (event.type === 'keydown') {
                    video.pause();
                    seek(t + (event.key === '.' ? 1 : -1) / fps);
                }
                break;
            case 'n':
            case 'p':
                if (event.type === 'keydown') {
                    const starts = segmentStarts();
                    // "p" from inside a segment goes to its start unless that is less than a quarter second back.
                    const next = event.key === 'n' ? starts.find(s => s > t + 0.001) : starts.filter(s => s < t - 0.25).pop();
                    if (next !== undefined) {
                        seek(next);
                    }
                }
                break;
            default:
                return;
        }

        // Also on keyup: a focused button would otherwise be clicked by the space bar.
        event.preventDefault();
    }

    function frameLoop(now, metadata) {
        if (disposed) {
            return;
        }

        draw(metadata.mediaTime);
        frameHandle = video.requestVideoFrameCallback(frameLoop);
    }

    const onTime = () => draw(video.currentTime);
    let animation = 0;
    const fallbackLoop = () => {
        draw(video.currentTime);
        if (!video.paused && !disposed) {
            animation = requestAnimationFrame(fallbackLoop);
        }
    };
    const onPlay = () => { animation = requestAnimationFrame(fallbackLoop); };

    const hasFrameCallback = 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
    if (hasFrameCallback) {
        frameHandle = video.requestVideoFrameCallback(frameLoop);
    } else {
        video.addEventListener('play', onPlay);
    }

    // Seeks while paused and the first frame also need drawing; timeupdate is the fallback's clock.
    for (const name of ['seeked', 'loadeddata', 'timeupdate']) {
        video.addEventListener(name, onTime);
    }

    root.addEventListener('click', onClick);
    document.addEventListener('keydown', onKey);
    document.addEventListener('keyup', onKey);
    draw(0, true);

    return {
        currentTime: () => video.currentTime,
        dispose: () => {
            disposed = true;
            if (hasFrameCallback && frameHandle) {
                video.cancelVideoFrameCallback(frameHandle);
            }

            cancelAnimationFrame(animation);
            video.removeEventListener('play', onPlay);
            for (const name of ['seeked', 'loadeddata', 'timeupdate']) {
                video.removeEventListener(name, onTime);
            }

            root.removeEventListener('click', onClick);
            document.removeEventListener('keydown', onKey);
            document.removeEventListener('keyup', onKey);
        },
    };
}

async function fetchJson(url) {
    const response = await fetch(url);
    if (!response.ok) {
        throw new Error(`${url}: ${response.status}`);
    }

    return response.json();
}
