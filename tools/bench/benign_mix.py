#!/usr/bin/env python3
"""Deterministic benign API traffic for `scripts/bench waf`, written as JSONL
in the corpus format (../shared/corpora/README.md), so rampart-waf and
modsec-bench read the same request bytes.

No word is a shell command, the methods are the ones CRS allows by default
and no User-Agent is a scripting client (913101 at PL2), so neither engine should block any of it. The mix: GETs with query strings (about half), small JSON POSTs
(100..700-byte bodies) and, every 100th request, a 64 KiB JSON body (a batch
upload). Same --seed and --count, same file, byte for byte.

    benign_mix.py --count N [--seed S] --out FILE
"""
import argparse
import json
import random

WORDS = ("alpha bravo charlie delta ember foxtrot golf hotel india juliet kilo lima "
         "mike november oscar papa quebec romeo sierra tango uniform victor whiskey "
         "xray yankee zulu order invoice customer product widget gadget report "
         "summary account billing shipping pending active archived blue green red").split()
RESOURCES = ("users", "orders", "products", "invoices", "customers", "shipments", "reports")
AGENTS = ("Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
          "okhttp/4.10.0", "ExampleShop/5.2.1 (iPhone; iOS 16.5; Scale/3.00)",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 13_4) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/16.5 Safari/605.1.15")
BIG_BODY = 64 * 1024


def uuid(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def word(rng):
    return rng.choice(WORDS)


def record(rng, i):
    return {
        "id": uuid(rng),
        "name": f"{word(rng)} {word(rng)}",
        "email": f"{word(rng)}.{word(rng)}{i % 97}@example.com",
        "quantity": rng.randint(1, 500),
        "price": round(rng.uniform(0.5, 999.0), 2),
        "tags": [word(rng) for _ in range(rng.randint(0, 4))],
        "active": rng.random() < 0.8,
        "created": "2026-%02d-%02dT%02d:%02d:%02dZ" % (rng.randint(1, 12), rng.randint(1, 28),
                                                       rng.randint(0, 23), rng.randint(0, 59),
                                                       rng.randint(0, 59)),
    }


def headers(rng, host="api.example.com"):
    return [["Host", host], ["User-Agent", rng.choice(AGENTS)],
            ["Accept", "application/json"], ["Accept-Encoding", "gzip, deflate"],
            ["Authorization", "Bearer " + "%040x" % rng.getrandbits(160)],
            ["X-Request-Id", uuid(rng)]]


def get(rng, i):
    res = rng.choice(RESOURCES)
    q = [f"page={rng.randint(1, 50)}", f"per_page={rng.choice((10, 25, 50, 100))}",
         f"sort={rng.choice(('created', 'name', 'price'))}",
         f"status={word(rng)}", f"q={word(rng)}+{word(rng)}",
         f"since=2026-{rng.randint(1, 12):02d}-01"]
    rng.shuffle(q)
    uri = f"/api/v1/{res}?" + "&".join(q[:rng.randint(2, len(q))])
    if rng.random() < 0.3:
        uri = f"/api/v1/{res}/{rng.randint(1, 10**6)}?fields=id,name,{word(rng)}"
    return {"method": "GET", "uri": uri, "headers": headers(rng), "body": ""}


def post(rng, i):
    res = rng.choice(RESOURCES)
    body = json.dumps(record(rng, i), separators=(",", ":"))
    # POST only: CRS's default tx.allowed_methods refuses PUT/PATCH/DELETE (911100)
    uri = f"/api/v1/{res}"
    if rng.random() < 0.25:
        uri = f"/api/v1/{res}/{rng.randint(1, 10**6)}"
    return {"method": "POST", "uri": uri, "body": body,
            "headers": headers(rng) + [["Content-Type", "application/json"],
                                       ["Content-Length", str(len(body.encode()))]]}


def big(rng, i):
    items = []
    size = 20
    while size < BIG_BODY - 400:
        r = json.dumps(record(rng, i), separators=(",", ":"))
        items.append(r)
        size += len(r) + 1
    body = '{"batch":[' + ",".join(items) + "]}"
    body += " " * (BIG_BODY - len(body))  # exactly 64 KiB (JSON allows trailing space)
    return {"method": "POST", "uri": f"/api/v1/{rng.choice(RESOURCES)}/batch", "body": body,
            "headers": headers(rng) + [["Content-Type", "application/json"],
                                       ["Content-Length", str(len(body.encode()))]]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not 1 <= a.count <= 100000:
        ap.error("--count must be 1..100000")
    rng = random.Random(a.seed)
    with open(a.out, "w") as f:
        for i in range(a.count):
            if i % 100 == 99:
                req = big(rng, i)
            elif rng.random() < 0.5:
                req = get(rng, i)
            else:
                req = post(rng, i)
            req.update({"id": f"benign-{i}", "rule": "0", "expect": "pass", "pl": 1,
                        "category": "BENIGN-API-MIX", "version": "HTTP/1.1"})
            f.write(json.dumps(req, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
