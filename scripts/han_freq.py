#!/usr/bin/env python3
"""Writes data/han_freq.tsv: how often Chinese characters and common words occur in text.

The engine plans its regex gates with it (src/engine/frequency.rs): which of a pattern's word sets triggers
searches and which are worth reporting as arms depends on how often they occur. The counts come from the word
list of jieba (MIT License, https://github.com/fxsjy/jieba), whose frequencies were counted on a general corpus
of news and web text; that corpus is unrelated to livelint's tests and benchmarks.

A word's rate is how often it occurs as a substring, per character of text: the sum of the frequencies of the
listed words that contain it (times the number of times they contain it), over the number of characters of
all listed words. Occurrences across two listed words are not counted, so rates are lower bounds.

Usage: python3 scripts/han_freq.py [path/to/jieba/dict.txt] > data/han_freq.tsv
Without a path, jieba 0.42.1 is fetched from PyPI with pip into a temporary directory.
"""
import collections
import glob
import os
import subprocess
import sys
import tarfile
import tempfile

# Per billion characters. Every character above MIN_CHAR is listed; words of two characters or more only
# when above MIN_WORD: the engine estimates the rate of a word that is not listed from its characters, and
# caps it at MIN_WORD.
MIN_CHAR = 10
MIN_WORD = 10_000
LONGEST = 6


def dict_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    tmp = tempfile.mkdtemp()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "jieba==0.42.1", "-d", tmp],
        check=True, stdout=subprocess.DEVNULL)
    archive = glob.glob(os.path.join(tmp, "jieba-*.tar.gz"))[0]
    with tarfile.open(archive) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("jieba/dict.txt"))
        t.extract(member, tmp)
    return os.path.join(tmp, member.name)


def main():
    sub = collections.Counter()
    chars = 0
    with open(dict_path(), encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 2:
                continue
            word, freq = fields[0].lower(), int(fields[1])
            chars += freq * len(word)
            for i in range(len(word)):
                for j in range(i + 1, min(len(word), i + LONGEST) + 1):
                    sub[word[i:j]] += freq
    print("# How often characters and words occur in Chinese text, per billion characters.")
    print("# Derived by scripts/han_freq.py from the dictionary of jieba 0.42.1")
    print("# (MIT License, https://github.com/fxsjy/jieba). ASCII words are left out: the engine models them.")
    rows = []
    for s, n in sub.items():
        if s.isascii() or any(c.isspace() for c in s):
            continue
        rate = round(n * 1e9 / chars)
        if rate >= (MIN_CHAR if len(s) == 1 else MIN_WORD):
            rows.append((s, rate))
    rows.sort()
    for s, rate in rows:
        print(f"{s}\t{rate}")


if __name__ == "__main__":
    main()
