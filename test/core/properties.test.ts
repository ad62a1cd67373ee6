import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  MAX_FILES_PER_UPLOAD,
  RasterApiError,
  RasterClient,
  batchFileParts,
  chunk,
  createRetryPolicy,
  parseRetryAfter,
  redactText,
  type FilePart,
} from '@raster-toolkit/core';
import { createMultipartBody } from '@raster-toolkit/core/node';

import { fakeTransport } from './support/fake-transport';

const filePart = fc.record({
  filename: fc.string({ minLength: 1, maxLength: 12 }),
  size: fc.nat({ max: 1000 }),
});

function toParts(records: Array<{ filename: string; size: number }>): FilePart[] {
  return records.map(({ filename, size }) => ({
    filename,
    contentType: 'image/png',
    size,
    source: { kind: 'path', path: `/files/${filename}` },
  }));
}

describe('batchFileParts properties', () => {
  it('keeps order and stays within both limits', () => {
    fc.assert(
      fc.property(fc.array(filePart, { maxLength: 80 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3000 }), (records, maxFiles, maxBytes) => {
        const files = toParts(records);
        const batches = batchFileParts(files, { maxFiles, maxBytes });

        expect(batches.flat()).toEqual(files);
        for (const batch of batches) {
          const bytes = batch.reduce((sum, file) => sum + file.size, 0);
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(Math.min(maxFiles, MAX_FILES_PER_UPLOAD));
          if (batch.length > 1) {
            expect(bytes).toBeLessThanOrEqual(maxBytes);
          }
        }
      }),
    );
  });

  it('starts a batch only when the next file does not fit', () => {
    fc.assert(
      fc.property(fc.array(filePart, { maxLength: 60 }), fc.integer({ min: 1, max: 3000 }), (records, maxBytes) => {
        const batches = batchFileParts(toParts(records), { maxBytes });

        for (let index = 1; index < batches.length; index += 1) {
          const previous = batches[index - 1]!;
          const first = batches[index]![0]!;
          const previousBytes = previous.reduce((sum, file) => sum + file.size, 0);
          expect(previous.length === MAX_FILES_PER_UPLOAD || previousBytes + first.size > maxBytes).toBe(true);
        }
      }),
    );
  });
});

describe('chunk properties', () => {
  it('splits into full groups and one remainder', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 150 }), (items, size) => {
        const groups = chunk(items, size);

        expect(groups.flat()).toEqual(items);
        expect(groups.length).toBe(Math.ceil(items.length / size));
        expect(groups.slice(0, -1).every((group) => group.length === size)).toBe(true);
      }),
    );
  });
});

describe('redactText properties', () => {
  it('leaves no occurrence of the secret', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 6, maxLength: 40 }), fc.string(), (before, secret, after) => {
        fc.pre(!'[REDACTED]'.includes(secret) && secret.trim().length > 0);

        expect(redactText(`${before}${secret}${after}${secret}`, [secret])).not.toContain(secret);
      }),
    );
  });

  it('removes any Raster-shaped key', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{4,40}$/), fc.constantFrom('', ' ', 'Bearer ', 'key=', '"'), (token, prefix) => {
        expect(redactText(`${prefix}pk_${token} end`)).not.toContain(`pk_${token}`);
      }),
    );
  });
});

describe('parseRetryAfter properties', () => {
  it('reads any delay in seconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (seconds) => {
        expect(parseRetryAfter(String(seconds), 0)).toBe(seconds * 1000);
      }),
    );
  });

  it('reads any HTTP date to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: -100_000, max: 100_000 }), (seconds, offset) => {
        const date = seconds * 1000;
        const now = date - offset * 1000;

        expect(parseRetryAfter(new Date(date).toUTCString(), now)).toBe(Math.max(0, offset * 1000));
      }),
    );
  });
});

describe('retry policy properties', () => {
  it('keeps every backoff within the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.nat({ max: 100_000 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        fc.constantFrom('full' as const, 'decorrelated' as const, 'none' as const),
        (attempt, previousDelayMs, draw, jitter) => {
          const policy = createRetryPolicy({ maxAttempts: 31, baseDelayMs: 100, maxDelayMs: 5000, jitter }, () => draw);
          const decision = policy.decide({ attempt, idempotent: true, previousDelayMs, failure: { kind: 'status', status: 503 } });

          expect(decision.retry).toBe(true);
          if (decision.retry) {
            expect(decision.delayMs).toBeGreaterThanOrEqual(0);
            expect(decision.delayMs).toBeLessThanOrEqual(5000);
          }
        },
      ),
    );
  });
});

describe('multipart body properties', () => {
  it('has exactly the declared length and every part intact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ filename: fc.string({ minLength: 1, maxLength: 20 }), bytes: fc.uint8Array({ maxLength: 300 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (records) => {
          const files: FilePart[] = records.map(({ filename, bytes }) => ({
            filename,
            contentType: 'image/png',
            size: bytes.byteLength,
            source: { kind: 'bytes', bytes },
          }));

          const body = await createMultipartBody(files);
          const chunks: Buffer[] = [];
          for await (const piece of body.stream) {
            chunks.push(Buffer.from(piece as Uint8Array));
          }
          const received = Buffer.concat(chunks);

          expect(received.byteLength).toBe(body.length);
          const boundary = `--${body.contentType.split('boundary=')[1]}`;
          let offset = 0;
          for (const record of records) {
            const start = received.indexOf(boundary, offset);
            const headEnd = received.indexOf('\r\n\r\n', start);
            const head = received.subarray(start, headEnd).toString('utf8');
            const content = received.subarray(headEnd + 4, headEnd + 4 + record.bytes.byteLength);
            const escaped = record.filename.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

            expect(head).toContain(`name="files"; filename="${escaped}"`);
            expect(Buffer.compare(content, Buffer.from(record.bytes))).toBe(0);
            offset = headEnd + 4 + record.bytes.byteLength;
          }
          expect(received.subarray(offset).toString('utf8')).toBe(`\r\n${boundary}--\r\n`);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('response reading properties', () => {
  const secret = 'pk_propertySecret77';
  const body = fc.oneof(
    fc.string(),
    fc.json(),
    fc.jsonValue().map((value) => JSON.stringify({ data: value })),
    fc.record({ code: fc.string(), message: fc.string() }).map((error) => JSON.stringify({ error })),
    fc.constant(JSON.stringify({ error: { code: 'INVALID_API_KEY', message: `bad key ${secret}` } })),
  );

  it('resolves or rejects with a RasterApiError for any response', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 599 }), body, async (status, text) => {
        const client = new RasterClient({
          transport: fakeTransport({ status, headers: {}, text }),
          apiKey: secret,
          organizationId: 'acme',
          retry: { maxAttempts: 1 },
        });

        const outcome = await client.listAssets('photos').then(
          (assets) => ({ assets }),
          (error: unknown) => ({ error }),
        );

        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(RasterApiError);
          const message = (outcome.error as Error).message;
          expect(message).not.toContain(secret);
          expect(message).not.toContain('[object Object]');
        } else {
          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(300);
          expect(Array.isArray(outcome.assets)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
