import { strict as assert } from 'node:assert';
import {
  compareElements,
  describePath,
  fieldElement,
  goJson,
  keyElement,
  valueElement,
} from './path-element';

describe('path elements', () => {
  it('conflict paths read like the server’s: fields, keys and set values', () => {
    const path = [
      fieldElement('spec'),
      fieldElement('containers'),
      keyElement([['name', 'web']]),
      fieldElement('ports'),
      keyElement([
        ['protocol', 'TCP'],
        ['containerPort', 80],
      ]),
    ];
    assert.equal(describePath(path), '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]');
    assert.equal(
      describePath([fieldElement('metadata'), fieldElement('finalizers'), valueElement('a/b')]),
      '.metadata.finalizers[="a/b"]',
    );
  });

  it('key elements list their fields sorted by name, as compact JSON', () => {
    assert.equal(
      keyElement([
        ['whenUnsatisfiable', 'DoNotSchedule'],
        ['topologyKey', 'zone'],
      ]),
      'k:{"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}',
    );
  });

  it('elements sort fields first, then keys, then values, each by content', () => {
    const elements = [
      valueElement('b'),
      keyElement([['name', 'z']]),
      fieldElement('b'),
      fieldElement('B'),
      keyElement([['name', 'a']]),
      fieldElement('.a'),
    ];
    assert.deepEqual(elements.sort(compareElements), [
      'f:.a',
      'f:B',
      'f:b',
      'k:{"name":"a"}',
      'k:{"name":"z"}',
      'v:"b"',
    ]);
  });

  it('numbers in keys sort numerically, before strings', () => {
    const elements = [keyElement([['port', 'x']]), keyElement([['port', 443]]), keyElement([['port', 80]])];
    assert.deepEqual(elements.sort(compareElements), ['k:{"port":80}', 'k:{"port":443}', 'k:{"port":"x"}']);
  });

  it('JSON is written the way Go writes it: sorted keys and HTML characters escaped', () => {
    assert.equal(
      goJson({ b: 1, a: { d: '<&>', c: [true, null] } }),
      '{"a":{"c":[true,null],"d":"\\u003c\\u0026\\u003e"},"b":1}',
    );
  });
});
