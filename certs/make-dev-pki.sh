#!/bin/sh
# make-dev-pki.sh: a development PKI with the Dutch UZI certificate layout, for development and
# tests only. Production uses real UZI server certificates from the CIBG (UZI-register).
#
# usage: make-dev-pki.sh [--force] [DIR]
#        make-dev-pki.sh [--force] --add-client NAME URA UZI-NR AGB ORGANISATION [DIR]
#
# DIR defaults to dev/ beside this script (certs/dev). The first form makes the whole set (see
# README.md in this directory): the development CA ca.pem (ca.key; trust.pem, the trust bundle,
# is a copy), server.pem/server.key for localhost, NAME.pem/NAME.key for the clients institution,
# practice, hap, privacy, untrusted (from another CA, untrusted-ca.pem) and expired, and
# access.conf. If DIR already holds a complete set that still verifies, it does nothing;
# --force makes a new set (a new CA: certificates made earlier stop verifying).
# The second form signs one more client certificate NAME.pem/NAME.key with the CA in DIR; it
# does not touch access.conf (it prints the line to add). --force replaces an existing NAME.
#
# Keys are ECDSA P-256, mode 0600. Only the openssl CLI (OpenSSL 3.0) and POSIX sh are used;
# the certificate profiles are in uzi.cnf beside this script. A new set is made in a temporary
# directory inside DIR and moved into place only when every certificate was made.
# Exit status: 0 done (or nothing to do), 1 openssl or file error, 2 usage error.
set -eu

prog=make-dev-pki.sh
here=$(cd "$(dirname "$0")" && pwd)
cnf=$here/uzi.cnf

usage() {
  echo "usage: $prog [--force] [DIR]"
  echo "       $prog [--force] --add-client NAME URA UZI-NR AGB ORGANISATION [DIR]"
}
die() { echo "$prog: $*" >&2; exit 1; }
usage_error() { echo "$prog: $*" >&2; usage >&2; exit 2; }

force=0
add=0
dir=
while [ $# -gt 0 ]; do
  case $1 in
    --force) force=1 ;;
    --add-client)
      [ $# -ge 6 ] || usage_error "--add-client needs NAME URA UZI-NR AGB ORGANISATION"
      add=1 a_name=$2 a_ura=$3 a_uzi=$4 a_agb=$5 a_org=$6
      shift 5 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage_error "unknown option: $1" ;;
    *) [ -z "$dir" ] || usage_error "more than one directory: $dir, $1"
       dir=$1 ;;
  esac
  shift
done
dir=${dir:-$here/dev}

command -v openssl >/dev/null 2>&1 || die "openssl not found"
[ -r "$cnf" ] || die "missing $cnf"

# What a complete set is.
leaves_trusted="server institution practice hap privacy"
leaves="$leaves_trusted untrusted expired"
files="ca.pem ca.key trust.pem untrusted-ca.pem access.conf"
for n in $leaves; do files="$files $n.pem $n.key"; done

# Everything here is fake: URAs 900000xx, UZI numbers 9000001xx, AGB codes 990000xx.
ca_org="MGZ Handover development PKI - not for production"

# Validity: the CAs 10 years from 1 January of last year, so that the expired certificate
# (January of last year) lies inside its issuer's period and expiry is its only fault.
# Server and client certificates: 3 years from now.
year=$(date -u +%Y)
last=$((year - 1))
ca_start=${last}0101000000Z
ca_end=$((last + 10))0101000000Z
expired_start=${last}0101000000Z
expired_end=${last}0201000000Z
leaf_days=1095

# The environment uzi.cnf reads; all must be set whenever openssl loads it.
PKI_DB=/nonexistent UZI_NR=0 UZI_URA=0 UZI_AGB=0
export PKI_DB UZI_NR UZI_URA UZI_AGB

work=
cleanup() { if [ -n "$work" ]; then rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# run CMD...: run a command with its chatter in the log; on failure show the log and stop.
run() {
  if ! "$@" >>"$work/log" 2>&1; then
    echo "$prog: failed: $*" >&2
    tail -n 20 "$work/log" >&2
    exit 1
  fi
}

# new_key FILE: an ECDSA P-256 key (PKCS#8 PEM, named curve), mode 0600 from the start.
new_key() {
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
     -pkeyopt ec_param_enc:named_curve -out "$1" >>"$work/log" 2>&1) ||
    die "key generation failed for $1"
  chmod 600 "$1"
}

# new_db NAME: fresh `openssl ca` bookkeeping (index.txt, copies) in the work directory.
new_db() {
  mkdir "$work/db-$1"
  : > "$work/db-$1/index.txt"
}

