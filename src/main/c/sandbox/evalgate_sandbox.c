/*
 * evalgate-sandbox: starts one program in a sandbox for model-written code (docs/sandbox.md).
 *
 * The gateway runs it once per code sample. It joins the run's cgroups, then creates mount, PID, network, IPC, UTS
 * and cgroup namespaces (and a user namespace when it lacks the capabilities to do without one), builds a root that
 * holds only the paths it is given, a private /dev, /proc, and a size-limited /tmp, drops every privilege, sets
 * rlimits, installs a seccomp filter and executes the program as PID 1 of the new PID namespace. When the program
 * (PID 1) exits, the kernel kills whatever else is left in the namespace; when the gateway dies, this launcher dies,
 * and with it the program.
 *
 * Usage: evalgate-sandbox [OPTION]... -- PROGRAM [ARG]...
 *   --root DIR            an empty directory to mount the new root on (privately: the host never sees it)
 *   --ro PATH             bind PATH (a file or directory, no symlinks on the way) read-only at the same place
 *   --ro-at SRC DEST      bind SRC read-only at DEST
 *   --symlink TARGET PATH create the symbolic link PATH -> TARGET
 *   --dev NAME            bind the host's /dev/NAME into the private /dev (null, zero, full, random, urandom)
 *   --tmp-size BYTES      size of the private /tmp (a tmpfs)
 *   --tmp-inodes N        most files in the private /tmp
 *   --uid ID              the unprivileged uid and gid to run as when the launcher has CAP_SYS_ADMIN, CAP_SETUID and
 *                         CAP_SETGID; without those capabilities it runs as its own uid inside a user namespace
 *   --cgroup DIR          join the cgroup DIR (writes to DIR/cgroup.procs) before anything else; repeatable
 *   --rlimit NAME=SOFT[:HARD]  as, cpu, nproc, fsize, nofile or core
 *   --oom-score-adj N     the OOM killer's preference for this sandbox's processes (1000: kill these first)
 *   --child-filter        give the program, on fd 3, a second seccomp filter that refuses to create processes, for
 *                         the process that will run untrusted code (the runner installs it there)
 *
 * Exit status: the program's, 128 + signal if it was killed, or 125 with one line on stderr if the sandbox could not
 * be built (nothing was executed then).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define EXIT_SETUP_FAILED 125
#define MAX_ENTRIES 1024
#define CHILD_FILTER_FD 3

#if defined(__x86_64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "evalgate-sandbox knows the system calls of x86_64 and aarch64 only"
#endif

/*
 * System calls numbered above this one were added after this filter was reviewed (Linux 6.1's last is 450 on both
 * architectures, which share numbers from 424 on): they fail with ENOSYS, which libc and Python treat as "not
 * implemented here" and fall back from.
 */
#define LAST_REVIEWED_SYSCALL 450

#define CLONE_NAMESPACE_FLAGS \
    (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

enum entry_kind { BIND, SYMLINK, DEVICE };

struct entry {
    enum entry_kind kind;
    const char *source; /* BIND: host path; SYMLINK: link target; DEVICE: name under /dev */
    const char *dest;   /* BIND, SYMLINK: path inside the sandbox */
};

struct rlimit_setting {
    int resource;
    struct rlimit value;
};

struct config {
    const char *root;
    struct entry entries[MAX_ENTRIES];
    int entry_count;
    unsigned long long tmp_size;
    unsigned long long tmp_inodes;
    long uid;
    const char *cgroups[8];
    int cgroup_count;
    struct rlimit_setting rlimits[8];
    int rlimit_count;
    const char *oom_score_adj;
    int child_filter;
    char **program;
};

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...) {
    int saved = errno;
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    if (saved != 0) {
        fprintf(stderr, "evalgate-sandbox: %s: %s\n", message, strerror(saved));
    } else {
        fprintf(stderr, "evalgate-sandbox: %s\n", message);
    }
    _exit(EXIT_SETUP_FAILED);
}

static unsigned long long parse_number(const char *text, const char *what) {
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        errno = 0;
        die("%s is not a number: %s", what, text);
    }
    return value;
}

static void add_entry(struct config *c, enum entry_kind kind, const char *source, const char *dest) {
    if (c->entry_count == MAX_ENTRIES) {
        errno = 0;
        die("more than %d root entries", MAX_ENTRIES);
    }
    if (dest[0] != '/' || strstr(dest, "/..") != NULL) {
        errno = 0;
        die("not an absolute, normalised sandbox path: %s", dest);
    }
    c->entries[c->entry_count++] = (struct entry){kind, source, dest};
}

