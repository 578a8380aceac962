import { describe, expect, it } from 'vitest';
import { scanJson } from '../../src/api/json-scan.ts';

const limits = { arrays: { instances: 3, items: 2 }, containers: 100 };

describe('scanJson', () => {
  it('counts the elements of a capped top-level array, whatever they hold', () => {
    expect(scanJson('{"instances": [{"a": [1, 2, 3]}, [4, {"b": "x,y]"}], "s"]}', limits)).toEqual({ exceeded: null });
    expect(scanJson('{"instances":[{},{},{},{}]}', limits)).toEqual({ exceeded: 'instances', count: 4 });
    expect(scanJson('{"routing_key": "k", "items": [1, 2, 3]}', limits)).toEqual({ exceeded: 'items', count: 3 });
    expect(scanJson('{"instances": []}', limits)).toEqual({ exceeded: null });
  });

  it('is not fooled by brackets, commas and keys inside strings, or by nested arrays of the same name', () => {
    expect(scanJson('{"x": "\\"instances\\": [1,2,3,4,5]", "instances": [1]}', limits)).toEqual({ exceeded: null });
    expect(scanJson('{"other": {"instances": [1, 2, 3, 4, 5]}}', limits)).toEqual({ exceeded: null });
    expect(scanJson('{"instances": ["a,b,c,d,e"]}', limits)).toEqual({ exceeded: null });
  });

  it('stops at too many objects and arrays overall', () => {
    const many = `{"inputs": [${Array.from({ length: 200 }, () => '{}').join(',')}]}`;
    expect(scanJson(many, limits)).toEqual({ exceeded: 'containers', count: 101 });
  });
});