# make_ca NAME CN: a self-signed CA, $work/NAME.pem and $work/NAME.key, bookkeeping db-NAME.
make_ca() {
  new_db "$1"
  PKI_DB=$work/db-$1
  new_key "$work/$1.key"
  run openssl req -new -config "$cnf" -key "$work/$1.key" -subj "/C=NL/O=$ca_org/CN=$2" \
      -out "$work/$1.csr"
  run openssl ca -batch -selfsign -config "$cnf" -keyfile "$work/$1.key" -in "$work/$1.csr" \
      -startdate "$ca_start" -enddate "$ca_end" -extensions uzi_ca -notext -out "$work/$1.pem"
}

# issue CA NAME PROFILE UZI-NR URA AGB ORGANISATION CN VALIDITY
# $work/NAME.pem and $work/NAME.key carrying the UZI identity, signed by the CA whose files are
# $CA.pem/$CA.key and whose bookkeeping is db-$(basename CA) in the work directory.
# PROFILE: uzi_server or uzi_client (sections of uzi.cnf). VALIDITY: now (leaf_days from now)
# or expired (January of last year).
issue() {
  PKI_DB=$work/db-$(basename "$1") UZI_NR=$4 UZI_URA=$5 UZI_AGB=$6
  new_key "$work/$2.key"
  run openssl req -new -config "$cnf" -key "$work/$2.key" \
      -subj "/C=NL/O=$7/CN=$8/serialNumber=$4" -out "$work/$2.csr"
  case $9 in
    now) set -- "$1" "$2" "$3" -days "$leaf_days" ;;
    expired) set -- "$1" "$2" "$3" -startdate "$expired_start" -enddate "$expired_end" ;;
    *) die "issue: bad validity $9" ;;
  esac
  name=$2 profile=$3 ca=$1
  shift 3
  run openssl ca -batch -config "$cnf" -cert "$ca.pem" -keyfile "$ca.key" \
      -in "$work/$name.csr" -extensions "$profile" -notext -out "$work/$name.pem" "$@"
}

# set_complete: whether $dir holds every file of a set whose certificates still verify
# (the expired one apart from its dates, the untrusted one against its own CA).
# Sets $why when it does not.
set_complete() {
  for f in $files; do
    if [ ! -s "$dir/$f" ]; then why="$f is missing"; return 1; fi
  done
  for n in $leaves_trusted; do
    if ! openssl verify -CAfile "$dir/trust.pem" "$dir/$n.pem" >/dev/null 2>&1; then
      why="$n.pem does not verify against trust.pem (expired, or from another CA)"; return 1
    fi
  done
  if ! openssl verify -no_check_time -CAfile "$dir/trust.pem" "$dir/expired.pem" >/dev/null 2>&1 ||
     ! openssl verify -CAfile "$dir/untrusted-ca.pem" "$dir/untrusted.pem" >/dev/null 2>&1; then
    why="expired.pem or untrusted.pem is not from this set"; return 1
  fi
  return 0
}

