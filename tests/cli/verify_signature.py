#!/usr/bin/env python3
"""An independent reading of the handover signature (formats/handover_sign.c,
formats/profile/README.md "Signature"), to show that the documented form is
enough to verify a document without this project's C code.

usage: verify_signature.py DOCUMENT.json

DOCUMENT.json is the signed document as compact canonical JSON (`handover
convert --to json --compact`). The digests are computed from slices of that
text: the canonical JSON of a Bundle holding only one part is
{"resourceType":"Bundle",<the part's members as they stand in the document>}.
Checks the JWS (ES256 or RS256 with the certificate in x5c), then that the
manifest lists exactly the document's parts, in order, with their digests.
Exit status 0 when all agree, 1 when not, 2 when python3-cryptography is
missing (the caller skips).
"""
import base64
import hashlib
import json
import sys

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
except ImportError:
    sys.exit(2)

DEC = json.JSONDecoder()


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url_enc(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def members(text, start):
    """(key, value start, value end) of each member of the object at text[start]."""
    assert text[start] == "{"
    i = start + 1
    while text[i] != "}":
        key, i = DEC.raw_decode(text, i)
        assert text[i] == ":"
        _, end = DEC.raw_decode(text, i + 1)
        yield key, i + 1, end
        i = end + (text[end] == ",")


def items(text, start):
    """(start, end) of each item of the array at text[start]."""
    assert text[start] == "["
    i = start + 1
    while text[i] != "]":
        _, end = DEC.raw_decode(text, i)
        yield i, end
        i = end + (text[end] == ",")


def sha(s):
    return b64url_enc(hashlib.sha256(s.encode()).digest())


def main(path):
    text = open(path, encoding="utf-8").read().rstrip("\n")
    doc = json.loads(text)
    jws = base64.b64decode(doc["signature"]["data"]).decode("ascii")
    h64, p64, s64 = jws.split(".")
    header, manifest, sig = json.loads(b64url(h64)), json.loads(b64url(p64)), b64url(s64)
    cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    key, signed = cert.public_key(), (h64 + "." + p64).encode("ascii")
    try:
        if header["alg"] == "ES256":
            der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                             int.from_bytes(sig[32:], "big"))
            key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
        else:
            assert header["alg"] == "RS256"
            key.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        print("the JWS signature does not verify")
        return 1

    # the document's parts, from slices of its compact JSON
    bundle, entries = [], []
    groups = {}
    for key_, s, e in members(text, 0):
        if key_ == "resourceType":
            continue
        name = key_[1:] if key_.startswith("_") else key_
        member = json.dumps(key_) + ":" + text[s:e]
        if name == "entry":
            for es, ee in items(text, s):
                entries.append((json.loads(text[es:ee]), text[es:ee]))
            continue
        if name == "signature":  # without data, the last member of Signature
            sig_text = text[s:e]
            cut = sig_text.rindex(',"data":')
            member = '"signature":' + sig_text[:cut] + "}"
        if name not in groups:
            groups[name] = []
            bundle.append(name)
        groups[name].append(member)
    got_bundle = [{"element": n, "sha256": sha('{"resourceType":"Bundle",' + ",".join(groups[n]) + "}")}
                  for n in bundle]
    got_entry = []
    for obj, raw in entries:
        e = {}
        if "fullUrl" in obj:
            e["fullUrl"] = obj["fullUrl"]
        r = obj.get("resource")
        if r:
            e["resource"] = r["resourceType"] + ("/" + r["id"] if "id" in r else "")
        e["sha256"] = sha('{"resourceType":"Bundle","entry":[' + raw + "]}")
        got_entry.append(e)
    want = {"manifest": "mgz-handover-1", "bundle": got_bundle, "entry": got_entry}
    if manifest != want:
        print("the manifest does not match the document")
        print(" signed:", json.dumps(manifest)[:2000])
        print(" found: ", json.dumps(want)[:2000])
        return 1
    # the manifest's exact bytes, as documented
    exact = json.dumps(want, separators=(",", ":"), ensure_ascii=False)
    if b64url(p64).decode("utf-8") != exact:
        print("the manifest is not in its documented byte form")
        return 1
    print("ok: %s, %d Bundle parts, %d entries, signed by %s" %
          (header["alg"], len(got_bundle), len(got_entry), cert.subject.rfc4514_string()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
