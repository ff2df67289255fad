/*
 * handover.c — the offline command-line tool: validate and convert FHIR R4
 * files with the same library the server uses, so vendors can check their
 * documents without a server.
 *
 *   handover validate [--summary | --format xml|json] FILE...
 *   handover convert --to xml|json [--compact] FILE
 *   handover build [--format xml|json] [--now DATETIME] [--review-days N] FILE
 *   handover sign --key KEY.pem --cert CERT.pem [--format xml|json] [--when INSTANT] FILE
 *   handover verify [--cert CERT.pem] FILE
 *   handover render [--variant office|anw | --at DATETIME] [--now DATETIME]
 *                   [--review-days N] FILE
 *
 * FILE "-" is standard input; the input format is detected from the content.
 * Exit status: 0 fine, 1 the input has errors, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "fhir.h"
#include "handover.h"
#include "handover_html.h"
#include "handover_sign.h"

static const char usage_main[] =
    "usage: handover <command> [options] FILE...\n"
    "\n"
    "commands:\n"
    "  validate   check FHIR R4 resources; print an OperationOutcome per file\n"
    "  convert    convert a FHIR R4 resource between XML and JSON\n"
    "  build      build the MGZ handover document from a patient's records\n"
    "  sign       sign a handover document (Bundle.signature)\n"
    "  verify     check a signed handover document: name what changed since signing\n"
    "  render     write a handover as one readable HTML page for the doctor\n"
    "\n"
    "FILE - reads standard input. 'handover <command> --help' tells more.\n";

static const char usage_validate[] =
    "usage: handover validate [--summary | --format xml|json] [--profile handover] FILE...\n"
    "\n"
    "Reads each FILE (XML or JSON, detected from the content), checks it against\n"
    "the FHIR R4 definitions and prints an OperationOutcome (JSON by default).\n"
    "  --summary        one line per issue: FILE:LINE:COL: severity code expression: message\n"
    "  --format FMT     print the OperationOutcome as xml or json\n"
    "  --profile handover  also check the MGZ handover profile and covenant rules: a\n"
    "                   document Bundle against the profile, any other Bundle as a\n"
    "                   patient's records\n"
    "  --now DATETIME   'today' for the rules (default: the current time)\n"
    "  --max-bytes N    refuse inputs larger than N bytes (default 8388608)\n"
    "  --max-depth N    refuse element nesting deeper than N (default 100)\n"
    "Exit status: 0 no errors, 1 a file has errors, 2 usage or I/O error.\n";

static const char usage_convert[] =
    "usage: handover convert --to xml|json [--compact] FILE\n"
    "\n"
    "Reads FILE (XML or JSON, detected from the content) and writes it to standard\n"
    "output in the other format, in FHIR element order. Errors in the input are\n"
    "printed to standard error and make the exit status 1; nothing is written when\n"
    "the input cannot be read at all.\n"
    "  --compact        no indentation\n"
    "  --max-bytes N    refuse inputs larger than N bytes (default 8388608)\n"
    "  --max-depth N    refuse element nesting deeper than N (default 100)\n";

static const char usage_build[] =
    "usage: handover build [--format xml|json] [--now DATETIME] [--review-days N] FILE\n"
    "\n"
    "Reads a patient's records (a transaction or collection Bundle, XML or JSON),\n"
    "checks them and the covenant rules, and writes the MGZ handover document (a\n"
    "document Bundle) to standard output, XML by default. When a rule is broken it\n"
    "writes nothing and prints the OperationOutcome to standard error instead.\n"
    "  --format FMT     write the document as xml or json\n"
    "  --now DATETIME   the document's date and 'today' for the rules, e.g.\n"
    "                   2026-11-23T03:00:00Z (default: the current time)\n"
    "  --review-days N  a directive reviewed more than N days ago warns (default 365)\n"
    "Exit status: 0 built, 1 the records are invalid, 2 usage or I/O error.\n";

static const char usage_render[] =
    "usage: handover render [--variant office|anw | --at DATETIME] [--now DATETIME]\n"
    "                       [--review-days N] FILE > page.html\n"
    "\n"
    "Writes the doctor's page: one self-contained HTML page in Dutch (no scripts,\n"
    "nothing fetched), treatment limits first, then behaviour advice, who to call\n"
    "now, the regiebehandelaar MGZ, medication and background. FILE is a handover\n"
    "document (a document Bundle) or a patient's records (a transaction or\n"
    "collection Bundle, built into the document first), XML or JSON.\n"
    "  --variant V      whose phone numbers come first: office (kantooruren) or anw\n"
    "                   (avond, nacht en weekend)\n"
    "  --at DATETIME    the variant for that moment, e.g. 2026-11-24T03:00:00+01:00:\n"
    "                   office hours are Monday to Friday 08:00-17:00 Amsterdam time,\n"
    "                   except public holidays\n"
    "  --now DATETIME   'today' for expired and overdue directives, and the date of\n"
    "                   a document built from records (default: the current time);\n"
    "                   without --variant or --at it also picks the variant\n"
    "  --review-days N  a directive reviewed more than N days ago warns (default 365)\n"
    "Exit status: 0 written, 1 the input is invalid or not a handover, 2 usage or\n"
    "I/O error.\n";

static const char usage_sign[] =
    "usage: handover sign --key KEY.pem --cert CERT.pem [--format xml|json] [--when INSTANT] FILE\n"
    "\n"
    "Signs a handover document (a Bundle, XML or JSON) and writes it with\n"
    "Bundle.signature to standard output, in the input's format unless --format\n"
    "says otherwise; a signature that is there is replaced. Everything but the\n"
    "signature's data is signed, so sign after the last change.\n"
    "  --key FILE       the private key, PEM: EC P-256 or RSA of at least 2048 bits\n"
    "  --cert FILE      the certificate of that key, PEM; it goes into the signature\n"
    "  --format FMT     write the document as xml or json\n"
    "  --when INSTANT   the signing time, e.g. 2026-11-23T03:00:00Z (default: now)\n"
    "Exit status: 0 signed, 1 the document has errors, 2 usage or I/O error or a\n"
    "key or certificate that cannot be used.\n";

static const char usage_verify[] =
    "usage: handover verify [--cert CERT.pem] FILE\n"
    "\n"
    "Checks the signature of a signed handover document (XML or JSON) and that\n"
    "nothing signed was changed since. Prints one line per finding to standard\n"
    "output (FILE:LINE:COL: severity code expression: message): which entry\n"
    "(fullUrl and resource type/id) or Bundle element was changed, added, removed\n"
    "or moved, or that the signature itself does not verify.\n"
    "  --cert FILE      the signer's trusted certificate, PEM; without it the\n"
    "                   certificate inside the signature is used and a warning says\n"
    "                   that the signer was not checked\n"
    "Exit status: 0 intact, 1 something signed was altered or the signature does\n"
    "not verify, 2 usage or I/O error, or the document is not signed.\n";

static fhir_limits limits;

static int limit_option(int argc, char **argv, int *i);

/* The options every command takes: --help and the limits. Returns 1 when
 * argv[*i] was one of them, 0 when not, and an exit status + 10 when the
 * command should stop (help printed: 10, usage error: 12). */
