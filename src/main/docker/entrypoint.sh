#!/bin/sh
# Starts evalgate in its container (both images). With CGROUP_REMOUNT_RW=true (the Helm chart sets it when
# the code sandbox runs in its privileged mode, with CAP_SYS_ADMIN) it first remounts the container's cgroup file
# systems read-write, so that the sandbox can make a cgroup per code sample: in the container's private cgroup
# namespace the gateway (PID 1 after exec) is then alone in its cgroup, as docs/sandbox.md asks. JAVA_OPTS adds JVM
# options.
set -eu
if [ "${CGROUP_REMOUNT_RW:-false}" = true ]; then
    awk '$3 == "cgroup2" || $3 == "cgroup" { print $2 }' /proc/mounts | while read -r mountpoint; do
        mount -o remount,rw "$mountpoint"
    done
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:-} -jar /opt/evalgate/app/quarkus-run.jar "$@"
