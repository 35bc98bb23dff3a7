#!/usr/bin/env python3
"""Writes a livelint rule pack with one rule whose keywords are the given phrases.

Usage: make_pack.py PATTERNS_FILE OUT.yaml            (the bench pack: exactly the phrases of the file)
       make_pack.py --synthetic N OUT.yaml            (N generated CJK keywords, for the scaling table)

The rule needs a flag and a pass example to load: the flag example is the first phrase between «», the pass
example a sentence checked here to contain none of the phrases.
"""
import json
import random
import sys


def synthetic(n):
    rng = random.Random(6)
    # Common Han characters, so synthetic keywords look like the real ones to the automaton (3-byte UTF-8).
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    seen = set()
    out = []
    while len(out) < n:
        w = "".join(rng.choice(han) for _ in range(rng.randint(2, 6)))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--synthetic":
        phrases = synthetic(int(args[1]))
        out = args[2]
    elif len(args) == 2:
        with open(args[0], encoding="utf-8") as f:
            phrases = [l.strip() for l in f if l.strip()]
        out = args[1]
    else:
        sys.exit(__doc__)
    # Phrases that differ only in case or width normalize to one keyword; keep the first.
    uniq = list(dict.fromkeys(phrases))
    candidates = ["。", "，", "？", "、", "——", "~~~", "..."]
    pass_ex = next((c for c in candidates if not any(p.lower() in c for p in uniq)), None)
    if pass_ex is None:
        sys.exit("no pass example found that avoids every phrase")
    lines = [
        "pack: bench",
        "title: benchmark phrases",
        "lang: zh",
        "rules:",
        "  - id: phrases",
        "    title: benchmark phrases",
        "    category: absolute-terms",
        "    severity: error",
        '    law: ["benchmark"]',
        '    message: "{matched}"',
        "    help: benchmark rule",
        "    match:",
        "      keywords:",
    ]
    lines += ["        - " + json.dumps(p, ensure_ascii=False) for p in uniq]
    lines += [
        "    examples:",
        "      flag: [" + json.dumps("«" + uniq[0] + "»", ensure_ascii=False) + "]",
        "      pass: [" + json.dumps(pass_ex, ensure_ascii=False) + "]",
    ]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
