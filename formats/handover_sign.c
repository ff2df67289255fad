/*
 * handover_sign.c — signs a handover document (Bundle.signature) and
 * verifies one offline, naming what was altered after signing.
 *
 * THE SIGNED PARTS. A document is cut into parts:
 *   - one part per Bundle-level element other than `entry`, in document
 *     order, named by the element ("id", "meta", "identifier", "type",
 *     "timestamp", … and "signature"; a repeating element is one part);
 *   - one part per entry, in document order, named by its fullUrl.
 * The digest of a part is SHA-256 over the canonical JSON of a Bundle that
 * holds only that part — {"resourceType":"Bundle","timestamp":"…"},
 * {"resourceType":"Bundle","entry":[{"fullUrl":"…","resource":{…}}]} — so an
 * entry's digest covers its fullUrl, its resource and anything else it
 * holds. The "signature" part is Bundle.signature without its `data`: the
 * type, when, who and formats are signed too.
 *
 * CANONICAL JSON is what fhir_write_json writes with flags 0: no whitespace;
 * resourceType first, then elements in the order of the R4 definitions;
 * repeats as arrays; primitives exactly as written (numbers and booleans
 * unquoted, "1.50" stays "1.50"); a primitive's id and extensions in "_name"
 * right after "name"; strings in UTF-8 with only '"', '\', and control
 * characters escaped (\n \r \t, others \u00xx); the narrative in the
 * library's one XHTML serialisation. An XML and a JSON form of a document
 * read into the same tree give the same bytes.
 *
 * THE MANIFEST (the JWS payload) lists the digests, exactly:
 *   {"manifest":"mgz-handover-1",
 *    "bundle":[{"element":"id","sha256":"B64URL"},…],
 *    "entry":[{"fullUrl":"urn:uuid:…","resource":"Patient/p1","sha256":"B64URL"},…]}
 * without the line breaks; "resource" is "Type/id" ("Type" without id),
 * fullUrl or resource left out when the entry has none; B64URL is base64url
 * without padding (RFC 4648 §5) of the 32 digest bytes.
 *
 * THE SIGNATURE is a JWS, compact serialisation (RFC 7515 §7.1):
 *   BASE64URL(header) "." BASE64URL(manifest) "." BASE64URL(signature)
 * header, exactly: {"alg":"ES256","typ":"JOSE","x5c":["<base64 DER>"]}
 * ("RS256" for RSA); x5c holds the signer's certificate (standard base64,
 * RFC 7515 §4.1.6). ES256 is ECDSA P-256 with SHA-256, the signature the
 * 64 bytes R||S (RFC 7518 §3.4); RS256 is RSASSA-PKCS1-v1_5 with SHA-256.
 * Both sign the ASCII bytes BASE64URL(header) "." BASE64URL(manifest).
 * Bundle.signature carries it:
 *   type      urn:iso-astm:E1762-95:2013 1.2.840.10065.1.12.1.5 "Verification Signature"
 *   when      the signing time (instant)
 *   who       Reference.display: the certificate subject's O and CN, "O (CN)"
 *             (one of them alone, or the whole subject, when not both)
 *   targetFormat application/fhir+json   (the canonical JSON above)
 *   sigFormat application/jose
 *   data      standard base64 of the JWS's ASCII bytes
 *
 * VERIFYING decodes the JWS, checks the signature (with the caller's
 * certificate, or the one in x5c), then recomputes every part and compares:
 * Bundle-level parts by element name, entries by fullUrl. It reports each
 * element changed, added or removed, each entry changed, added or removed,
 * and entries whose order changed (those outside a longest run kept in
 * signed order). Nothing in the manifest is trusted before the signature
 * verifies.
 *
 * Limits: the JWS header and manifest are read by a strict JSON reader
 * (duplicate members refused, at most 8 levels deep and 64 members per
 * object, valid UTF-8, no \u0000);
 * the certificate in x5c is at most 1 MiB. The document is never changed by
 * verifying, and only by a successful signing.
 *
 * Memory: the few nodes made for digests (one per part), the decoded
 * signature and all strings live in the caller's arena; OpenSSL objects and
 * output buffers are freed before return (one `out:` label each). OpenSSL
 * errors raised here are popped from the thread's error queue before return.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fhir_internal.h"
#include "fhir_primitive.h"
#include "handover_sign.h"

#define MANIFEST_ID "mgz-handover-1"
#define SIG_TYPE_SYSTEM "urn:iso-astm:E1762-95:2013"
#define SIG_TYPE_CODE "1.2.840.10065.1.12.1.5"
#define SIG_TYPE_DISPLAY "Verification Signature"
#define SIG_FORMAT "application/jose"
#define TARGET_FORMAT "application/fhir+json"
#define DIGEST_LEN 32
#define JSON_MAX_DEPTH 8
#define JSON_MAX_MEMBERS 64   /* per object; arrays are not limited */

/* ---- base64 ----------------------------------------------------------------- */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Appends base64 (standard with padding, or base64url without) of p[0..n). */
static void b64_add(fhir_buf *b, const unsigned char *p, size_t n, int url)
{
    const char *alpha = url ? b64_url : b64_std;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        size_t left = n - i;
        if (left > 1)
            v |= (unsigned)p[i + 1] << 8;
        if (left > 2)
            v |= p[i + 2];
        char q[4] = {alpha[(v >> 18) & 63], alpha[(v >> 12) & 63], alpha[(v >> 6) & 63],
                     alpha[v & 63]};
        size_t keep = left > 2 ? 4 : left + 1;
        fhir_buf_add(b, q, keep);
        if (!url && keep < 4)
            fhir_buf_add(b, "==", 4 - keep);
    }
}