static void add_rlimit(struct config *c, const char *spec) {
    static const struct { const char *name; int resource; } names[] = {
        {"as", RLIMIT_AS}, {"cpu", RLIMIT_CPU}, {"nproc", RLIMIT_NPROC},
        {"fsize", RLIMIT_FSIZE}, {"nofile", RLIMIT_NOFILE}, {"core", RLIMIT_CORE},
    };
    const char *eq = strchr(spec, '=');
    errno = 0;
    if (eq == NULL || c->rlimit_count == (int) (sizeof c->rlimits / sizeof c->rlimits[0])) {
        die("bad --rlimit %s", spec);
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == (size_t) (eq - spec) && strncmp(names[i].name, spec, eq - spec) == 0) {
            char soft[32];
            const char *colon = strchr(eq + 1, ':');
            size_t soft_len = colon == NULL ? strlen(eq + 1) : (size_t) (colon - eq - 1);
            if (soft_len == 0 || soft_len >= sizeof soft) {
                die("bad --rlimit %s", spec);
            }
            memcpy(soft, eq + 1, soft_len);
            soft[soft_len] = '\0';
            struct rlimit_setting *r = &c->rlimits[c->rlimit_count++];
            r->resource = names[i].resource;
            r->value.rlim_cur = parse_number(soft, spec);
            r->value.rlim_max = colon == NULL ? r->value.rlim_cur : parse_number(colon + 1, spec);
            return;
        }
    }
    die("unknown rlimit in %s", spec);
}

static void parse_args(struct config *c, int argc, char **argv) {
    memset(c, 0, sizeof *c);
    c->uid = -1;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        int left = argc - i - 1;
        errno = 0;
        if (strcmp(opt, "--") == 0) {
            if (left < 1 || argv[i + 1][0] != '/') {
                die("the program must be an absolute path");
            }
            c->program = &argv[i + 1];
            break;
        } else if (strcmp(opt, "--root") == 0 && left >= 1) {
            c->root = argv[++i];
        } else if (strcmp(opt, "--ro") == 0 && left >= 1) {
            add_entry(c, BIND, argv[i + 1], argv[i + 1]);
            i++;
        } else if (strcmp(opt, "--ro-at") == 0 && left >= 2) {
            add_entry(c, BIND, argv[i + 1], argv[i + 2]);
            i += 2;
        } else if (strcmp(opt, "--symlink") == 0 && left >= 2) {
            add_entry(c, SYMLINK, argv[i + 1], argv[i + 2]);
            i += 2;
        } else if (strcmp(opt, "--dev") == 0 && left >= 1) {
            const char *name = argv[++i];
            if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0') {
                die("bad device name %s", name);
            }
            add_entry(c, DEVICE, name, "/dev");
        } else if (strcmp(opt, "--tmp-size") == 0 && left >= 1) {
            c->tmp_size = parse_number(argv[++i], opt);
        } else if (strcmp(opt, "--tmp-inodes") == 0 && left >= 1) {
            c->tmp_inodes = parse_number(argv[++i], opt);
        } else if (strcmp(opt, "--uid") == 0 && left >= 1) {
            unsigned long long uid = parse_number(argv[++i], opt);
            if (uid == 0 || uid >= 0xFFFFFFFFULL) {
                die("--uid must be an unprivileged uid");
            }
            c->uid = (long) uid;
        } else if (strcmp(opt, "--cgroup") == 0 && left >= 1) {
            if (c->cgroup_count == (int) (sizeof c->cgroups / sizeof c->cgroups[0])) {
                die("too many --cgroup");
            }
            c->cgroups[c->cgroup_count++] = argv[++i];
        } else if (strcmp(opt, "--rlimit") == 0 && left >= 1) {
            add_rlimit(c, argv[++i]);
        } else if (strcmp(opt, "--oom-score-adj") == 0 && left >= 1) {
            c->oom_score_adj = argv[++i];
        } else if (strcmp(opt, "--child-filter") == 0) {
            c->child_filter = 1;
        } else {
            die("unknown or incomplete option %s", opt);
        }
    }
    errno = 0;
    if (c->program == NULL || c->root == NULL || c->tmp_size == 0 || c->tmp_inodes == 0) {
        die("usage: evalgate-sandbox --root DIR --tmp-size BYTES --tmp-inodes N [OPTION]... -- PROGRAM [ARG]...");
    }
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        die("open %s", path);
    }
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    if (n != (ssize_t) len) {
        die("write %s to %s", text, path);
    }
    close(fd);
}

