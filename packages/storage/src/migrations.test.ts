import { describe, expect, it } from 'vitest';
import { migrations } from './migrations.ts';

describe('migrations', () => {
  it.each(['sqlite', 'postgres'] as const)('%s: versions are unique and applied in order', (dialect) => {
    const versions = migrations(dialect).map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });
});
