#!/bin/sh
# citywifi-cli: run a citywifi command (nas add, voucher create, migrate, …)
# as the service user, with the service's environment.
#
#   install -m 0755 deploy/systemd/citywifi-cli.sh /usr/local/bin/citywifi-cli
#   citywifi-cli nas add --site "UBND Phường 1" --name ap-p1-01 --ip 10.20.0.11 --secret "…"
#   echo "$PASSWORD" | citywifi-cli admin-user add --username an --role admin --password-stdin
#
# Why not plain `node bin/citywifi.js …`: a command run without
# /etc/citywifi/citywifi.env would miss CITYWIFI_SECRET_KEY and DATABASE_URL,
# and could store NAS secrets under a different key (or in a new embedded
# database of its own in the wrong folder). Run as root, it would also leave
# root-owned files in the data dir that the service cannot read.
set -eu

ENV_FILE=${CITYWIFI_ENV_FILE:-/etc/citywifi/citywifi.env}
APP_DIR=${CITYWIFI_APP_DIR:-/opt/citywifi}
RUN_AS=${CITYWIFI_USER:-citywifi}

if [ "$(id -un)" != "$RUN_AS" ]; then
  # runuser (util-linux) needs root; sudo -u works the same for others.
  if [ "$(id -u)" = 0 ]; then exec runuser -u "$RUN_AS" -- "$0" "$@"; fi
  exec sudo -u "$RUN_AS" -- "$0" "$@"
fi

# The same defaults as the units, then the file (which may override them).
CITYWIFI_DATA_DIR=/var/lib/citywifi
export CITYWIFI_DATA_DIR
if [ ! -r "$ENV_FILE" ]; then
  echo "citywifi-cli: cannot read $ENV_FILE (it should be root:$RUN_AS, mode 0640)" >&2
  exit 1
fi
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

cd "$CITYWIFI_DATA_DIR" 2>/dev/null || cd /
exec /usr/bin/node "$APP_DIR/bin/citywifi.js" "$@"