/* ---- seccomp ---- */

struct filter_builder {
    struct sock_filter insns[256];
    unsigned short count;
};

static unsigned short emit(struct filter_builder *b, struct sock_filter insn) {
    if (b->count == sizeof b->insns / sizeof b->insns[0]) {
        errno = 0;
        die("seccomp filter too long");
    }
    b->insns[b->count] = insn;
    return b->count++;
}

/* A conditional jump whose targets are patched in later by jump_true/jump_false. */
static unsigned short emit_jump(struct filter_builder *b, unsigned short op, uint32_t k) {
    return emit(b, (struct sock_filter) BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0));
}

static void patch(struct filter_builder *b, unsigned short at, unsigned short target, int when_true) {
    int offset = (int) target - (int) at - 1;
    if (offset < 0 || offset > 255) {
        errno = 0;
        die("seccomp jump out of range");
    }
    if (when_true) {
        b->insns[at].jt = (unsigned char) offset;
    } else {
        b->insns[at].jf = (unsigned char) offset;
    }
}

#define LOAD(field) ((struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (field)))
#define NR offsetof(struct seccomp_data, nr)
#define ARCH offsetof(struct seccomp_data, arch)
/* The two halves of argument n (both architectures are little-endian). */
#define ARG_LO(n) offsetof(struct seccomp_data, args[n])
#define ARG_HI(n) (offsetof(struct seccomp_data, args[n]) + 4)
#define RETURN(action) ((struct sock_filter) BPF_STMT(BPF_RET | BPF_K, (action)))

static const int refused_syscalls[] = {
    /* namespaces and mounts: the program may not rebuild, leave or widen its sandbox */
    SYS_unshare, SYS_setns, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot,
#ifdef SYS_open_tree
    SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick,
#endif
#ifdef SYS_mount_setattr
    SYS_mount_setattr,
#endif
    /* other processes' memory and descriptors: the runner that reports the results */
    SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_kcmp,
#ifdef SYS_pidfd_getfd
    SYS_pidfd_getfd,
#endif
    /* large kernel attack surface that no MERA program needs */
    SYS_bpf, SYS_keyctl, SYS_add_key, SYS_request_key, SYS_perf_event_open, SYS_userfaultfd,
#ifdef SYS_io_uring_setup
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
#endif
    SYS_fanotify_init, SYS_name_to_handle_at, SYS_open_by_handle_at, SYS_lookup_dcookie, SYS_personality,
    /* sockets of any family (the network namespace has only a down loopback; unix sockets could reach the host's) */
    SYS_socket,
    /* the machine's state */
    SYS_kexec_load, SYS_kexec_file_load, SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_reboot,
    SYS_swapon, SYS_swapoff, SYS_acct, SYS_syslog, SYS_quotactl, SYS_settimeofday, SYS_clock_settime,
    SYS_clock_adjtime, SYS_adjtimex, SYS_sethostname, SYS_setdomainname, SYS_vhangup,
#ifdef SYS_quotactl_fd
    SYS_quotactl_fd,
#endif
#if defined(__x86_64__)
    SYS_iopl, SYS_ioperm, SYS_modify_ldt, SYS_uselib, SYS_ustat, SYS_sysfs,
#endif
};

#define REFUSED_COUNT (sizeof refused_syscalls / sizeof refused_syscalls[0])

static void emit_arch_check(struct filter_builder *b) {
    emit(b, LOAD(ARCH));
    unsigned short native = emit_jump(b, BPF_JEQ, SANDBOX_AUDIT_ARCH);
    unsigned short kill = emit(b, RETURN(SECCOMP_RET_KILL_PROCESS));
    patch(b, native, kill + 1, 1);
    patch(b, native, kill, 0);
    emit(b, LOAD(NR));
#if defined(__x86_64__)
    /* x32 system calls are the same calls under other numbers */
    unsigned short x32 = emit_jump(b, BPF_JGE, __X32_SYSCALL_BIT);
    unsigned short kill_x32 = emit(b, RETURN(SECCOMP_RET_KILL_PROCESS));
    patch(b, x32, kill_x32, 1);
    patch(b, x32, kill_x32 + 1, 0);
#endif
}

