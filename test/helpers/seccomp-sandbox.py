# Runs a command under a seccomp filter made of systemd's system call groups, as a unit's
# SystemCallFilter= would, but harsher: a call outside ALLOW kills the process (SIGSYS), and
# the calls of DENY (the unit's SystemCallFilter=~...) fail with EPERM, as the unit's
# SystemCallErrorNumber=EPERM makes them. The groups are expanded by `systemd-analyze
# syscall-filter`, the same table systemd uses. Needs Debian's python3-seccomp (libseccomp).
#
#   python3 seccomp-sandbox.py "@system-service @pkey" "@privileged @resources" node app.js
import errno
import os
import subprocess
import sys

import seccomp

allow_groups, deny_groups, command = sys.argv[1].split(), sys.argv[2].split(), sys.argv[3:]
table = subprocess.run(
    ['systemd-analyze', 'syscall-filter'], capture_output=True, text=True, check=True
).stdout
groups = {}
current = None
for line in table.splitlines():
    if line.startswith('@'):
        current = line.split()[0]
        groups[current] = []
    elif line.startswith('    ') and current and not line.strip().startswith('#'):
        groups[current].append(line.strip())


def expand(name, seen):
    if not name.startswith('@'):
        return {name}
    if name not in groups:
        sys.exit(f'seccomp-sandbox: unknown group {name}')
    if name in seen:
        return set()
    seen.add(name)
    calls = set()
    for item in groups[name]:
        calls |= expand(item, seen)
    return calls


allowed = set().union(*(expand(g, set()) for g in allow_groups))
denied = set().union(*(expand(g, set()) for g in deny_groups)) if deny_groups else set()
rules = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
count = 0
for name in sorted(allowed):
    try:
        # Not every name exists on every architecture (e.g. 32-bit calls on x86-64).
        rules.add_rule(seccomp.ERRNO(errno.EPERM) if name in denied else seccomp.ALLOW, name)
        count += 1
    except (RuntimeError, ValueError):
        pass
sys.stderr.write(f'seccomp-sandbox: {count} system calls in the filter ({" ".join(allow_groups)})\n')
rules.load()
os.execvp(command[0], command)
