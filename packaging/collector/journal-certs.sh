#!/bin/sh
# The certificates of docs/collecting.md, with openssl: a small CA for the cluster's log
# shipping, the collector's key, one key per agent. Keys are EC P-256 (fast to make,
# accepted by GnuTLS on the agents' curl and by OpenSSL in stunnel).
#
#   journal-certs.sh DIR ca                        DIR/ca.key, DIR/ca.pem (10 years)
#   journal-certs.sh DIR server NAME [SAN...]      DIR/NAME.key, DIR/NAME.pem: the collector
#   journal-certs.sh DIR client NAME               DIR/NAME.key, DIR/NAME.pem: an agent
#
# SAN: DNS:collector.example or IP:10.0.0.5 (the name the agents' URL uses must be one;
# NAME itself is always added as DNS:NAME). Run it where the CA key is kept, copy only
# NAME.key, NAME.pem and ca.pem to the machine. Nothing is overwritten.
set -eu
umask 077
dir=$1 kind=$2
days=${MJ_CERT_DAYS:-825}
mkdir -p "$dir"
cd "$dir"

new_key() {
  [ ! -e "$1.key" ] || { echo "journal-certs: $dir/$1.key exists" >&2; exit 1; }
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
}

case $kind in
  ca)
    new_key ca
    openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=mesos-journald log shipping CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
    ;;
  server|client)
    name=$3
    shift 3
    san="DNS:$name"
    for s in "$@"; do san="$san,$s"; done
    usage=serverAuth
    [ "$kind" = client ] && usage=clientAuth
    new_key "$name"
    openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
      "$usage" "$san" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
      -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
    ;;
  *)
    echo "usage: journal-certs.sh DIR ca | server NAME [SAN...] | client NAME" >&2
    exit 2
    ;;
esac
chmod 644 ./*.pem