/* Everything not refused here is allowed: Python, numpy and libc need a broad and changing set of calls. */
static void build_main_filter(struct filter_builder *b) {
    emit_arch_check(b);
    /* clone3 passes its flags in memory, which a filter cannot read: ENOSYS makes libc fall back to clone.
       Calls newer than the review fail the same way. */
    unsigned short clone3 = emit_jump(b, BPF_JEQ, SYS_clone3);
    unsigned short newer = emit_jump(b, BPF_JGT, LAST_REVIEWED_SYSCALL);
    unsigned short clone = emit_jump(b, BPF_JEQ, SYS_clone);
    unsigned short prlimit = emit_jump(b, BPF_JEQ, SYS_prlimit64);
    unsigned short refused[REFUSED_COUNT];
    for (size_t i = 0; i < REFUSED_COUNT; i++) {
        refused[i] = emit_jump(b, BPF_JEQ, (uint32_t) refused_syscalls[i]);
    }
    unsigned short allow = emit(b, RETURN(SECCOMP_RET_ALLOW));
    /* clone with any namespace flag */
    unsigned short clone_check = emit(b, LOAD(ARG_LO(0)));
    unsigned short clone_flags = emit_jump(b, BPF_JSET, CLONE_NAMESPACE_FLAGS);
    unsigned short clone_allow = emit(b, RETURN(SECCOMP_RET_ALLOW));
    /* prlimit64 on another process (pid != 0): the program may not lower the runner's limits */
    unsigned short prlimit_check = emit(b, LOAD(ARG_LO(0)));
    unsigned short pid_lo = emit_jump(b, BPF_JEQ, 0);
    emit(b, LOAD(ARG_HI(0)));
    unsigned short pid_hi = emit_jump(b, BPF_JEQ, 0);
    unsigned short prlimit_allow = emit(b, RETURN(SECCOMP_RET_ALLOW));
    unsigned short eperm = emit(b, RETURN(SECCOMP_RET_ERRNO | EPERM));
    unsigned short enosys = emit(b, RETURN(SECCOMP_RET_ERRNO | ENOSYS));

    patch(b, clone3, enosys, 1);
    patch(b, clone3, newer, 0);
    patch(b, newer, enosys, 1);
    patch(b, newer, clone, 0);
    patch(b, clone, clone_check, 1);
    patch(b, clone, prlimit, 0);
    patch(b, prlimit, prlimit_check, 1);
    patch(b, prlimit, refused[0], 0);
    for (size_t i = 0; i < REFUSED_COUNT; i++) {
        patch(b, refused[i], eperm, 1);
        patch(b, refused[i], i + 1 < REFUSED_COUNT ? refused[i + 1] : allow, 0);
    }
    patch(b, clone_flags, eperm, 1);
    patch(b, clone_flags, clone_allow, 0);
    patch(b, pid_lo, pid_lo + 1, 1);
    patch(b, pid_lo, eperm, 0);
    patch(b, pid_hi, prlimit_allow, 1);
    patch(b, pid_hi, eperm, 0);
}

/* The runner's child, which executes the program, installs this one when no cgroup bounds the sandbox's processes:
   it may start threads, which share its address space and so its RLIMIT_AS, but no processes. */
static void build_child_filter(struct filter_builder *b) {
    emit_arch_check(b);
    /* as in the main filter, so that this one holds on its own */
    unsigned short clone3 = emit_jump(b, BPF_JEQ, SYS_clone3);
    unsigned short clone = emit_jump(b, BPF_JEQ, SYS_clone);
#if defined(__x86_64__)
    unsigned short fork_ = emit_jump(b, BPF_JEQ, SYS_fork);
    unsigned short vfork_ = emit_jump(b, BPF_JEQ, SYS_vfork);
#endif
    unsigned short allow = emit(b, RETURN(SECCOMP_RET_ALLOW));
    unsigned short clone_check = emit(b, LOAD(ARG_LO(0)));
    unsigned short thread = emit_jump(b, BPF_JSET, CLONE_THREAD);
    unsigned short thread_allow = emit(b, RETURN(SECCOMP_RET_ALLOW));
    unsigned short eperm = emit(b, RETURN(SECCOMP_RET_ERRNO | EPERM));
    unsigned short enosys = emit(b, RETURN(SECCOMP_RET_ERRNO | ENOSYS));

    patch(b, clone3, enosys, 1);
    patch(b, clone3, clone, 0);
    patch(b, clone, clone_check, 1);
#if defined(__x86_64__)
    patch(b, clone, fork_, 0);
    patch(b, fork_, eperm, 1);
    patch(b, fork_, vfork_, 0);
    patch(b, vfork_, eperm, 1);
    patch(b, vfork_, allow, 0);
#else
    patch(b, clone, allow, 0);
#endif
    (void) clone_check;
    patch(b, thread, thread_allow, 1);
    patch(b, thread, eperm, 0);
}