static int b64_value(char c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Decodes strictly into the arena (NUL-terminated): base64url without
 * padding, or standard base64 with padding where blanks are skipped (FHIR
 * base64Binary allows them). Unused bits must be zero. NULL when malformed
 * or out of memory. */
static unsigned char *b64_decode(fhir_arena *a, const char *s, size_t len, int url, size_t *out_len)
{
    unsigned char *out = fhir_arena_alloc(a, len / 4 * 3 + 4);
    if (!out)
        return NULL;
    size_t n = 0, pad = 0;
    unsigned acc = 0, bits = 0, chars = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!url && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
            continue;
        if (!url && c == '=') {
            pad++;
            chars++;
            continue;
        }
        int v = b64_value(c, url);
        if (v < 0 || pad)
            return NULL;
        chars++;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (url ? chars % 4 == 1 : (chars % 4 != 0 || pad > 2))
        return NULL;
    if (acc != 0 || (!url && pad != (bits == 4 ? 2u : bits == 2 ? 1u : 0u)))
        return NULL;
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* ---- JSON: writing strings, and a strict reader for the JWS parts ----------- */

/* A JSON string escaped as fhir_write_json does. */
static void json_string(fhir_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    fhir_buf_addc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fhir_buf_addc(b, '\\');
            fhir_buf_addc(b, (char)c);
        } else if (c == '\n') {
            fhir_buf_add(b, "\\n", 2);
        } else if (c == '\r') {
            fhir_buf_add(b, "\\r", 2);
        } else if (c == '\t') {
            fhir_buf_add(b, "\\t", 2);
        } else if (c < 0x20) {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            fhir_buf_add(b, u, 6);
        } else {
            fhir_buf_addc(b, (char)c);
        }
    }
    fhir_buf_addc(b, '"');
}

typedef enum { JV_STRING, JV_LITERAL, JV_ARRAY, JV_OBJECT } jv_kind;

typedef struct jv {
    jv_kind kind;
    const char *key;        /* when a member of an object */
    char *str;              /* string (unescaped, NUL-terminated) or literal as written */
    size_t len;
    struct jv *first, *last, *next;
} jv;

typedef struct jparse {
    fhir_arena *a;
    const char *p, *end;
} jparse;

static void skip_blank(jparse *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0'
              : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
              : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

/* A string at j->p (the opening quote); NULL when malformed or out of memory. */
static char *jstring(jparse *j, size_t *len)
{
    j->p++;
    const char *start = j->p;
    while (j->p < j->end && *j->p != '"')
        j->p += *j->p == '\\' && j->p + 1 < j->end ? 2 : 1;
    if (j->p >= j->end)
        return NULL;
    char *out = fhir_arena_alloc(j->a, (size_t)(j->p - start) + 1), *w = out;
    if (!out)
        return NULL;
    for (const char *s = start; s < j->p; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20)
            return NULL;
        if (c != '\\') {
            *w++ = (char)c;
            continue;
        }
        c = (unsigned char)*++s;
        const char *simple = strchr("\"\\/bfnrt", c);
        if (c && simple) {
            *w++ = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            continue;
        }
        unsigned u, lo;
        if (c != 'u' || j->p - s < 5 || hex4(s + 1, &u) != 0)
            return NULL;
        s += 4;
        if (u >= 0xD800 && u < 0xDC00) { /* a surrogate pair: \uD8xx\uDCxx */
            if (j->p - s < 7 || s[1] != '\\' || s[2] != 'u' || hex4(s + 3, &lo) != 0 ||
                lo < 0xDC00 || lo > 0xDFFF)
                return NULL;
            s += 6;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        } else if ((u >= 0xDC00 && u < 0xE000) || u == 0) {
            return NULL;
        }
        /* UTF-8; the escape took at least 6 bytes, the encoding takes at most 4 */
        if (u < 0x80) {
            *w++ = (char)u;
        } else if (u < 0x800) {
            *w++ = (char)(0xC0 | u >> 6);
            *w++ = (char)(0x80 | (u & 63));
        } else if (u < 0x10000) {
            *w++ = (char)(0xE0 | u >> 12);
            *w++ = (char)(0x80 | ((u >> 6) & 63));
            *w++ = (char)(0x80 | (u & 63));
        } else {
            *w++ = (char)(0xF0 | u >> 18);
            *w++ = (char)(0x80 | ((u >> 12) & 63));
            *w++ = (char)(0x80 | ((u >> 6) & 63));
            *w++ = (char)(0x80 | (u & 63));
        }
    }
    j->p++;
    *w = '\0';
    *len = (size_t)(w - out);
    return fhir__utf8_valid((const unsigned char *)out, *len) ? out : NULL;
}

/* The end of a JSON number at p, or NULL when there is none:
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *number_end(const char *p, const char *end)
{
#define DIGITS(p) ((p) < end && *(p) >= '0' && *(p) <= '9')
    if (p < end && *p == '-')
        p++;
    if (!DIGITS(p))
        return NULL;
    if (*p++ != '0')
        while (DIGITS(p))
            p++;
    if (p < end && *p == '.') {
        p++;
        if (!DIGITS(p))
            return NULL;
        while (DIGITS(p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!DIGITS(p))
            return NULL;
        while (DIGITS(p))
            p++;
    }
    return p;
#undef DIGITS
}

static jv *jvalue(jparse *j, unsigned depth);

/* The members of an object or the items of an array, after the bracket. */
static jv *jcontainer(jparse *j, unsigned depth, jv_kind kind)
{
    char close = kind == JV_OBJECT ? '}' : ']';
    jv *v = fhir_arena_zalloc(j->a, sizeof *v);
    if (!v)
        return NULL;
    v->kind = kind;
    j->p++;
    skip_blank(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return v;
    }
    for (unsigned members = 0;; members++) {
        const char *key = NULL;
        size_t klen;
        if (kind == JV_OBJECT) {
            if (members == JSON_MAX_MEMBERS)
                return NULL; /* the duplicate check below stays cheap */
            skip_blank(j);
            if (j->p >= j->end || *j->p != '"' || !(key = jstring(j, &klen)))
                return NULL;
            for (const jv *m = v->first; m; m = m->next)
                if (strcmp(m->key, key) == 0)
                    return NULL; /* a duplicate member: refused (RFC 7515 §4) */
            skip_blank(j);
            if (j->p >= j->end || *j->p++ != ':')
                return NULL;
        }
        jv *item = jvalue(j, depth + 1);
        if (!item)
            return NULL;
        item->key = key;
        if (v->last)
            v->last->next = item;
        else
            v->first = item;
        v->last = item;
        skip_blank(j);
        if (j->p >= j->end)
            return NULL;
        char c = *j->p++;
        if (c == close)
            return v;
        if (c != ',')
            return NULL;
    }
}

