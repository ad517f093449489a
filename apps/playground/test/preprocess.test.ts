import { data } from 'tessera/node';
import { describe, expect, it } from 'vitest';
import { type GrayImage, DIGIT_BOX, boundingBox, centreOfMass, resize, toMnist } from '../src/preprocess.js';

function image(width: number, height: number, ink: (x: number, y: number) => number): GrayImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = ink(x, y);
  return { data, width, height };
}

const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);

describe('MNIST-style preprocessing of a drawing', () => {
  it('finds the bounding box of the ink (exclusive end)', () => {
    const img = image(10, 8, (x, y) => (x >= 2 && x <= 5 && y >= 3 && y <= 6 ? 1 : 0));
    expect(boundingBox(img)).toEqual({ x0: 2, y0: 3, x1: 6, y1: 7 });
    expect(boundingBox(image(4, 4, () => 0))).toBeNull();
  });

  it('resizes by area averaging: the mean is preserved and a 2×2 block becomes one pixel', () => {
    const img = image(6, 4, (x, y) => (x + 3 * y) / 20);
    const half = resize(img, 3, 2);
    expect(half.data[0]).toBeCloseTo((img.data[0] + img.data[1] + img.data[6] + img.data[7]) / 4, 6);
    expect(sum(half.data) / 6).toBeCloseTo(sum(img.data) / 24, 6);
    const odd = resize(img, 4, 3); // non-integer ratios: weights still sum to one
    expect(sum(odd.data) / 12).toBeCloseTo(sum(img.data) / 24, 6);
  });

  it('scales the longer side to 20 pixels and puts the centre of mass at pixel (14, 14)', () => {
    // A tall bar, off-centre on a 280×280 pad.
    const pad = image(280, 280, (x, y) => (x >= 30 && x < 70 && y >= 20 && y < 220 ? 1 : 0));
    const out = toMnist(pad);
    expect(out).not.toBeNull();
    const digit = { data: out!, width: 28, height: 28 };
    const box = boundingBox(digit, 0.01)!;
    expect(box.y1 - box.y0).toBe(DIGIT_BOX);
    expect(box.x1 - box.x0).toBe(4); // aspect kept: 40/200 of 20
    const c = centreOfMass(digit);
    expect(Math.abs(c.x - 14.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(c.y - 14.5)).toBeLessThanOrEqual(0.5);
    expect(toMnist(image(280, 280, () => 0))).toBeNull();
  });

  it('turns real MNIST digits drawn large on the pad back into (nearly) themselves', () => {
    const test = data.MNIST.sample({ split: 'test' });
    for (let i = 0; i < 20; i++) {
      const { image: bytes } = test.get(i);
      // Draw the digit 10× larger somewhere on a 320×320 pad (nearest neighbour).
      const ox = 13 + 2 * i, oy = 27 - i;
      const pad = image(320, 320, (x, y) => {
        const sx = Math.floor((x - ox) / 10), sy = Math.floor((y - oy) / 10);
        return sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? bytes[sy * 28 + sx] / 255 : 0;
      });
      const out = toMnist(pad)!;
      const orig = Float32Array.from(bytes, (b) => b / 255);
      const dot = sum(out.map((v, k) => v * orig[k]));
      const corr = dot / Math.sqrt(sum(out.map((v) => v * v)) * sum(orig.map((v) => v * v)));
      expect(corr, `digit ${i}`).toBeGreaterThan(0.95);
    }
  });
});
