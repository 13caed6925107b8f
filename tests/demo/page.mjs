// Driving the demo page (www/) from tests: readiness, drawing strokes on the
// pad with real mouse events, and reading what the page shows.

import assert from 'node:assert/strict';

/** Strokes in pad pixels (the pad is 280x280), one array of [x, y] per stroke. */
export const STROKES = {
  one: [[[141, 40], [141, 240]]],
  zero: [
    Array.from({ length: 41 }, (_, i) => {
      const a = (i / 40) * 2 * Math.PI;
      return [140 + 62 * Math.sin(a), 140 - 95 * Math.cos(a)];
    }),
  ],
  seven: [[[70, 50], [210, 50], [120, 240]]],
};

export async function waitReady(page, timeout = 60_000) {
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== 'true') {
    const text = await page.locator('#overlay').innerText();
    assert.fail(`the demo did not start: ${text}`);
  }
}

export async function resultsSeq(page) {
  return Number((await page.getAttribute('#results', 'data-seq')) ?? 0);
}

/** Runs `action` and waits until the results panel has re-rendered after it. */
export async function afterResults(page, action) {
  const seq = await resultsSeq(page);
  await action();
  await page.waitForFunction((s) => Number(document.querySelector('#results').dataset.seq ?? 0) > s, seq, {
    timeout: 30_000,
  });
  return readResults(page);
}

/** Draws strokes on the pad with mouse events (interpolated every ~8 px). */
export async function draw(page, strokes) {
  const box = await page.locator('#pad').boundingBox();
  const k = box.width / 280;
  for (const stroke of strokes) {
    const [x0, y0] = stroke[0];
    await page.mouse.move(box.x + x0 * k, box.y + y0 * k);
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) {
      const [ax, ay] = stroke[i - 1];
      const [bx, by] = stroke[i];
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / 8));
      await page.mouse.move(box.x + bx * k, box.y + by * k, { steps });
    }
    await page.mouse.up();
  }
}

/** Clears the pad, draws, and returns the results of the query the drawing ran. */
export async function drawAndSearch(page, strokes) {
  await afterResults(page, () => page.click('[data-testid=clear]'));
  return afterResults(page, () => draw(page, strokes));
}

/**
 * The result cards: id, label, score (as shown in data attributes and text),
 * and whether the image is a decoded 28x28 picture with ink on it.
 */
export async function readResults(page) {
  return page.$$eval('#results figure.result', (figs) =>
    figs.map((f) => {
      const img = f.querySelector('img');
      let inked = false;
      if (img && img.complete && img.naturalWidth > 0) {
        const c = document.createElement('canvas');
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let lo = 255;
        let hi = 0;
        for (let i = 0; i < d.length; i += 4) {
          lo = Math.min(lo, d[i + 1]);
          hi = Math.max(hi, d[i + 1]);
        }
        inked = hi - lo > 100;
      }
      return {
        id: f.dataset.id,
        label: f.dataset.label === '' ? null : Number(f.dataset.label),
        score: Number(f.dataset.score),
        scoreText: f.querySelector('.score')?.textContent ?? '',
        imgWidth: img?.naturalWidth ?? 0,
        imgHeight: img?.naturalHeight ?? 0,
        inked,
      };
    }),
  );
}

/** Tenant name -> record count as the tenant list shows it. */
export async function tenantCounts(page) {
  return page.$$eval('#tenant-list .tenant', (bs) =>
    Object.fromEntries(bs.map((b) => [b.dataset.ns, Number(b.querySelector('.tenant-count').textContent.replace(/,/g, ''))])),
  );
}

/** Tenant name -> record count from the stats panel (describeIndexStats). */
export async function statsCounts(page) {
  return page.$$eval('#ns-stats li', (lis) =>
    Object.fromEntries(lis.map((li) => [li.dataset.ns, Number(li.querySelector('.ns-count').textContent.replace(/,/g, ''))])),
  );
}

export async function switchTenant(page, name) {
  await page.click(`#tenant-list .tenant[data-ns="${name}"]`);
  await page.waitForFunction((n) => document.querySelector('#tenant-title').textContent === n, name);
}

/** Waits for a toast whose text matches `re`; returns its text. */
export async function waitToast(page, re, kind) {
  const loc = page.locator(`#toasts .toast${kind ? `.${kind}` : ''}`, { hasText: re });
  await loc.first().waitFor({ timeout: 60_000 });
  return loc.first().innerText();
}
