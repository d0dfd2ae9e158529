#!/bin/bash
# SSH LAB TEST DOUBLE (test code): sshd's ForceCommand on every lab node. Records the command
# the client asked for (the remote argv; newlines shown as \n) in the node's remote.log, points
# the recording test doubles at their state, then runs the command as sshd would have.
set -Eeuo pipefail
cmd=${SSH_ORIGINAL_COMMAND-}
printf '%s %s\n' "${EPOCHREALTIME/./}" "${cmd//$'\n'/\\n}" >>"$ZCP8_NODE_DIR/remote.log"
export TMPDIR=$ZCP8_NODE_DIR/tmp PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec /bin/bash -c "${cmd:-true}"