static jv *jvalue(jparse *j, unsigned depth)
{
    skip_blank(j);
    if (j->p >= j->end || depth > JSON_MAX_DEPTH)
        return NULL;
    if (*j->p == '{')
        return jcontainer(j, depth, JV_OBJECT);
    if (*j->p == '[')
        return jcontainer(j, depth, JV_ARRAY);
    jv *v = fhir_arena_zalloc(j->a, sizeof *v);
    if (!v)
        return NULL;
    if (*j->p == '"') {
        v->kind = JV_STRING;
        return (v->str = jstring(j, &v->len)) ? v : NULL;
    }
    /* true, false, null or a number: kept as written, never interpreted */
    const char *start = j->p;
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3 && j->p == start; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i], n) == 0)
            j->p += n;
    }
    if (j->p == start) {
        const char *after = number_end(start, j->end);
        if (!after)
            return NULL;
        j->p = after;
    }
    v->kind = JV_LITERAL;
    v->len = (size_t)(j->p - start);
    return (v->str = fhir_arena_strndup(j->a, start, v->len)) ? v : NULL;
}

/* A whole JSON text that must be an object; NULL when not. */
static jv *json_parse(fhir_arena *a, const char *s, size_t len)
{
    jparse j = {a, s, s + len};
    skip_blank(&j);
    if (j.p >= j.end || *j.p != '{')
        return NULL;
    jv *v = jvalue(&j, 0);
    skip_blank(&j);
    return v && j.p == j.end ? v : NULL;
}

static const jv *jget(const jv *obj, const char *key)
{
    for (const jv *m = obj ? obj->first : NULL; m; m = m->next)
        if (m->key && strcmp(m->key, key) == 0)
            return m;
    return NULL;
}

static const char *jget_string(const jv *obj, const char *key)
{
    const jv *m = jget(obj, key);
    return m && m->kind == JV_STRING ? m->str : NULL;
}

/* ---- the parts of a document and their digests ------------------------------ */

typedef struct part {
    const char *name;          /* Bundle-level element; NULL for an entry */
    const char *full_url;      /* entry: its fullUrl, or NULL */
    const char *resource;      /* entry: "Type/id", "Type", or NULL */
    const fhir_node *node;     /* the first node of the part (in the document read) */
    unsigned char digest[DIGEST_LEN];
    size_t index;              /* position among the entries / the Bundle parts */
    struct part *match;        /* the counterpart in the other list */
} part;

typedef struct parts {
    part *bundle, *entry;
    size_t bundles, entries;
} parts;

/* A copy of node n alone, sharing its children (whose list ends within n). */
static fhir_node *shallow_copy(fhir_arena *a, const fhir_node *n, fhir_node *parent)
{
    fhir_node *c = fhir_arena_alloc(a, sizeof *c);
    if (c) {
        *c = *n;
        c->next = NULL;
        c->parent = parent;
    }
    return c;
}

static void append(fhir_node *parent, fhir_node *child)
{
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
}

/* SHA-256 of the canonical JSON of a Bundle holding only the siblings
 * [first, end), `skip` (a child of one of them) left out. 0 or FHIR_E_NOMEM.
 * The document is not touched: the Bundle is a new root over shallow copies
 * of the siblings (the JSON writer walks down `first`/`next` only), and a
 * sibling holding `skip` gets shallow copies of its other children. */
static int part_digest(fhir_arena *a, const fhir_node *bundle, const fhir_node *first,
                       const fhir_node *end, const fhir_node *skip, unsigned char *digest)
{
    fhir_node root = {.name = bundle->name, .elem = bundle->elem, .type = bundle->type};
    for (const fhir_node *n = first; n != end; n = n->next) {
        fhir_node *c = shallow_copy(a, n, &root);
        if (!c)
            return FHIR_E_NOMEM;
        append(&root, c);
        if (!skip || skip->parent != n)
            continue;
        c->first = c->last = NULL;
        for (const fhir_node *k = n->first; k; k = k->next) {
            fhir_node *kc = k == skip ? NULL : shallow_copy(a, k, c);
            if (kc)
                append(c, kc);
            else if (k != skip)
                return FHIR_E_NOMEM;
        }
    }
    fhir_buf json;
    fhir_buf_init(&json, 0);
    int rc = fhir_write_json(&root, &json, 0);
    unsigned int len = 0;
    if (rc == 0 && !EVP_Digest(json.data ? json.data : "", json.len, digest, &len, EVP_sha256(),
                               NULL))
        rc = FHIR_E_NOMEM;
    fhir_buf_free(&json);
    return rc;
}

static const char *entry_resource_label(fhir_arena *a, const fhir_node *entry)
{
    const fhir_node *r = fhir_node_child(entry, "resource");
    const char *type = r ? fhir_node_resource_type(r) : NULL;
    if (!type)
        return NULL;
    const char *id = fhir_node_child_value(r, "id");
    return id ? fhir_arena_printf(a, "%s/%s", type, id) : type;
}