static int common_option(int argc, char **argv, int *i, const char *usage)
{
    if (strcmp(argv[*i], "--help") == 0) {
        fputs(usage, stdout);
        return 10;
    }
    int taken = limit_option(argc, argv, i);
    if (taken < 0) {
        fputs(usage, stderr);
        return 12;
    }
    return taken;
}

static fhir_format format_named(const char *name)
{
    return strcmp(name, "xml") == 0 ? FHIR_FORMAT_XML
         : strcmp(name, "json") == 0 ? FHIR_FORMAT_JSON : FHIR_FORMAT_UNKNOWN;
}

/* Takes --max-bytes/--max-depth N at argv[*i]; 1 when taken, -1 when malformed. */
static int limit_option(int argc, char **argv, int *i)
{
    int bytes = strcmp(argv[*i], "--max-bytes") == 0;
    if (!bytes && strcmp(argv[*i], "--max-depth") != 0)
        return 0;
    if (*i + 1 >= argc)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(argv[*i + 1], &end, 10);
    if (errno || *end || end == argv[*i + 1] || v == 0 || (!bytes && v > 100000))
        return -1;
    if (bytes)
        limits.max_bytes = (size_t)v;
    else
        limits.max_depth = (unsigned)v;
    *i += 1;
    return 1;
}

