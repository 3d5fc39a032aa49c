"""downsample --n written plainly, to check the C program's records against.

usage: downsample_model.py N SEED < in.ev > records

Writes the records (no header) that `downsample --n N --seed SEED` keeps.
The same generator (xoshiro256** seeded by SplitMix64, Lemire's bounded
draw), the same draws of Li's Algorithm L and the same batch rule as
filters/downsample.c, but the reservoir is a list of (position, record)
that a sweep simply sorts by position: what the C program's in-place
marks, packed ranks and set-aside wbins must reproduce.
"""
import math
import sys

MASK = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Rng:
    def __init__(self, seed):
        x, self.s = seed, []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s = [s0, s1, s2, rotl(s3, 45)]
        return result

    def below(self, n):
        m = self.next() * n
        if m & MASK < n:
            threshold = ((1 << 64) - n) % n
            while m & MASK < threshold:
                m = self.next() * n
        return m >> 64

    def uniform_pos(self):
        return ((self.next() >> 11) + 0.5) * 2.0 ** -53


def advance(pos, skip):
    if not skip < 2.0 ** 63 or pos + int(skip) > MASK:
        return MASK
    return pos + int(skip)


def gap(g, w):
    return math.floor(math.log(g.uniform_pos()) / math.log1p(-w))


def wbin_plus_one(rec):
    return (int.from_bytes(rec[12:16], "little") + 1) & 0xFFFFFFFF


def sample(recs, k, seed):
    g = Rng(seed)
    if len(recs) <= k:
        return recs
    res = list(enumerate(recs[:k]))
    wmax = max(wbin_plus_one(r) for r in recs[:k])
    aside_max = min(max(k // 16, 1024), 1 << 32)
    batch = {}

    def start_batch():
        wbits = wmax.bit_length()
        aside = (1 << (32 - wbits)) < aside_max
        batch.update(nt=0, wbits=0 if aside else wbits, aside=aside,
                     max=aside_max if aside else 1 << (32 - wbits))

    start_batch()
    w = math.exp(math.log(g.uniform_pos()) / k)
    nxt = advance(k, gap(g, w))
    while nxt < len(recs):
        rec = recs[nxt]
        w1 = wbin_plus_one(rec)
        if w1 > wmax:
            wmax = w1
            if not batch["aside"] and w1 >> batch["wbits"]:
                res.sort()
                start_batch()
        if batch["nt"] == batch["max"]:
            res.sort()
            start_batch()
        res[g.below(k)] = (nxt, rec)
        batch["nt"] += 1
        w *= math.exp(math.log(g.uniform_pos()) / k)
        nxt = advance(nxt + 1, gap(g, w))
    return [r for _, r in sorted(res)]


def main():
    k, seed = int(sys.argv[1]), int(sys.argv[2])
    data = sys.stdin.buffer.read()
    h = int.from_bytes(data[8:12], "little")
    recs = [data[i:i + 16] for i in range(12 + h, len(data), 16)]
    sys.stdout.buffer.write(b"".join(sample(recs, k, seed)))


main()