/* Cuts the document into its parts and digests each. 0 or FHIR_E_NOMEM. */
static int collect_parts(fhir_arena *a, const fhir_node *doc, parts *p)
{
    memset(p, 0, sizeof *p);
    size_t nb = 0, ne = 0; /* nb: at most one part per child */
    for (const fhir_node *c = doc->first; c; c = c->next, nb++)
        ne += strcmp(c->name, "entry") == 0;
    p->bundle = fhir_arena_zalloc(a, (nb ? nb : 1) * sizeof *p->bundle);
    p->entry = fhir_arena_zalloc(a, (ne ? ne : 1) * sizeof *p->entry);
    if (!p->bundle || !p->entry)
        return FHIR_E_NOMEM;
    const fhir_node *c = doc->first;
    while (c) {
        const fhir_node *end = c->next;
        if (strcmp(c->name, "entry") == 0) {
            part *e = &p->entry[p->entries];
            e->node = c;
            e->index = p->entries++;
            e->full_url = fhir_node_child_value(c, "fullUrl");
            e->resource = entry_resource_label(a, c);
            if (part_digest(a, doc, c, end, NULL, e->digest) != 0)
                return FHIR_E_NOMEM;
        } else {
            while (end && end->elem == c->elem && strcmp(end->name, c->name) == 0)
                end = end->next;
            part *b = &p->bundle[p->bundles];
            b->node = c;
            b->name = c->name;
            b->index = p->bundles++;
            /* Bundle.signature is signed without its data */
            const fhir_node *skip = strcmp(c->name, "signature") == 0
                                  ? fhir_node_child(c, "data") : NULL;
            if (part_digest(a, doc, c, end, skip, b->digest) != 0)
                return FHIR_E_NOMEM;
        }
        c = end;
    }
    return fhir_arena_failed(a) ? FHIR_E_NOMEM : 0;
}

static void manifest_write(fhir_buf *m, const parts *p)
{
    fhir_buf_adds(m, "{\"manifest\":\"" MANIFEST_ID "\",\"bundle\":[");
    for (size_t i = 0; i < p->bundles; i++) {
        fhir_buf_adds(m, i ? ",{\"element\":" : "{\"element\":");
        json_string(m, p->bundle[i].name);
        fhir_buf_adds(m, ",\"sha256\":\"");
        b64_add(m, p->bundle[i].digest, DIGEST_LEN, 1);
        fhir_buf_adds(m, "\"}");
    }
    fhir_buf_adds(m, "],\"entry\":[");
    for (size_t i = 0; i < p->entries; i++) {
        const part *e = &p->entry[i];
        fhir_buf_adds(m, i ? ",{" : "{");
        if (e->full_url) {
            fhir_buf_adds(m, "\"fullUrl\":");
            json_string(m, e->full_url);
            fhir_buf_addc(m, ',');
        }
        if (e->resource) {
            fhir_buf_adds(m, "\"resource\":");
            json_string(m, e->resource);
            fhir_buf_addc(m, ',');
        }
        fhir_buf_adds(m, "\"sha256\":\"");
        b64_add(m, e->digest, DIGEST_LEN, 1);
        fhir_buf_adds(m, "\"}");
    }
    fhir_buf_adds(m, "]}");
}

/* The parts a manifest lists; 0, FHIR_E_INVALID (malformed) or FHIR_E_NOMEM. */
static int manifest_read(fhir_arena *a, const char *s, size_t len, parts *p)
{
    memset(p, 0, sizeof *p);
    const jv *m = json_parse(a, s, len);
    if (!m)
        return fhir_arena_failed(a) ? FHIR_E_NOMEM : FHIR_E_INVALID;
    const char *id = jget_string(m, "manifest");
    const jv *bundle = jget(m, "bundle"), *entry = jget(m, "entry");
    if (!id || strcmp(id, MANIFEST_ID) != 0 || !bundle || bundle->kind != JV_ARRAY || !entry ||
        entry->kind != JV_ARRAY)
        return FHIR_E_INVALID;
    size_t nb = 0, ne = 0;
    for (const jv *i = bundle->first; i; i = i->next)
        nb++;
    for (const jv *i = entry->first; i; i = i->next)
        ne++;
    p->bundle = fhir_arena_zalloc(a, (nb ? nb : 1) * sizeof *p->bundle);
    p->entry = fhir_arena_zalloc(a, (ne ? ne : 1) * sizeof *p->entry);
    if (!p->bundle || !p->entry)
        return FHIR_E_NOMEM;
    for (int list = 0; list < 2; list++) {
        for (const jv *i = (list ? entry : bundle)->first; i; i = i->next) {
            part *x = list ? &p->entry[p->entries] : &p->bundle[p->bundles];
            const char *digest = jget_string(i, "sha256");
            size_t dlen = 0;
            const unsigned char *d = digest ? b64_decode(a, digest, strlen(digest), 1, &dlen)
                                            : NULL;
            if (i->kind != JV_OBJECT || !d || dlen != DIGEST_LEN)
                return fhir_arena_failed(a) ? FHIR_E_NOMEM : FHIR_E_INVALID;
            memcpy(x->digest, d, DIGEST_LEN);
            if (list) {
                x->full_url = jget_string(i, "fullUrl");
                x->resource = jget_string(i, "resource");
                if ((jget(i, "fullUrl") && !x->full_url) || (jget(i, "resource") && !x->resource))
                    return FHIR_E_INVALID;
                x->index = p->entries++;
            } else {
                x->name = jget_string(i, "element");
                if (!x->name || strcmp(x->name, "entry") == 0)
                    return FHIR_E_INVALID;
                x->index = p->bundles++;
            }
        }
    }
    return 0;
}

/* ---- keys, certificates and the JWS ------------------------------------------ */

/* The JWS alg for a key: "ES256" (EC P-256), "RS256" (RSA >= 2048 bits), or NULL. */
static const char *key_alg(EVP_PKEY *key)
{
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_RSA)
        return EVP_PKEY_get_bits(key) >= 2048 ? "RS256" : NULL;
    if (id != EVP_PKEY_EC)
        return NULL;
    char group[64];
    size_t glen = 0;
    if (!EVP_PKEY_get_group_name(key, group, sizeof group, &glen))
        return NULL;
    return strcmp(group, SN_X9_62_prime256v1) == 0 ? "ES256" : NULL;
}