/* Reads a whole file (or stdin for "-") into malloc'd memory, at most `limit`+1 bytes. */
static char *slurp(const char *path, size_t limit, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "handover: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > limit)
                break; /* the reader will refuse it as too large */
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || err) {
        fprintf(stderr, "handover: %s: cannot read\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* The issues as path:line:col: severity code expression: message. */
static void print_issues(const char *path, const fhir_outcome *o, FILE *to)
{
    for (const fhir_issue *i = o->first; i; i = i->next)
        fprintf(to, "%s:%u:%u: %s %s %s: %s\n", path, i->line, i->col,
                fhir_severity_code(i->severity), i->code, i->expression ? i->expression : "-",
                i->message);
}

static void print_summary(const char *path, const fhir_outcome *o)
{
    print_issues(path, o, stdout);
    if (!o->first)
        printf("%s: ok\n", path);
}

static int print_resource(const fhir_node *r, fhir_format f, unsigned flags, FILE *to)
{
    fhir_buf out;
    fhir_buf_init(&out, 0);
    int rc = fhir_write(r, f, &out, flags);
    if (rc == 0)
        fwrite(out.data, 1, out.len, to);
    fhir_buf_free(&out);
    return rc;
}

/* Reads and validates one input; the outcome collects everything. */
static fhir_node *check(fhir_arena *a, const char *path, fhir_outcome *o, int *io_error)
{
    size_t len = 0;
    char *buf = slurp(path, limits.max_bytes, &len);
    if (!buf) {
        *io_error = 1;
        return NULL;
    }
    fhir_node *root = fhir_read(a, buf, len, &limits, o);
    if (root)
        fhir_validate(root, o);
    free(buf);
    return root;
}

/* A document Bundle against the profile; any other Bundle as records. */
static void check_profile(fhir_arena *a, const fhir_node *root, const handover_options *opt,
                          fhir_outcome *o)
{
    const char *rt = fhir_node_resource_type(root);
    const char *type = fhir_node_child_value(root, "type");
    if (!rt || strcmp(rt, "Bundle") != 0) {
        fhir_outcome_add(o, FHIR_SEV_ERROR, "not-supported", rt, 0, 0, "%s",
                         "the handover profile applies to Bundles only");
        return;
    }
    if (type && strcmp(type, "document") == 0)
        handover_check_document(a, root, opt, o);
    else
        handover_check(a, root, opt, o);
}

static int cmd_validate(int argc, char **argv)
{
    int summary = 0, profile = 0;
    handover_options opt = {0};
    fhir_format fmt = FHIR_FORMAT_JSON;
    int i = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        int taken = common_option(argc, argv, &i, usage_validate);
        if (taken >= 10)
            return taken - 10;
        if (taken) {
            continue;
        } else if (strcmp(argv[i], "--summary") == 0) {
            summary = 1;
        } else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc &&
                   strcmp(argv[i + 1], "handover") == 0) {
            profile = 1;
            i++;
        } else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
            opt.now = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            fmt = format_named(f);
            if (fmt == FHIR_FORMAT_UNKNOWN) {
                fputs(usage_validate, stderr);
                return 2;
            }
        } else {
            fputs(usage_validate, stderr);
            return 2;
        }
    }
    if (i == argc) {
        fputs(usage_validate, stderr);
        return 2;
    }
    int status = 0;
    for (; i < argc; i++) {
        fhir_arena *a = fhir_arena_new(0);
        if (!a)
            return 2;
        fhir_outcome o;
        fhir_outcome_init(&o, a);
        int io_error = 0;
        fhir_node *root = check(a, argv[i], &o, &io_error);
        if (root && profile && !fhir_outcome_has_errors(&o))
            check_profile(a, root, &opt, &o);
        if (io_error) {
            status = 2;
        } else {
            if (summary) {
                print_summary(argv[i], &o);
            } else {
                fhir_node *oo = fhir_outcome_to_resource(&o, a);
                if (!oo || print_resource(oo, fmt, FHIR_WRITE_PRETTY, stdout) != 0)
                    status = 2;
            }
            if (fhir_outcome_has_errors(&o) && status == 0)
                status = 1;
        }
        fhir_arena_free(a);
    }
    return status;
}

