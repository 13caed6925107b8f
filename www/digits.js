// Handwritten digits for the demo: the data asset (www/build-data.mjs),
// turning a drawing into an MNIST-like 784-d vector, and drawing a vector as
// an image. No DOM needed except in `vectorToDataUrl`, so Node tests can use
// the rest.

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/**
 * The demo's seed: disjoint ranges of the (shuffled) asset, one per tenant of
 * index "digits"; the rest is the pool that "add samples" draws from.
 * Record ids are `mnist-<asset index, 5 digits>`.
 */
export const SEED = {
  tenants: [
    { name: 'acme', start: 0, count: 4000 },
    { name: 'globex', start: 4000, count: 3000 },
    { name: 'initech', start: 7000, count: 2000 },
  ],
  pool: { start: 9000, count: 1000 },
};

/** Parses www/data/mnist-digits.bin: `{ count, labels: Uint8Array, pixels: Uint8Array, vector(i), label(i) }`. */
export function parseDigits(buffer) {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'CDG1') throw new Error(`digits asset: bad magic ${JSON.stringify(magic)}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint32(4, true);
  if (dv.getUint16(8, true) !== SIDE || dv.getUint16(10, true) !== SIDE) throw new Error('digits asset: not 28x28');
  if (bytes.length !== 12 + count + count * PIXELS) throw new Error('digits asset: truncated');
  const labels = bytes.subarray(12, 12 + count);
  const pixels = bytes.subarray(12 + count);
  return {
    count,
    labels,
    pixels,
    label: (i) => labels[i],
    /** Digit `i` as numbers in [0, 1] (what is stored in the index). */
    vector(i) {
      const out = new Array(PIXELS);
      const off = i * PIXELS;
      for (let p = 0; p < PIXELS; p++) out[p] = Math.round((pixels[off + p] / 255) * 1000) / 1000;
      return out;
    },
  };
}

/**
 * MNIST-style normalisation of a drawing: `ink` holds one intensity in [0, 1]
 * per pixel of a `width` x `height` raster. The ink's bounding box is scaled
 * (box filter, aspect kept) to fit 20x20 and placed in a 28x28 frame with its
 * centre of mass at the centre, as the MNIST digits were made. Returns null
 * when there is no ink.
 */
export function inkToVector(ink, width, height, threshold = 0.05) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));

  // Box filter: each target pixel averages the source area it covers
  // (fractional edges weighted by overlap).
  const box = new Float32Array(tw * th);
  const sx = bw / tw;
  const sy = bh / th;
  for (let ty = 0; ty < th; ty++) {
    const fy0 = y0 + ty * sy, fy1 = fy0 + sy;
    for (let tx = 0; tx < tw; tx++) {
      const fx0 = x0 + tx * sx, fx1 = fx0 + sx;
      let sum = 0;
      for (let y = Math.floor(fy0); y < Math.ceil(fy1); y++) {
        const wy = Math.min(fy1, y + 1) - Math.max(fy0, y);
        if (wy <= 0) continue;
        for (let x = Math.floor(fx0); x < Math.ceil(fx1); x++) {
          const wx = Math.min(fx1, x + 1) - Math.max(fx0, x);
          if (wx <= 0) continue;
          sum += ink[y * width + x] * wx * wy;
        }
      }
      box[ty * tw + tx] = sum / (sx * sy);
    }
  }

  // Centre of mass of the box, moved to the frame's centre: as in MNIST, the
  // centre of mass in pixel-index coordinates lands on index 14 (rounded).
  let m = 0, cx = 0, cy = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = box[y * tw + x];
      m += v;
      cx += v * x;
      cy += v * y;
    }
  }
  const ox = Math.round(SIDE / 2 - (m ? cx / m : tw / 2));
  const oy = Math.round(SIDE / 2 - (m ? cy / m : th / 2));
  const dx = Math.min(SIDE - tw, Math.max(0, ox));
  const dy = Math.min(SIDE - th, Math.max(0, oy));
  const out = new Array(PIXELS).fill(0);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = Math.min(1, box[y * tw + x]);
      out[(y + dy) * SIDE + (x + dx)] = Math.round(v * 1000) / 1000;
    }
  }
  return out;
}

/** Squared euclidean distance (the index's euclidean score). */
export function squaredDistance(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

/** A 28x28 PNG data URL of a 784-d vector (light ink on the app's dark tile). */
export function vectorToDataUrl(values, canvas = document.createElement('canvas')) {
  canvas.width = SIDE;
  canvas.height = SIDE;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(SIDE, SIDE);
  // Background #10251b, ink #eafff3, linear blend by intensity.
  const bg = [16, 37, 27];
  const fg = [234, 255, 243];
  for (let p = 0; p < PIXELS; p++) {
    const v = Math.max(0, Math.min(1, values[p] ?? 0));
    img.data[p * 4] = bg[0] + (fg[0] - bg[0]) * v;
    img.data[p * 4 + 1] = bg[1] + (fg[1] - bg[1]) * v;
    img.data[p * 4 + 2] = bg[2] + (fg[2] - bg[2]) * v;
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL('image/png');
}