/* The subject as RFC 2253 text, ASCII only (non-ASCII escaped), for messages. */
static const char *subject_text(fhir_arena *a, X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const char *out = NULL;
    char *data = NULL;
    if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        long n = BIO_get_mem_data(bio, &data);
        out = n > 0 ? fhir_arena_strndup(a, data, (size_t)n) : "(no subject)";
    }
    BIO_free(bio);
    return out ? out : "(unreadable subject)";
}

/* One attribute of the subject in UTF-8, when it is a valid FHIR string. */
static char *subject_part(fhir_arena *a, X509 *cert, int nid)
{
    X509_NAME *name = X509_get_subject_name(cert);
    int at = X509_NAME_get_index_by_NID(name, nid, -1);
    if (at < 0)
        return NULL;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
    char *out = NULL;
    if (n > 0 && fhir__utf8_valid(utf8, (size_t)n) &&
        fhir_primitive_valid(FHIR_PRIM_STRING, (const char *)utf8, (size_t)n) &&
        !memchr(utf8, '\0', (size_t)n))
        out = fhir_arena_strndup(a, (const char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    return out;
}

/* Signature.who.display: "O (CN)", or the one that is there. */
static const char *signer_display(fhir_arena *a, X509 *cert)
{
    char *o = subject_part(a, cert, NID_organizationName);
    char *cn = subject_part(a, cert, NID_commonName);
    if (o && cn && strcmp(o, cn) != 0)
        return fhir_arena_printf(a, "%s (%s)", o, cn);
    if (o || cn)
        return o ? o : cn;
    return subject_text(a, cert);
}

/* Signs `in` with SHA-256; the JWS form of the signature goes to `out`
 * (base64url). 0, or FHIR_E_INVALID when OpenSSL refuses. */
static int jws_sign(EVP_PKEY *key, int ec, const char *in, size_t len, fhir_buf *out)
{
    int rc = FHIR_E_INVALID;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    ECDSA_SIG *es = NULL;
    size_t siglen = 0;
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)in, len) != 1 ||
        !(sig = OPENSSL_malloc(siglen)) ||
        EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)in, len) != 1)
        goto out;
    if (ec) { /* DER ECDSA-Sig-Value -> R || S, 32 bytes each */
        const unsigned char *p = sig;
        unsigned char raw[64];
        const BIGNUM *r, *s;
        if (!(es = d2i_ECDSA_SIG(NULL, &p, (long)siglen)))
            goto out;
        ECDSA_SIG_get0(es, &r, &s);
        if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32)
            goto out;
        b64_add(out, raw, sizeof raw, 1);
    } else {
        b64_add(out, sig, siglen, 1);
    }
    rc = 0;