static int cmd_convert(int argc, char **argv)
{
    fhir_format to = FHIR_FORMAT_UNKNOWN;
    unsigned flags = FHIR_WRITE_PRETTY;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        int taken = common_option(argc, argv, &i, usage_convert);
        if (taken >= 10)
            return taken - 10;
        if (taken) {
            continue;
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            to = format_named(f);
        } else if (strcmp(argv[i], "--compact") == 0) {
            flags = 0;
        } else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            path = argv[i];
        } else {
            fputs(usage_convert, stderr);
            return 2;
        }
    }
    if (to == FHIR_FORMAT_UNKNOWN || !path) {
        fputs(usage_convert, stderr);
        return 2;
    }
    fhir_arena *a = fhir_arena_new(0);
    if (!a)
        return 2;
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    int io_error = 0;
    fhir_node *root = check(a, path, &o, &io_error);
    int status = io_error ? 2 : fhir_outcome_has_errors(&o) ? 1 : 0;
    if (!io_error) {
        /* the issues go to stderr so that stdout stays one clean document */
        print_issues(path, &o, stderr);
        if (root && print_resource(root, to, flags, stdout) != 0)
            status = 2;
    }
    fhir_arena_free(a);
    return status;
}

/* --now and --review-days, the options of the commands that apply the rules:
 * 1 when argv[*i] was one (its value taken), 0 when not, -1 for a bad value. */
static int rules_option(int argc, char **argv, int *i, handover_options *opt)
{
    if (strcmp(argv[*i], "--now") == 0 && *i + 1 < argc) {
        opt->now = argv[++*i];
        return 1;
    }
    if (strcmp(argv[*i], "--review-days") == 0 && *i + 1 < argc) {
        char *end;
        long v = strtol(argv[++*i], &end, 10);
        if (*end || v <= 0 || v > 100000)
            return -1;
        opt->review_days = (unsigned)v;
        return 1;
    }
    return 0;
}

static int cmd_build(int argc, char **argv)
{
    fhir_format to = FHIR_FORMAT_XML;
    handover_options opt = {0};
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        int taken = common_option(argc, argv, &i, usage_build);
        if (taken >= 10)
            return taken - 10;
        if (taken) {
            continue;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            to = format_named(f);
        } else if ((taken = rules_option(argc, argv, &i, &opt)) != 0) {
            if (taken < 0) {
                fputs(usage_build, stderr);
                return 2;
            }
        } else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            path = argv[i];
        } else {
            fputs(usage_build, stderr);
            return 2;
        }
    }
    if (to == FHIR_FORMAT_UNKNOWN || !path) {
        fputs(usage_build, stderr);
        return 2;
    }
    fhir_arena *a = fhir_arena_new(0);
    if (!a)
        return 2;
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    int io_error = 0;
    fhir_node *records = check(a, path, &o, &io_error);
    int status = io_error ? 2 : 1;
    fhir_node *doc = NULL;
    if (records && !fhir_outcome_has_errors(&o)) {
        const char *rt = fhir_node_resource_type(records);
        if (rt && strcmp(rt, "Bundle") == 0)
            doc = handover_build(a, records, &opt, &o);
        else
            fhir_outcome_add(&o, FHIR_SEV_ERROR, "not-supported", rt, 0, 0, "%s",
                             "the records must be a Bundle (transaction or collection)");
    }
    if (doc && print_resource(doc, to, FHIR_WRITE_PRETTY, stdout) == 0) {
        status = 0;
    } else if (!io_error) {
        fhir_node *oo = fhir_outcome_to_resource(&o, a);
        if (oo)
            print_resource(oo, to, FHIR_WRITE_PRETTY, stderr);
    }
    fhir_arena_free(a);
    return status;
}