static void install_filter(struct filter_builder *b) {
    struct sock_fprog program = {.len = b->count, .filter = b->insns};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) {
        die("install the seccomp filter");
    }
}

/* ---- the new root ---- */

/* Formats a path into a PATH_MAX buffer, refusing to truncate it. */
static void format_path(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void format_path(char *out, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(out, PATH_MAX, fmt, args);
    va_end(args);
    if (n < 0 || n >= PATH_MAX) {
        errno = ENAMETOOLONG;
        die("a path made from %s", fmt);
    }
}

static void join_path(char *out, const char *root, const char *path) {
    format_path(out, "%s%s", root, path);
}

static void make_dirs(char *path, mode_t mode) {
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, mode) != 0 && errno != EEXIST) {
                die("mkdir %s", path);
            }
            *p = '/';
        }
    }
    if (mkdir(path, mode) != 0 && errno != EEXIST) {
        die("mkdir %s", path);
    }
}

static void make_parent_dirs(const char *path) {
    char parent[PATH_MAX];
    strcpy(parent, path);
    char *slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent) {
        *slash = '\0';
        make_dirs(parent, 0755);
    }
}

static void make_mount_point(const char *path, int directory) {
    if (directory) {
        char copy[PATH_MAX];
        strcpy(copy, path);
        make_dirs(copy, 0755);
        return;
    }
    make_parent_dirs(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0) {
        die("create mount point %s", path);
    }
    close(fd);
}

/*
 * Makes a bind mount read-only (and nosuid, nodev unless a device is wanted, noexec when asked), keeping the flags
 * its source had: inside a user namespace the kernel refuses to clear them.
 */
static void remount_bind(const char *path, unsigned long extra) {
    struct statvfs st;
    if (statvfs(path, &st) != 0) {
        die("statvfs %s", path);
    }
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | extra;
    if (st.f_flag & ST_NODEV) {
        flags |= MS_NODEV;
    }
    if (st.f_flag & ST_NOEXEC) {
        flags |= MS_NOEXEC;
    }
    if (st.f_flag & ST_NOATIME) {
        flags |= MS_NOATIME;
    }
    if (st.f_flag & ST_NODIRATIME) {
        flags |= MS_NODIRATIME;
    }
    if (st.f_flag & ST_RELATIME) {
        flags |= MS_RELATIME;
    }
    if (mount(NULL, path, NULL, flags, NULL) != 0) {
        die("remount %s read-only", path);
    }
}

static void bind_read_only(const char *source, const char *target, unsigned long extra) {
    struct stat st;
    if (lstat(source, &st) != 0) {
        die("%s", source);
    }
    if (S_ISLNK(st.st_mode)) {
        errno = 0;
        die("%s is a symbolic link; pass the path it resolves to", source);
    }
    make_mount_point(target, S_ISDIR(st.st_mode));
    /* Not MS_REC: mounts below the source stay out */
    if (mount(source, target, NULL, MS_BIND, NULL) != 0) {
        die("bind %s", source);
    }
    remount_bind(target, extra);
}

static void mount_tmpfs(const char *target, unsigned long flags, const char *options) {
    if (mount("evalgate-sandbox", target, "tmpfs", flags, options) != 0) {
        die("mount a tmpfs on %s (%s)", target, options);
    }
}

