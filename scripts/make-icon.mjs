#!/usr/bin/env node
// Draws the extension icon, media/icon.png (256x256 RGBA), without any image library:
// a shield on a Kubernetes-blue tile, holding three pods joined by allowed (blue) links and
// one denied (red, dashed) link. Shapes are signed-distance tests, anti-aliased by 4x4
// supersampling; the PNG is written with zlib.
//
//   node scripts/make-icon.mjs [OUT.png]

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const SIZE = 256;
const SAMPLES = 4;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(repoRoot, 'media', 'icon.png'));

const BLUE = [50, 108, 229];
const DARK = [28, 62, 140];
const WHITE = [255, 255, 255];
const RED = [220, 53, 69];

function roundedRect(x, y, x0, y0, x1, y1, r) {
  const cx = Math.max(x0 + r, Math.min(x, x1 - r));
  const cy = Math.max(y0 + r, Math.min(y, y1 - r));
  return Math.hypot(x - cx, y - cy) <= r && x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

// The shield outline as a polygon: a flat top with rounded shoulders, straight sides, and two
// quadratic curves meeting in a point at the bottom.
function shieldPolygon(cx, top, halfWidth, sideBottom, bottom) {
  const points = [];
  const q = (p0, p1, p2, steps) => {
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const a = (1 - t) * (1 - t);
      const b = 2 * (1 - t) * t;
      const c = t * t;
      points.push([a * p0[0] + b * p1[0] + c * p2[0], a * p0[1] + b * p1[1] + c * p2[1]]);
    }
  };
  points.push([cx, top - 6]);
  q([cx, top - 6], [cx + halfWidth * 0.55, top + 8], [cx + halfWidth, top], 24);
  points.push([cx + halfWidth, sideBottom]);
  q([cx + halfWidth, sideBottom], [cx + halfWidth, bottom - 30], [cx, bottom], 32);
  q([cx, bottom], [cx - halfWidth, bottom - 30], [cx - halfWidth, sideBottom], 32);
  points.push([cx - halfWidth, top]);
  q([cx - halfWidth, top], [cx - halfWidth * 0.55, top + 8], [cx, top - 6], 24);
  return points;
}

function insidePolygon(x, y, polygon) {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segmentDistance(x, y, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return { d: Math.hypot(x - (ax + t * dx), y - (ay + t * dy)), t };
}

const outer = shieldPolygon(128, 40, 86, 120, 232);
const inner = shieldPolygon(128, 56, 70, 122, 212);
const pods = [
  [96, 96],
  [162, 104],
  [128, 164],
];
const allowed = [
  [pods[0], pods[1]],
  [pods[0], pods[2]],
];
const denied = [pods[1], pods[2]];

/** The colour (RGBA) of one sample point; later shapes paint over earlier ones. */
function sample(x, y) {
  let color = null;
  if (roundedRect(x, y, 8, 8, 248, 248, 44)) color = BLUE;
  if (insidePolygon(x, y, outer)) color = WHITE;
  if (insidePolygon(x, y, inner)) color = [236, 242, 253];
  for (const [a, b] of allowed) if (segmentDistance(x, y, a, b).d <= 5) color = BLUE;
  const { d, t } = segmentDistance(x, y, denied[0], denied[1]);
  if (d <= 4.5 && Math.floor(t * 7) % 2 === 0) color = RED;
  for (const [px, py] of pods) {
    const r = Math.hypot(x - px, y - py);
    if (r <= 19) color = DARK;
    if (r <= 12) color = WHITE;
    if (r <= 7) color = BLUE;
  }
  return color ? [...color, 255] : [0, 0, 0, 0];
}

const rgba = Buffer.alloc(SIZE * SIZE * 4);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const c = sample(x + (sx + 0.5) / SAMPLES, y + (sy + 0.5) / SAMPLES);
        // Premultiply so that transparent samples do not darken the edges.
        sum[0] += c[0] * c[3];
        sum[1] += c[1] * c[3];
        sum[2] += c[2] * c[3];
        sum[3] += c[3];
      }
    }
    const i = (y * SIZE + x) * 4;
    const alpha = sum[3] / (SAMPLES * SAMPLES);
    rgba[i] = sum[3] ? Math.round(sum[0] / sum[3]) : 0;
    rgba[i + 1] = sum[3] ? Math.round(sum[1] / sum[3]) : 0;
    rgba[i + 2] = sum[3] ? Math.round(sum[2] / sum[3]) : 0;
    rgba[i + 3] = Math.round(alpha);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  rgba.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
}
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, png);
console.log(`${path.relative(process.cwd(), out)}: ${SIZE}x${SIZE}, ${png.length} bytes`);