out:
    ECDSA_SIG_free(es);
    OPENSSL_free(sig);
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* 1 when sig (JWS form) is a valid signature of in[0..len) by `key`. */
static int jws_verify(EVP_PKEY *key, int ec, const char *in, size_t len, const unsigned char *sig,
                      size_t siglen)
{
    int ok = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    int derlen = (int)siglen;
    if (!ctx)
        goto out;
    if (ec) { /* R || S -> DER */
        if (siglen != 64 || !(es = ECDSA_SIG_new()) || !(r = BN_bin2bn(sig, 32, NULL)) ||
            !(s = BN_bin2bn(sig + 32, 32, NULL)) || !ECDSA_SIG_set0(es, r, s))
            goto out;
        r = s = NULL; /* owned by es now */
        if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
            goto out;
        sig = der;
    } else if (siglen != (size_t)EVP_PKEY_get_size(key)) {
        goto out;
    }
    ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
         EVP_DigestVerify(ctx, sig, (size_t)derlen, (const unsigned char *)in, len) == 1;
out:
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* ---- signing -------------------------------------------------------------------- */

static void unlink_child(fhir_node *parent, fhir_node *child)
{
    fhir_node *prev = NULL;
    for (fhir_node *c = parent->first; c; prev = c, c = c->next) {
        if (c != child)
            continue;
        if (prev)
            prev->next = c->next;
        else
            parent->first = c->next;
        if (parent->last == c)
            parent->last = prev;
        c->next = NULL;
        c->parent = NULL;
        return;
    }
}

/* Bundle.signature without data, added to the document. NULL when out of
 * memory (and nothing added). */
static fhir_node *signature_node(fhir_arena *a, fhir_node *doc, const char *when, const char *who)
{
    fhir_node *sig = fhir_node_add_named(a, doc, "signature", NULL);
    if (!sig)
        return NULL;
    fhir_node *type = fhir_node_add_named(a, sig, "type", NULL);
    fhir_node *by = fhir_node_add_named(a, sig, "who", NULL);
    if (!type || !by || !fhir_node_add_named(a, type, "system", SIG_TYPE_SYSTEM) ||
        !fhir_node_add_named(a, type, "code", SIG_TYPE_CODE) ||
        !fhir_node_add_named(a, type, "display", SIG_TYPE_DISPLAY) ||
        !fhir_node_add_named(a, sig, "when", when) ||
        !fhir_node_add_named(a, by, "display", who) ||
        !fhir_node_add_named(a, sig, "targetFormat", TARGET_FORMAT) ||
        !fhir_node_add_named(a, sig, "sigFormat", SIG_FORMAT)) {
        unlink_child(doc, sig);
        return NULL;
    }
    return sig;
}

int handover_sign(fhir_arena *a, fhir_node *doc, EVP_PKEY *key, const char *cert_pem,
                  const char *when)
{
    const char *rt = a && doc ? fhir_node_resource_type(doc) : NULL;
    if (!rt || strcmp(rt, "Bundle") != 0 || !key || !cert_pem)
        return FHIR_E_INVALID;
    char now[32];
    if (!when) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        when = now;
    }
    const char *alg = key_alg(key);
    if (!alg || !fhir_primitive_valid(FHIR_PRIM_INSTANT, when, strlen(when)))
        return FHIR_E_INVALID;

    int rc = FHIR_E_INVALID;
    ERR_set_mark();
    fhir_buf header, manifest, jws, tail, data;
    fhir_buf_init(&header, 0);
    fhir_buf_init(&manifest, 0);
    fhir_buf_init(&jws, 0);
    fhir_buf_init(&tail, 0);
    fhir_buf_init(&data, 0);
    unsigned char *der = NULL;
    fhir_node *old = fhir_node_child(doc, "signature"), *sig = NULL;
    int detached = 0; /* old is out of the document */
    BIO *bio = BIO_new_mem_buf(cert_pem, -1);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    int derlen = cert ? i2d_X509(cert, &der) : -1;
    if (!cert || derlen <= 0 || X509_check_private_key(cert, key) != 1)
        goto out;
    rc = FHIR_E_NOMEM;
    const char *who = signer_display(a, cert);
    if (!who)
        goto out;
    if (old) {
        unlink_child(doc, old);
        detached = 1;
    }
    parts p;
    if (!(sig = signature_node(a, doc, when, who)) || collect_parts(a, doc, &p) != 0)
        goto out;
    manifest_write(&manifest, &p);
    fhir_buf_adds(&header, "{\"alg\":\"");
    fhir_buf_adds(&header, alg);
    fhir_buf_adds(&header, "\",\"typ\":\"JOSE\",\"x5c\":[\"");
    b64_add(&header, der, (size_t)derlen, 0);
    fhir_buf_adds(&header, "\"]}");
    b64_add(&jws, (const unsigned char *)header.data, header.len, 1);
    fhir_buf_addc(&jws, '.');
    b64_add(&jws, (const unsigned char *)manifest.data, manifest.len, 1);
    if (header.failed || manifest.failed || jws.failed)
        goto out;
    if (jws_sign(key, alg[0] == 'E', jws.data, jws.len, &tail) != 0) {
        rc = FHIR_E_INVALID;
        goto out;
    }
    fhir_buf_addc(&jws, '.');
    fhir_buf_add(&jws, tail.data, tail.len);
    b64_add(&data, (const unsigned char *)jws.data, jws.len, 0);
    if (tail.failed || jws.failed || data.failed ||
        !fhir_node_add_named(a, sig, "data", data.data) || fhir_arena_failed(a))
        goto out;
    rc = 0;
out:
    if (rc != 0) { /* the document as it was */
        if (sig)
            unlink_child(doc, sig);
        if (detached)
            fhir_node_add(doc, old);
    }
    OPENSSL_free(der);
    X509_free(cert);
    BIO_free(bio);
    fhir_buf_free(&header);
    fhir_buf_free(&manifest);
    fhir_buf_free(&jws);
    fhir_buf_free(&tail);
    fhir_buf_free(&data);
    ERR_pop_to_mark();
    return rc;
}

/* ---- verifying ------------------------------------------------------------------ */

typedef struct verifier {
    fhir_arena *a;
    fhir_outcome *o;
    const fhir_node *doc;
    unsigned findings;
} verifier;

/* One issue worded in English and Dutch, at a node or at an expression. */
static void report(verifier *v, const fhir_node *at, const char *expression, fhir_severity sev,
                   const char *nl, const char *en)
{
    fhir_outcome *o = v->o;
    if (sev <= FHIR_SEV_ERROR)
        v->findings++;
    if (!nl || !en) { /* a message could not be made: out of memory */
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        return;
    }
    if (at) {
        fhir_outcome_rule(o, at, sev, "security", NULL, NULL, nl, en);
        return;
    }
    fhir_outcome_add(o, sev, "security", expression, 0, 0, "%s", en);
    if (o->last && strcmp(o->last->message, en) == 0) /* not dropped */
        o->last->message_nl = fhir_arena_strdup(o->arena, nl);
}

/* The signature cannot be read: what is wrong with it. */
static void unreadable(verifier *v, const fhir_node *at, const char *nl, const char *en)
{
    fhir_arena *oa = v->o->arena;
    report(v, at, NULL, FHIR_SEV_ERROR,
           fhir_arena_printf(oa, "de handtekening (Bundle.signature.data) is niet te lezen: %s",
                             nl),
           fhir_arena_printf(oa, "the signature (Bundle.signature.data) cannot be read: %s", en));
}

static const char *key_of(const part *p)
{
    return p->name ? p->name : p->full_url;
}

static int key_cmp(const part *x, const part *y)
{
    const char *kx = key_of(x), *ky = key_of(y);
    if (!kx || !ky)
        return (kx != NULL) - (ky != NULL);
    return strcmp(kx, ky);
}

