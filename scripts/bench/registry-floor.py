#!/usr/bin/env python3
"""The registry's floor for a push of many small blobs: a client that does nothing else.

Uploads N random blobs of ~200 bytes (POST, then PUT with the digest: distribution takes no
single-request upload) over T keep-alive connections, then PUTs a manifest naming them, and
prints the wall time and the registry's CPU time (from /proc/PID/stat of `docker-registry
serve`). No process start, no compression, no store: what is left of a push is the registry's.

    python3 scripts/bench/registry-floor.py [N=42] [T=4] [HOST:PORT=127.0.0.1:5000]
"""
import hashlib, http.client, json, os, subprocess, sys, threading, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 42
T = int(sys.argv[2]) if len(sys.argv) > 2 else 4
HOST, PORT = (sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1:5000").split(":")
repo = f"floor-{time.time_ns()}"
blobs = [os.urandom(200 + i) for i in range(N)]


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def upload(items):
    c = http.client.HTTPConnection(HOST, int(PORT))
    for b in items:
        c.request("POST", f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
        r = c.getresponse(); r.read()
        loc = r.getheader("Location")
        c.request("PUT", f"{loc}{'&' if '?' in loc else '?'}digest={digest(b)}", body=b,
                  headers={"Content-Type": "application/octet-stream"})
        r = c.getresponse(); r.read()
        assert r.status == 201, r.status


pid = int(subprocess.run(["pgrep", "-f", "docker-registry serve"], capture_output=True, text=True).stdout.split()[0])


def cpu_ms():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000 // os.sysconf("SC_CLK_TCK")


manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(blobs[0]), "size": len(blobs[0])},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(b), "size": len(b)} for b in blobs[1:]],
}).encode()
cpu0, t0 = cpu_ms(), time.monotonic()
threads = [threading.Thread(target=upload, args=(blobs[i::T],)) for i in range(T)]
for t in threads: t.start()
for t in threads: t.join()
t1 = time.monotonic()
c = http.client.HTTPConnection(HOST, int(PORT))
c.request("PUT", f"/v2/{repo}/manifests/latest", body=manifest,
          headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
r = c.getresponse(); r.read()
assert r.status == 201, r.status
t2 = time.monotonic()
print(f"{N} blobs over {T} connections: uploads {1000 * (t1 - t0):.0f} ms, manifest {1000 * (t2 - t1):.0f} ms, "
      f"push {1000 * (t2 - t0):.0f} ms; registry CPU {cpu_ms() - cpu0} ms")