# --add-client: one more client certificate from the CA in $dir.
if [ "$add" = 1 ]; then
  case $a_name in
    ''|*[!a-z0-9-]*|-*) usage_error "NAME must be lower-case letters, digits and '-': $a_name" ;;
    ca|trust|untrusted-ca|server|access) usage_error "NAME $a_name is taken by the set itself" ;;
  esac
  case $a_ura in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
    *) usage_error "URA must be 8 digits: $a_ura" ;;
  esac
  case $a_uzi in ''|*[!0-9]*) usage_error "UZI-NR must be digits: $a_uzi" ;; esac
  case $a_agb in ''|*[!0-9]*) usage_error "AGB must be digits: $a_agb" ;; esac
  case $a_org in
    ''|*[/+=\\]*) usage_error "ORGANISATION must be non-empty, without / + = or \\: $a_org" ;;
  esac
  [ ${#a_org} -le 64 ] || usage_error "ORGANISATION longer than 64 characters"
  if [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/ca.key" ]; then
    die "no CA in $dir: run $prog $dir first"
  fi
  if [ -e "$dir/$a_name.pem" ] && [ "$force" = 0 ]; then
    die "$dir/$a_name.pem exists (use --force to replace it)"
  fi
  work=$(mktemp -d "$dir/.new.XXXXXX")
  new_db ca
  issue "$dir/ca" "$a_name" uzi_client "$a_uzi" "$a_ura" "$a_agb" "$a_org" "$a_name" now
  mv -f "$work/$a_name.key" "$dir/$a_name.key"
  mv -f "$work/$a_name.pem" "$dir/$a_name.pem"
  echo "made $dir/$a_name.pem and $dir/$a_name.key (URA $a_ura, UZI $a_uzi)"
  echo "to give it a role, add to $dir/access.conf, e.g.:"
  printf '%-15s %-16s %s\n' "$a_ura" reader "$a_org"
  exit 0
fi

mkdir -p "$dir" || die "cannot create $dir"
if [ "$force" = 0 ]; then
  if set_complete; then
    echo "$dir holds a complete development PKI; nothing to do (--force makes a new one)"
    exit 0
  fi
  for f in $files; do
    if [ -e "$dir/$f" ]; then echo "$prog: $why; making a new set" >&2; break; fi
  done
fi

work=$(mktemp -d "$dir/.new.XXXXXX")

make_ca ca "MGZ Dev UZI CA"
make_ca untrusted-ca "MGZ Dev Untrusted CA"
# issue CA NAME PROFILE UZI-NR URA AGB, then ORGANISATION (subject O), CN and VALIDITY.
issue "$work/ca" server          uzi_server 900000100 90000000 99000000 \
  "MGZ Handover Service (development only)" localhost now
issue "$work/ca" institution     uzi_client 900000101 90000001 99000001 \
  "Zorggroep De Linde" ecd.zorggroep-delinde.example now
issue "$work/ca" practice        uzi_client 900000102 90000002 99000002 \
  "Huisartsenpraktijk Het Plein" his.hetplein.example now
issue "$work/ca" hap             uzi_client 900000103 90000003 99000003 \
  "Huisartsenpost Regio Zwolle" hap.regiozwolle.example now
# the privacy officer: the institution's URA, a UZI number of its own (access.conf maps that)
issue "$work/ca" privacy         uzi_client 900000111 90000001 99000001 \
  "Zorggroep De Linde" "Functionaris Gegevensbescherming Zorggroep De Linde" now
issue "$work/ca" expired         uzi_client 900000104 90000004 99000004 \
  "Thuiszorg De Vecht" ecd.thuiszorg-devecht.example expired
issue "$work/untrusted-ca" untrusted uzi_client 900000199 90000099 99000099 \
  "Zorgcentrum Buitenaf" ecd.buitenaf.example now

cp "$work/ca.pem" "$work/trust.pem"

cat > "$work/access.conf" <<'EOF'
# access.conf: which client may do what, for the development PKI (made by certs/make-dev-pki.sh).
#
# One entry a line: KEY ROLE ORGANISATION, separated by spaces or tabs.
#   KEY           a URA (8 digits): the organisation in the client certificate, read from the UZI
#                 SAN (otherName 2.5.5.5, 5th field; also otherName permanentIdentifier), or
#                 uzi:<UZI-nr>: one certificate, by its UZI number (3rd field of the UZI SAN),
#                 for a certificate whose role differs from that of its organisation.
#   ROLE          publisher (publishes handover records), reader (fetches handovers) or
#                 privacy-officer (reads the access log).
#   ORGANISATION  the rest of the line: the organisation's name, for people reading this file.
# A uzi: entry decides for its certificate, in place of the entry for the certificate's URA.
# A key appears once. A client with no entry has no role. '#' starts a comment line.
#
# URA/UZI       role             organisation
90000001        publisher        Zorggroep De Linde
90000002        publisher        Huisartsenpraktijk Het Plein
90000003        reader           Huisartsenpost Regio Zwolle
uzi:900000111   privacy-officer  Functionaris Gegevensbescherming Zorggroep De Linde

# Test entries: these clients have a role, so a refusal proves what refuses them.
# expired.pem (signed by the dev CA, expired): expiry refuses it.
90000004        reader           Thuiszorg De Vecht
# untrusted.pem (signed by the Untrusted CA, not in trust.pem): the trust chain refuses it.
90000099        publisher        Zorgcentrum Buitenaf
EOF

# Move the set into place; the untrusted CA's key is not kept (nothing else is signed by it).
for f in $files; do
  mv -f "$work/$f" "$dir/$f"
done

# Clients added earlier with --add-client were signed by the previous CA.
for f in "$dir"/*.pem; do
  n=$(basename "$f" .pem)
  case " ca trust untrusted-ca $leaves " in
    *" $n "*) ;;
    *) echo "$prog: note: $f is from an earlier CA; remake it with --add-client --force" >&2 ;;
  esac
done
# Sets made before the files were renamed (.crt, gp-practice, ...) leave their files behind;
# a NAME.key beside an old NAME.crt is stale too unless the set still uses NAME.
for f in "$dir"/*.crt; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .crt)
  case " ca untrusted-ca $leaves " in
    *" $n "*) echo "$prog: note: $f is from an older layout (now $n.pem); remove it" >&2 ;;
    *) echo "$prog: note: $f and $n.key are from an older layout; remove them" >&2 ;;
  esac
done

echo "made a development PKI in $dir (development and tests only):"
echo "  ca.pem ca.key trust.pem   the MGZ Dev UZI CA; trust.pem is the trust bundle"
echo "  server.pem server.key     localhost, 127.0.0.1"
echo "  institution practice hap privacy   clients (.pem .key)"
echo "  untrusted (Untrusted CA, untrusted-ca.pem)  expired   clients the server must refuse"
echo "  access.conf               URA/UZI number to role"
