/** Model identity (what the index records) and the file layout of a model directory. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFingerprint, describeModel, localModelName, readModelConfig, sameModel } from '../../../src/rag/embed/identity.js';
import { locateModel, looksLikePath, requiredModelFiles } from '../../../src/rag/embed/model-files.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-identity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = { model_type: 'clip', projection_dim: 512, text_config: { hidden_size: 512, vocab_size: 49408 }, vision_config: { image_size: 224, patch_size: 16 } };

describe('config fingerprint', () => {
  it('ignores key order and the provenance keys exporters write differently', () => {
    const reordered = { vision_config: { patch_size: 16, image_size: 224 }, text_config: { vocab_size: 49408, hidden_size: 512 }, projection_dim: 512, model_type: 'clip' };
    const exported = { ...config, _name_or_path: '/home/someone/clip', transformers_version: '4.40.0', _commit_hash: 'abc' };
    expect(configFingerprint(reordered)).toBe(configFingerprint(config));
    expect(configFingerprint(exported)).toBe(configFingerprint(config));
    expect(configFingerprint(config)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with any architecture value, nested ones included', () => {
    const prints = new Set([
      configFingerprint(config),
      configFingerprint({ ...config, projection_dim: 768 }),
      configFingerprint({ ...config, model_type: 'siglip' }),
      configFingerprint({ ...config, vision_config: { image_size: 224, patch_size: 32 } }),
      // A nested `_name_or_path` is architecture data of the sub-config, not provenance of the file.
      configFingerprint({ ...config, text_config: { ...config.text_config, _name_or_path: 'x' } }),
    ]);
    expect(prints.size).toBe(5);
  });

  it('reads a directory’s config.json, and names a local model without its path', () => {
    const dir = path.join(tmp, 'models', 'my-clip');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, _name_or_path: 'openai/clip-vit-base-patch16' }));
    const read = readModelConfig(dir)!;
    expect(read.fingerprint).toBe(configFingerprint(config));
    expect(read.modelType).toBe('clip');
    expect(localModelName(dir, read.config)).toBe('openai/clip-vit-base-patch16');
    expect(localModelName(dir, { _name_or_path: '/abs/path/clip' })).toBe('my-clip');
    expect(localModelName(dir)).toBe('my-clip');
    expect(readModelConfig(path.join(tmp, 'missing'))).toBeUndefined();
    writeFileSync(path.join(tmp, 'config.json'), '{ not json');
    expect(readModelConfig(tmp)).toBeUndefined();
  });
});

describe('sameModel', () => {
  const recorded = { model: 'Xenova/clip-vit-base-patch16', dim: 512, fingerprint: 'aaaa' };

  it('decides by fingerprint when both sides have one, whatever the id (a copied directory)', () => {
    expect(sameModel(recorded, { id: 'clip-copy', dim: 512, fingerprint: 'aaaa' })).toBe(true);
    expect(sameModel(recorded, { id: 'Xenova/clip-vit-base-patch16', dim: 512, fingerprint: 'bbbb' })).toBe(false);
    expect(sameModel(recorded, { id: 'clip-copy', dim: 768, fingerprint: 'aaaa' })).toBe(false);
  });

  it('falls back to the id (or the path an older index recorded) without fingerprints', () => {
    expect(sameModel({ model: 'Xenova/clip-vit-base-patch16', dim: 512 }, { id: 'Xenova/clip-vit-base-patch16', dim: 512, fingerprint: 'aaaa' })).toBe(true);
    expect(sameModel({ model: '/srv/models/clip', dim: 512 }, { id: 'clip', ref: '/srv/models/clip' })).toBe(true);
    expect(sameModel({ model: 'a/b', dim: 512 }, { id: 'c/d', dim: 512 })).toBe(false);
  });

  it('describes a model for one-line messages', () => {
    expect(describeModel(recorded)).toBe('Xenova/clip-vit-base-patch16 (512-d, config aaaa)');
    expect(describeModel({ id: 'x' })).toBe('x');
  });
});

describe('model files', () => {
  it('lists the files each dtype needs (transformers.js suffixes)', () => {
    const common = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json'];
    expect(requiredModelFiles('fp32')).toEqual([...common, 'onnx/text_model.onnx', 'onnx/vision_model.onnx']);
    expect(requiredModelFiles('fp16')).toEqual([...common, 'onnx/text_model_fp16.onnx', 'onnx/vision_model_fp16.onnx']);
    expect(requiredModelFiles('q8')).toEqual([...common, 'onnx/text_model_quantized.onnx', 'onnx/vision_model_quantized.onnx']);
  });

  it('tells paths from Hub ids, and finds a Hub model in the cache', () => {
    for (const p of ['/models/clip', './clip', '../clip', '.', '~/clip', 'models/clip/v1', 'C:\\models\\clip']) expect(looksLikePath(p), p).toBe(true);
    for (const id of ['Xenova/clip-vit-base-patch16', 'clip']) expect(looksLikePath(id), id).toBe(false);
    expect(locateModel('Xenova/clip-vit-base-patch16', '/data/cache/models')).toEqual({ kind: 'hub', ref: 'Xenova/clip-vit-base-patch16', dir: '/data/cache/models/Xenova/clip-vit-base-patch16' });
    expect(locateModel('./models/clip', '/c')).toEqual({ kind: 'local', ref: path.resolve('models/clip'), dir: path.resolve('models/clip') });
    expect(locateModel(path.join(tmp, 'models', 'my-clip'), '/c').kind).toBe('local');
  });
});