static int by_key_then_index(const void *x, const void *y)
{
    const part *a = *(const part *const *)x, *b = *(const part *const *)y;
    int c = key_cmp(a, b);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* Pairs signed and current parts with the same key (element name or
 * fullUrl), in order among equal keys. 0 or FHIR_E_NOMEM. */
static int match_parts(fhir_arena *a, part *signed_, size_t ns, part *current, size_t nc)
{
    part **s = fhir_arena_alloc(a, (ns + 1) * sizeof *s);
    part **c = fhir_arena_alloc(a, (nc + 1) * sizeof *c);
    if (!s || !c)
        return FHIR_E_NOMEM;
    for (size_t i = 0; i < ns; i++)
        s[i] = &signed_[i];
    for (size_t i = 0; i < nc; i++)
        c[i] = &current[i];
    qsort(s, ns, sizeof *s, by_key_then_index);
    qsort(c, nc, sizeof *c, by_key_then_index);
    for (size_t i = 0, j = 0; i < ns && j < nc;) {
        int k = key_cmp(s[i], c[j]);
        if (k < 0) {
            i++;
        } else if (k > 0) {
            j++;
        } else {
            s[i]->match = c[j];
            c[j]->match = s[i];
            i++;
            j++;
        }
    }
    return 0;
}

static const char *entry_label(fhir_arena *a, const part *e)
{
    return fhir_arena_printf(a, "%s (%s)", e->full_url ? e->full_url : "without fullUrl",
                             e->resource ? e->resource : "no resource");
}

static void compare_bundle(verifier *v, const parts *s, const parts *c)
{
    fhir_arena *oa = v->o->arena;
    for (size_t i = 0; i < s->bundles; i++) {
        const part *x = &s->bundle[i];
        if (!x->match) {
            report(v, NULL, fhir_arena_printf(oa, "Bundle.%s", x->name), FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "Bundle.%s is na ondertekening verwijderd", x->name),
                   fhir_arena_printf(oa, "Bundle.%s was removed after signing", x->name));
        } else if (memcmp(x->digest, x->match->digest, DIGEST_LEN) != 0) {
            int sig = strcmp(x->name, "signature") == 0;
            report(v, x->match->node, NULL, FHIR_SEV_ERROR,
                   sig ? "Bundle.signature (soort, tijdstip, ondertekenaar of formaat) is na "
                         "ondertekening gewijzigd"
                       : fhir_arena_printf(oa, "Bundle.%s is na ondertekening gewijzigd", x->name),
                   sig ? "Bundle.signature (type, when, who or formats) was changed after signing"
                       : fhir_arena_printf(oa, "Bundle.%s was changed after signing", x->name));
        }
    }
    for (size_t i = 0; i < c->bundles; i++)
        if (!c->bundle[i].match)
            report(v, c->bundle[i].node, NULL, FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "Bundle.%s is na ondertekening toegevoegd",
                                     c->bundle[i].name),
                   fhir_arena_printf(oa, "Bundle.%s was added after signing", c->bundle[i].name));
}

/* Entries whose order changed: the matched entries, in signed order, that
 * are not in a longest run of increasing current positions. 0 or NOMEM. */
static int report_moved(verifier *v, const parts *s)
{
    fhir_arena *a = v->a, *oa = v->o->arena;
    size_t n = 0;
    const part **seq = fhir_arena_alloc(a, (s->entries + 1) * sizeof *seq);
    size_t *tail = fhir_arena_alloc(a, (s->entries + 1) * sizeof *tail);
    size_t *prev = fhir_arena_alloc(a, (s->entries + 1) * sizeof *prev);
    unsigned char *keep = fhir_arena_zalloc(a, s->entries + 1);
    if (!seq || !tail || !prev || !keep)
        return FHIR_E_NOMEM;
    for (size_t i = 0; i < s->entries; i++)
        if (s->entry[i].match)
            seq[n++] = &s->entry[i];
    size_t len = 0; /* tail[k]: the seq index ending the best run of length k + 1 */
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = len;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (seq[tail[mid]]->match->index < seq[i]->match->index)
                lo = mid + 1;
            else
                hi = mid;
        }
        prev[i] = lo ? tail[lo - 1] : (size_t)-1;
        tail[lo] = i;
        if (lo == len)
            len++;
    }
    for (size_t i = len ? tail[len - 1] : (size_t)-1; i != (size_t)-1; i = prev[i])
        keep[i] = 1;
    for (size_t i = 0; i < n; i++)
        if (!keep[i])
            report(v, seq[i]->match->node, NULL, FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "entry %s is verplaatst: ondertekend als entry[%zu], nu "
                                     "entry[%zu]", entry_label(oa, seq[i]), seq[i]->index,
                                     seq[i]->match->index),
                   fhir_arena_printf(oa, "entry %s was moved: signed as entry[%zu], now "
                                     "entry[%zu]", entry_label(oa, seq[i]), seq[i]->index,
                                     seq[i]->match->index));
    return 0;
}

static int compare_entries(verifier *v, const parts *s, const parts *c)
{
    fhir_arena *oa = v->o->arena;
    for (size_t i = 0; i < s->entries; i++) {
        const part *x = &s->entry[i];
        const char *label = entry_label(oa, x);
        if (!x->match)
            report(v, NULL, "Bundle.entry", FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "entry %s, ondertekend als entry[%zu], is na "
                                     "ondertekening verwijderd", label, x->index),
                   fhir_arena_printf(oa, "entry %s, signed as entry[%zu], was removed after "
                                     "signing", label, x->index));
        else if (memcmp(x->digest, x->match->digest, DIGEST_LEN) != 0)
            report(v, x->match->node, NULL, FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "entry %s is na ondertekening gewijzigd",
                                     entry_label(oa, x->match)),
                   fhir_arena_printf(oa, "entry %s was changed after signing",
                                     entry_label(oa, x->match)));
    }
    for (size_t i = 0; i < c->entries; i++)
        if (!c->entry[i].match)
            report(v, c->entry[i].node, NULL, FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "entry %s is na ondertekening toegevoegd",
                                     entry_label(oa, &c->entry[i])),
                   fhir_arena_printf(oa, "entry %s was added after signing",
                                     entry_label(oa, &c->entry[i])));
    return report_moved(v, s);
}