static int cmd_render(int argc, char **argv)
{
    handover_options opt = {0};
    const char *path = NULL, *variant = NULL, *at = NULL;
    for (int i = 0; i < argc; i++) {
        int taken = common_option(argc, argv, &i, usage_render);
        if (taken >= 10)
            return taken - 10;
        if (taken) {
            continue;
        } else if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc && !variant) {
            variant = argv[++i];
        } else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc && !at) {
            at = argv[++i];
        } else if ((taken = rules_option(argc, argv, &i, &opt)) != 0) {
            if (taken < 0) {
                fputs(usage_render, stderr);
                return 2;
            }
        } else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            path = argv[i];
        } else {
            fputs(usage_render, stderr);
            return 2;
        }
    }
    time_t moment = time(NULL);
    handover_html_variant v;
    if (!path || (variant && at) ||
        (variant && strcmp(variant, "office") != 0 && strcmp(variant, "anw") != 0) ||
        (at && handover_time_parse(at, &moment) != 0) ||
        (opt.now && !at && !variant && handover_time_parse(opt.now, &moment) != 0)) {
        fputs(usage_render, stderr);
        return 2;
    }
    v = variant ? (strcmp(variant, "anw") == 0 ? HANDOVER_HTML_ANW : HANDOVER_HTML_OFFICE)
                : handover_html_variant_at(moment);
    fhir_arena *a = fhir_arena_new(0);
    if (!a)
        return 2;
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    int io_error = 0;
    fhir_node *root = check(a, path, &o, &io_error);
    int status = io_error ? 2 : 1;
    fhir_node *doc = NULL;
    if (root && !fhir_outcome_has_errors(&o)) {
        const char *rt = fhir_node_resource_type(root);
        const char *type = fhir_node_child_value(root, "type");
        if (!rt || strcmp(rt, "Bundle") != 0)
            fhir_outcome_add(&o, FHIR_SEV_ERROR, "not-supported", rt, 0, 0, "%s",
                             "a handover is a document Bundle, or records in a Bundle");
        else if (type && strcmp(type, "document") == 0)
            doc = root;
        else
            doc = handover_build(a, root, &opt, &o);
    }
    if (doc) {
        fhir_buf out;
        fhir_buf_init(&out, 0);
        int rc = handover_render_html(a, doc, v, &opt, &out);
        if (rc == 0 && fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0)
            status = 0;
        else if (rc == FHIR_E_INVALID)
            fhir_outcome_add(&o, FHIR_SEV_ERROR, "not-supported", "Bundle", 0, 0, "%s",
                             "not a handover document: the Composition must come first and "
                             "there must be exactly one Patient");
        else
            status = 2;
        fhir_buf_free(&out);
    }
    if (status == 1)
        print_issues(path, &o, stderr);
    fhir_arena_free(a);
    return status;
}

/* ---- sign and verify ---------------------------------------------------------- */

/* Reads and parses one input for sign/verify; its format in *fmt. Issues on o. */
static fhir_node *read_document(fhir_arena *a, const char *path, fhir_outcome *o, fhir_format *fmt,
                                int *io_error)
{
    size_t len = 0;
    char *buf = slurp(path, limits.max_bytes, &len);
    if (!buf) {
        *io_error = 1;
        return NULL;
    }
    *fmt = fhir_detect_format(buf, len);
    fhir_node *root = fhir_read(a, buf, len, &limits, o);
    free(buf);
    return root;
}