static void build_dev(const struct config *c, const char *root) {
    char dev[PATH_MAX], path[PATH_MAX], host[PATH_MAX];
    join_path(dev, root, "/dev");
    make_mount_point(dev, 1);
    mount_tmpfs(dev, MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64");
    for (int i = 0; i < c->entry_count; i++) {
        if (c->entries[i].kind != DEVICE) {
            continue;
        }
        format_path(host, "/dev/%s", c->entries[i].source);
        format_path(path, "%s/%s", dev, c->entries[i].source);
        struct stat st;
        if (stat(host, &st) != 0) {
            die("%s", host);
        }
        if (!S_ISCHR(st.st_mode)) {
            errno = 0;
            die("%s is not a character device", host);
        }
        /* The device's own mount, not the tmpfs, decides whether it opens: a container's /dev may be any tmpfs */
        bind_read_only(host, path, MS_NOEXEC);
    }
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        format_path(path, "%s/%s", dev, links[i][1]);
        if (symlink(links[i][0], path) != 0) {
            die("symlink %s", path);
        }
    }
    if (mount(NULL, dev, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) != 0) {
        die("remount %s read-only", dev);
    }
}

static void build_root(const struct config *c, int in_user_namespace) {
    const char *root = c->root;
    char path[PATH_MAX], options[128];
    /* Nothing done here may reach the host's mount table */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        die("make the mount namespace private");
    }
    mount_tmpfs(root, MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096");
    for (int i = 0; i < c->entry_count; i++) {
        const struct entry *e = &c->entries[i];
        if (e->kind == BIND) {
            join_path(path, root, e->dest);
            bind_read_only(e->source, path, MS_NODEV);
        }
    }
    for (int i = 0; i < c->entry_count; i++) {
        const struct entry *e = &c->entries[i];
        if (e->kind == SYMLINK) {
            join_path(path, root, e->dest);
            make_parent_dirs(path);
            if (symlink(e->source, path) != 0) {
                die("symlink %s -> %s", e->dest, e->source);
            }
        }
    }
    build_dev(c, root);

    join_path(path, root, "/proc");
    make_mount_point(path, 1);
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
        /* In a user namespace the kernel refuses a new /proc while parts of the host's are covered (as in most
           containers): the sandbox then has none, which takes nothing away from its isolation. */
        if (!in_user_namespace || errno != EPERM) {
            die("mount /proc");
        }
    }

    join_path(path, root, "/tmp");
    make_mount_point(path, 1);
    snprintf(options, sizeof options, "mode=1777,size=%llu,nr_inodes=%llu", c->tmp_size, c->tmp_inodes);
    mount_tmpfs(path, MS_NOSUID | MS_NODEV, options);

    if (mount(NULL, root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0) {
        die("remount the new root read-only");
    }
    /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new root */
    if (chdir(root) != 0) {
        die("chdir %s", root);
    }
    if (syscall(SYS_pivot_root, ".", ".") != 0) {
        die("pivot_root %s", root);
    }
    if (umount2(".", MNT_DETACH) != 0) {
        die("detach the host's root");
    }
    if (chdir("/tmp") != 0) {
        die("chdir /tmp");
    }
}

/* ---- privileges ---- */

static int has_capability(int cap) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) {
        die("capget");
    }
    return (data[cap / 32].effective >> (cap % 32)) & 1;
}

static void drop_privileges(const struct config *c, int in_user_namespace) {
    /* Capabilities a later execve could regain: none (this needs CAP_SETPCAP, which a user namespace gives; without
       it, no_new_privs and a non-root uid already keep execve from gaining any) */
    for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM) {
            die("drop capability %d from the bounding set", cap);
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        die("clear ambient capabilities");
    }
    if (!in_user_namespace) {
        uid_t uid = (uid_t) c->uid;
        if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
            die("switch to uid %ld", c->uid);
        }
        if (setresuid(0, 0, 0) == 0) {
            errno = 0;
            die("could switch back to root after dropping privileges");
        }
    }
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct none[2] = {{0, 0, 0}, {0, 0, 0}};
    if (syscall(SYS_capset, &header, none) != 0) {
        die("clear capabilities");
    }
    for (int i = 0; i < c->rlimit_count; i++) {
        if (setrlimit(c->rlimits[i].resource, &c->rlimits[i].value) != 0) {
            die("setrlimit %d", c->rlimits[i].resource);
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        die("set no_new_privs");
    }
}

/* Dies if the launcher (which holds the other end of the pipe open until it exits) is gone. */
static void die_with_launcher(int alive_fd) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        die("set the parent-death signal");
    }
    char byte;
    if (read(alive_fd, &byte, 1) == 0) {
        _exit(EXIT_SETUP_FAILED);
    }
}

static void close_other_fds(int keep_child_filter) {
    unsigned int first = keep_child_filter ? CHILD_FILTER_FD + 1 : CHILD_FILTER_FD;
    if (syscall(SYS_close_range, first, ~0U, 0) != 0) {
        for (int fd = (int) first; fd < 65536; fd++) {
            close(fd);
        }
    }
}