int handover_verify(fhir_arena *a, const fhir_node *doc, X509 *cert, fhir_outcome *o)
{
    const char *rt = a && doc && o ? fhir_node_resource_type(doc) : NULL;
    if (!rt || strcmp(rt, "Bundle") != 0)
        return FHIR_E_INVALID;
    verifier v = {.a = a, .o = o, .doc = doc};
    const fhir_node *sig = fhir_node_child(doc, "signature");
    const fhir_node *data = sig ? fhir_node_child(sig, "data") : NULL;
    if (!data || !data->value) {
        report(&v, sig ? sig : doc, NULL, FHIR_SEV_ERROR,
               "het document is niet ondertekend (geen Bundle.signature met data)",
               "the document is not signed (no Bundle.signature with data)");
        return HANDOVER_SIG_UNSIGNED;
    }
    fhir_arena *oa = o->arena;
    const char *when = fhir_node_child_value(sig, "when");
    int compared = 0;
    ERR_set_mark();
    X509 *embedded = NULL;
    const char *format = fhir_node_child_value(sig, "sigFormat");
    if (format && strcmp(format, SIG_FORMAT) != 0) {
        unreadable(&v, sig, fhir_arena_printf(oa, "formaat %s wordt niet ondersteund", format),
                   fhir_arena_printf(oa, "format %s is not supported", format));
        goto out;
    }

    /* the JWS: header.payload.signature */
    size_t len = 0, hlen = 0, mlen = 0, slen = 0, clen = 0;
    const char *jws = (const char *)b64_decode(a, data->value, data->value_len, 0, &len);
    const char *d1 = jws ? memchr(jws, '.', len) : NULL;
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jws)) : NULL;
    if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jws))) {
        unreadable(&v, data, "geen JWS (header.payload.handtekening, base64)",
                   "not a JWS (header.payload.signature, in base64)");
        goto out;
    }
    const char *header = (const char *)b64_decode(a, jws, (size_t)(d1 - jws), 1, &hlen);
    const jv *h = header ? json_parse(a, header, hlen) : NULL;
    const char *alg = jget_string(h, "alg");
    const jv *x5c = jget(h, "x5c");
    const unsigned char *der = x5c && x5c->kind == JV_ARRAY && x5c->first &&
                               x5c->first->kind == JV_STRING
                             ? b64_decode(a, x5c->first->str, x5c->first->len, 0, &clen) : NULL;
    const unsigned char *p = der;
    if (der && clen <= 1u << 20)
        embedded = d2i_X509(NULL, &p, (long)clen);
    if (!h || !alg || (strcmp(alg, "ES256") != 0 && strcmp(alg, "RS256") != 0) ||
        jget(h, "crit") || !embedded || p != der + clen) {
        unreadable(&v, data, "de JWS-header heeft geen alg ES256 of RS256 met het certificaat in "
                   "x5c", "the JWS header does not have alg ES256 or RS256 with the certificate "
                   "in x5c");
        goto out;
    }
    const char *signer = subject_text(a, embedded);

    /* the signature over header.payload */
    EVP_PKEY *pub = X509_get0_pubkey(cert ? cert : embedded);
    const char *key_kind = pub ? key_alg(pub) : NULL;
    const unsigned char *sigbytes = b64_decode(a, d2 + 1, len - (size_t)(d2 + 1 - jws), 1, &slen);
    if (!key_kind || strcmp(key_kind, alg) != 0 || !sigbytes ||
        !jws_verify(pub, alg[0] == 'E', jws, (size_t)(d2 - jws), sigbytes, slen)) {
        if (cert)
            report(&v, data, NULL, FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "de handtekening klopt niet met het opgegeven certificaat "
                                     "(%s); zij noemt %s als ondertekenaar",
                                     subject_text(oa, cert), signer),
                   fhir_arena_printf(oa, "the signature does not verify with the given "
                                     "certificate (%s); it names %s as signer",
                                     subject_text(oa, cert), signer));
        else
            report(&v, data, NULL, FHIR_SEV_ERROR,
                   fhir_arena_printf(oa, "de handtekening klopt niet met het certificaat erin "
                                     "(%s): de handtekening of het manifest is gewijzigd", signer),
                   fhir_arena_printf(oa, "the signature does not verify with the certificate in "
                                     "it (%s): the signature or its manifest was altered", signer));
        goto out;
    }

    /* what was signed against what is there */
    const char *manifest = (const char *)b64_decode(a, d1 + 1, (size_t)(d2 - d1 - 1), 1, &mlen);
    parts s, c;
    int rc = manifest ? manifest_read(a, manifest, mlen, &s) : FHIR_E_INVALID;
    if (rc == FHIR_E_INVALID) {
        unreadable(&v, data, "het manifest (de JWS-payload) is niet te lezen",
                   "its manifest (the JWS payload) cannot be read");
        goto out;
    }
    if (rc != 0 || collect_parts(a, doc, &c) != 0 ||
        match_parts(a, s.bundle, s.bundles, c.bundle, c.bundles) != 0 ||
        match_parts(a, s.entry, s.entries, c.entry, c.entries) != 0)
        goto out;
    compare_bundle(&v, &s, &c);
    if (compare_entries(&v, &s, &c) != 0)
        goto out;
    compared = 1;
    if (!cert)
        report(&v, sig, NULL, FHIR_SEV_WARNING,
               fhir_arena_printf(oa, "de ondertekenaar (%s) is niet gecontroleerd tegen een "
                                 "vertrouwd certificaat: het certificaat in de handtekening is "
                                 "gebruikt", signer),
               fhir_arena_printf(oa, "the signer (%s) was not checked against a trusted "
                                 "certificate: the certificate inside the signature was used",
                                 signer));
    if (!v.findings && !fhir_arena_failed(a))
        report(&v, sig, NULL, FHIR_SEV_INFORMATION,
               fhir_arena_printf(oa, "de handtekening is intact: ondertekend door %s op %s",
                                 signer, when ? when : "?"),
               fhir_arena_printf(oa, "the signature is intact: signed by %s at %s", signer,
                                 when ? when : "?"));
out:
    X509_free(embedded);
    ERR_pop_to_mark();
    /* every way here short of the comparison reports why, but running out of memory */
    if (fhir_arena_failed(a) || fhir_arena_failed(oa) || (!compared && !v.findings)) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "%s",
                         "out of memory verifying the signature");
        return HANDOVER_SIG_ALTERED;
    }
    return v.findings ? HANDOVER_SIG_ALTERED : HANDOVER_SIG_INTACT;
}