static int cmd_sign(int argc, char **argv)
{
    fhir_format to = FHIR_FORMAT_UNKNOWN;
    const char *path = NULL, *key_path = NULL, *cert_path = NULL, *when = NULL;
    for (int i = 0; i < argc; i++) {
        int taken = common_option(argc, argv, &i, usage_sign);
        if (taken >= 10)
            return taken - 10;
        if (taken) {
            continue;
        } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
            key_path = argv[++i];
        } else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc) {
            cert_path = argv[++i];
        } else if (strcmp(argv[i], "--when") == 0 && i + 1 < argc) {
            when = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            to = format_named(argv[++i]);
            if (to == FHIR_FORMAT_UNKNOWN) {
                fputs(usage_sign, stderr);
                return 2;
            }
        } else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            path = argv[i];
        } else {
            fputs(usage_sign, stderr);
            return 2;
        }
    }
    if (!path || !key_path || !cert_path) {
        fputs(usage_sign, stderr);
        return 2;
    }
    int status = 2;
    fhir_arena *a = fhir_arena_new(0);
    EVP_PKEY *key = NULL;
    char *cert = NULL;
    size_t cert_len = 0;
    FILE *kf = fopen(key_path, "rb");
    if (kf) {
        key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
        fclose(kf);
    }
    if (!key) {
        fprintf(stderr, "handover: %s: cannot read a PEM private key\n", key_path);
        goto out;
    }
    char *raw = slurp(cert_path, 1u << 20, &cert_len);
    if (!raw)
        goto out;
    cert = malloc(cert_len + 1);
    if (cert) {
        memcpy(cert, raw, cert_len);
        cert[cert_len] = '\0';
    }
    free(raw);
    if (!a || !cert)
        goto out;
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_format from = FHIR_FORMAT_UNKNOWN;
    int io_error = 0;
    fhir_node *doc = read_document(a, path, &o, &from, &io_error);
    if (io_error)
        goto out;
    if (doc)
        fhir_validate(doc, &o);
    const char *rt = doc ? fhir_node_resource_type(doc) : NULL;
    if (doc && (!rt || strcmp(rt, "Bundle") != 0))
        fhir_outcome_add(&o, FHIR_SEV_ERROR, "not-supported", rt, 0, 0, "%s",
                         "only a Bundle (a handover document) can be signed");
    if (!doc || fhir_outcome_has_errors(&o)) {
        print_issues(path, &o, stderr);
        status = 1;
        goto out;
    }
    int rc = handover_sign(a, doc, key, cert, when);
    if (rc == FHIR_E_INVALID) {
        fprintf(stderr, "handover: cannot sign with %s and %s: the key must be EC P-256 or RSA "
                "of at least 2048 bits, the certificate that key's, and --when an instant\n",
                key_path, cert_path);
        goto out;
    }
    if (rc == 0 && print_resource(doc, to ? to : from, FHIR_WRITE_PRETTY, stdout) == 0)
        status = 0;
out:
    EVP_PKEY_free(key);
    free(cert);
    fhir_arena_free(a);
    return status;
}

static int cmd_verify(int argc, char **argv)
{
    const char *path = NULL, *cert_path = NULL;
    for (int i = 0; i < argc; i++) {
        int taken = common_option(argc, argv, &i, usage_verify);
        if (taken >= 10)
            return taken - 10;
        if (taken) {
            continue;
        } else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc) {
            cert_path = argv[++i];
        } else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            path = argv[i];
        } else {
            fputs(usage_verify, stderr);
            return 2;
        }
    }
    if (!path) {
        fputs(usage_verify, stderr);
        return 2;
    }
    int status = 2;
    X509 *cert = NULL;
    fhir_arena *a = fhir_arena_new(0);
    if (cert_path) {
        FILE *cf = fopen(cert_path, "rb");
        if (cf) {
            cert = PEM_read_X509(cf, NULL, NULL, NULL);
            fclose(cf);
        }
        if (!cert) {
            fprintf(stderr, "handover: %s: cannot read a PEM certificate\n", cert_path);
            goto out;
        }
    }
    if (!a)
        goto out;
    fhir_outcome read_o, o;
    fhir_outcome_init(&read_o, a);
    fhir_outcome_init(&o, a);
    fhir_format from;
    int io_error = 0;
    fhir_node *doc = read_document(a, path, &read_o, &from, &io_error);
    if (fhir_outcome_has_errors(&read_o))
        print_issues(path, &read_o, stderr);
    if (!doc)
        goto out;
    int rc = handover_verify(a, doc, cert, &o);
    if (rc == FHIR_E_INVALID) {
        fprintf(stderr, "handover: %s: not a Bundle\n", path);
        goto out;
    }
    print_issues(path, &o, rc == HANDOVER_SIG_UNSIGNED ? stderr : stdout);
    status = rc == HANDOVER_SIG_INTACT ? 0 : rc == HANDOVER_SIG_ALTERED ? 1 : 2;
out:
    X509_free(cert);
    fhir_arena_free(a);
    return status;
}

int main(int argc, char **argv)
{
    limits = fhir_default_limits;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc - 2, argv + 2);
    if (strcmp(argv[1], "convert") == 0)
        return cmd_convert(argc - 2, argv + 2);
    if (strcmp(argv[1], "build") == 0)
        return cmd_build(argc - 2, argv + 2);
    if (strcmp(argv[1], "sign") == 0)
        return cmd_sign(argc - 2, argv + 2);
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 2, argv + 2);
    if (strcmp(argv[1], "render") == 0)
        return cmd_render(argc - 2, argv + 2);
    fprintf(stderr, "handover: unknown command '%s'\n\n%s", argv[1], usage_main);
    return 2;
}
