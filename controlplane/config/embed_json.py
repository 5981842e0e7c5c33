#!/usr/bin/env python3
# SPDX-License-Identifier: Proprietary
"""Embed a JSON file into rampart-cp as a C byte array.

usage: embed_json.py INPUT.json OUTPUT.c SYMBOL HEADER

Writes OUTPUT.c defining
    const char SYMBOL[];        /* the file's bytes, then a NUL */
    const size_t SYMBOL_len;    /* the file's length, without the NUL */
and including HEADER, which declares them. The input must be a JSON object
with "schema" set, so a broken default configuration fails the build rather
than the daemon's start.
"""
import json
import sys


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, dst, sym, header = sys.argv[1:]
    with open(src, 'rb') as f:
        data = f.read()
    try:
        doc = json.loads(data.decode('utf-8'),
                         object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        sys.exit(f'{src}: not valid JSON: {e}')
    if not isinstance(doc, dict) or not isinstance(doc.get('schema'), int):
        sys.exit(f'{src}: must be a JSON object with an integer "schema"')

    out = [f'/* Generated from {src.rsplit("/", 1)[-1]} by embed_json.py: do not edit. */',
           f'#include "{header}"', '',
           f'const char {sym}[] = {{']
    for i in range(0, len(data), 12):
        out.append('\t' + ' '.join(f'0x{b:02x},' for b in data[i:i + 12]))
    out.append('\t0x00')
    out.append('};')
    out.append(f'const size_t {sym}_len = {len(data)};')
    with open(dst, 'w') as f:
        f.write('\n'.join(out) + '\n')


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f'duplicate member "{k}"')
        d[k] = v
    return d


if __name__ == '__main__':
    main()