static void run_sandboxed(const struct config *c, int in_user_namespace, int alive_fd, int child_filter_fd) {
    die_with_launcher(alive_fd);
    build_root(c, in_user_namespace);
    if (sethostname("evalgate-sandbox", strlen("evalgate-sandbox")) != 0) {
        die("sethostname");
    }
    drop_privileges(c, in_user_namespace);
    /* changing uid cleared the parent-death signal */
    die_with_launcher(alive_fd);
    if (child_filter_fd >= 0) {
        /* dup2 clears close-on-exec; a descriptor already at its place keeps it and must lose it */
        if (child_filter_fd == CHILD_FILTER_FD ? fcntl(CHILD_FILTER_FD, F_SETFD, 0) != 0
                                               : dup2(child_filter_fd, CHILD_FILTER_FD) < 0) {
            die("pass the child filter on fd %d", CHILD_FILTER_FD);
        }
    }
    close_other_fds(child_filter_fd >= 0);
    struct filter_builder filter = {0};
    build_main_filter(&filter);
    install_filter(&filter);
    execv(c->program[0], c->program);
    die("execute %s", c->program[0]);
}

/* Since Linux 5.14 RLIMIT_NPROC counts the processes of a uid within one user namespace (ucounts). */
static int per_namespace_nproc(void) {
    struct utsname u;
    int major = 0, minor = 0;
    if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2) {
        return 0;
    }
    return major > 5 || (major == 5 && minor >= 14);
}

static int make_child_filter_pipe(void) {
    struct filter_builder filter = {0};
    build_child_filter(&filter);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        die("pipe");
    }
    size_t len = filter.count * sizeof filter.insns[0];
    if (write(fds[1], filter.insns, len) != (ssize_t) len) {
        die("write the child filter");
    }
    close(fds[1]);
    return fds[0];
}

int main(int argc, char **argv) {
    struct config c;
    parse_args(&c, argc, argv);

    pid_t gateway = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        die("set the parent-death signal");
    }
    if (getppid() != gateway) {
        _exit(EXIT_SETUP_FAILED);
    }
    for (int i = 0; i < c.cgroup_count; i++) {
        char procs[PATH_MAX];
        format_path(procs, "%s/cgroup.procs", c.cgroups[i]);
        write_file(procs, "0");
    }
    if (c.oom_score_adj != NULL) {
        write_file("/proc/self/oom_score_adj", c.oom_score_adj);
    }

    int privileged = has_capability(CAP_SYS_ADMIN) && has_capability(CAP_SETUID) && has_capability(CAP_SETGID);
    if (privileged && c.uid < 0) {
        errno = 0;
        die("--uid is needed when running with CAP_SYS_ADMIN");
    }
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (!privileged && uid == 0) {
        errno = 0;
        die("runs as root but lacks CAP_SYS_ADMIN, CAP_SETUID or CAP_SETGID; give it those, or run it as another"
            " user where unprivileged user namespaces are allowed");
    }
    if (!privileged && !per_namespace_nproc()) {
        errno = 0;
        die("a user namespace needs Linux 5.14 or later here (before, RLIMIT_NPROC counts every process of the"
            " gateway's uid); give the launcher CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID instead");
    }
    int child_filter_fd = c.child_filter ? make_child_filter_pipe() : -1;
    int alive[2];
    if (pipe2(alive, O_CLOEXEC | O_NONBLOCK) != 0) {
        die("pipe");
    }

    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
    if (unshare(privileged ? flags : flags | CLONE_NEWUSER) != 0) {
        die(privileged ? "create namespaces"
                       : "create a user namespace (unprivileged user namespaces may be disabled on this host)");
    }
    if (!privileged) {
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "%u %u 1", uid, uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "%u %u 1", gid, gid);
        write_file("/proc/self/gid_map", map);
        /* a new user namespace gives new credentials: set the parent-death signal again */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != gateway) {
            die("set the parent-death signal");
        }
    }

    pid_t child = fork();
    if (child < 0) {
        die("fork");
    }
    if (child == 0) {
        close(alive[1]);
        run_sandboxed(&c, !privileged, alive[0], child_filter_fd);
    }
    close(alive[0]);
    if (child_filter_fd >= 0) {
        close(child_filter_fd);
    }
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            die("waitpid");
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
