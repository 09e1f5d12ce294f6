// The few lines of process control Swift cannot do safely: clone into fresh
// namespaces, build a private read-only root, set rlimits, drop identity,
// exec, and kill the whole process tree when a limit is hit.
#include "csandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <linux/securebits.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HF_HIGH_FD 1000
#define HF_STACK_SIZE (256 * 1024)

/// What the jail's init process tells the parent when the program has ended.
typedef struct init_report {
    int setup_failed;
    int exec_failed;          /* the program never started: its set-up or exec failed */
    int wait_status;
    long utime_us;
    long stime_us;
    long max_rss_kb;
    char message[200];
} init_report;

typedef struct child_context {
    const hf_spec *spec;
    char **mount_targets;     /* host paths of each mount point under root_dir */
    char **link_paths;
    char *proc_path;
    char *dev_path;
    char *dev_nodes[5];
    int stdin_read;
    int out_write;
    int err_write;
    int report_write;
    int status_write;
    int go_read;              /* user namespace: the parent writes a byte once the id maps are set */
    int exec_read;            /* close-on-exec pipe: empty at EOF when the program's exec succeeded */
    int exec_write;
    char *program_stack;      /* top of the stack the program's process starts on (jail's init) */
} child_context;

static const char *const dev_names[5] = {"null", "zero", "full", "random", "urandom"};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/// An ordinary user's soft descriptor limit is often 1024, leaving only 24 fds at 1000 and
/// up for the pipes of all concurrent runs: lift it to the hard limit once.
static void raise_open_file_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int high_pipe(int fds[2]) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, raise_open_file_limit);
    int raw[2];
    if (pipe2(raw, O_CLOEXEC) != 0) return -1;
    fds[0] = fcntl(raw[0], F_DUPFD_CLOEXEC, HF_HIGH_FD);
    fds[1] = fcntl(raw[1], F_DUPFD_CLOEXEC, HF_HIGH_FD);
    close(raw[0]);
    close(raw[1]);
    return (fds[0] < 0 || fds[1] < 0) ? -1 : 0;
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static char *join_path(const char *root, const char *path) {
    size_t n = strlen(root) + strlen(path) + 2;
    char *joined = malloc(n);
    if (joined) snprintf(joined, n, "%s/%s", root, path[0] == '/' ? path + 1 : path);
    return joined;
}

// --- child side: only async-signal-safe calls (plain syscalls) below ---

static void write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

static void append(char *buf, size_t size, const char *text) {
    size_t used = strlen(buf);
    while (*text && used + 1 < size) buf[used++] = *text++;
    buf[used] = 0;
}

static void fail_setup(const child_context *ctx, const char *what, const char *path) {
    init_report report;
    memset(&report, 0, sizeof report);
    report.setup_failed = 1;
    append(report.message, sizeof report.message, what);
    if (path) {
        append(report.message, sizeof report.message, " ");
        append(report.message, sizeof report.message, path);
    }
    append(report.message, sizeof report.message, ": ");
    append(report.message, sizeof report.message, strerror(errno));
    write_all(ctx->status_write, &report, sizeof report);
    _exit(120);
}

static int make_dirs(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return (mkdir(path, 0755) != 0 && errno != EEXIST) ? -1 : 0;
}

static int make_mount_point(char *target, int is_dir) {
    if (is_dir) return make_dirs(target);
    char *slash = strrchr(target, '/');
    if (slash && slash != target) {
        *slash = 0;
        int rc = make_dirs(target);
        *slash = '/';
        if (rc != 0) return -1;
    }
    int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

/// Binds `source` at `target`; mode 0 read-only, 1 writable, 2 device node as is.
static void bind_path(const child_context *ctx, const char *source, char *target, int mode) {
    struct stat st;
    if (stat(source, &st) != 0) fail_setup(ctx, "stat", source);
    if (make_mount_point(target, S_ISDIR(st.st_mode)) != 0) fail_setup(ctx, "mkdir", target);
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) fail_setup(ctx, "bind", source);
    if (mode == 2) return;
    int writable = mode == 1;
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV;
    if (!writable) flags |= MS_RDONLY;
    // Inside a user namespace the source's noexec and atime flags are locked: keep them.
    struct statvfs vfs;
    if (statvfs(target, &vfs) == 0) {
        if (vfs.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
        if (vfs.f_flag & ST_NOATIME) flags |= MS_NOATIME;
        if (vfs.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
        if (vfs.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    }
    if (mount(NULL, target, NULL, flags, NULL) != 0) fail_setup(ctx, "remount", target);
}

static void set_limit(int resource, rlim_t soft, rlim_t hard) {
    struct rlimit rl = {soft, hard};
    setrlimit(resource, &rl);
}

static void move_fd(int from, int to) {
    if (from == to) {
        fcntl(to, F_SETFD, 0);
    } else {
        dup2(from, to);
    }
}

static void close_all_except(int *keep, int n) {
    for (int i = 1; i < n; i++) {  // insertion sort: n is tiny
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    }
    unsigned int from = 0;
    for (int i = 0; i < n; i++) {
        if (keep[i] < 0) continue;
        if ((unsigned int)keep[i] > from) syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0);
        from = (unsigned int)keep[i] + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0);
}

/// The program's end of the exec pipe; set in the program's own process only.
static int exec_status_fd = -1;

/// The program could not be started: say why on the exec pipe, so the run is a sandbox
/// error and never mistaken for the program's (or the compiler's) own failure.
static void die_in_program(const char *what, const char *path) {
    char msg[200] = "";
    append(msg, sizeof msg, what);
    if (path) {
        append(msg, sizeof msg, " ");
        append(msg, sizeof msg, path);
    }
    append(msg, sizeof msg, ": ");
    append(msg, sizeof msg, strerror(errno));
    if (exec_status_fd >= 0) write_all(exec_status_fd, msg, strlen(msg));
    write_all(2, "halo-forge sandbox: ", 20);
    write_all(2, msg, strlen(msg));
    write_all(2, "\n", 1);
    _exit(127);
}

/// Before the uid change: uid 0 must not regain capabilities at exec, and the bounding set
/// goes while this process may still change it (CAP_SETPCAP). Root of a user namespace holds
/// every capability there: without this it could ptrace or kill its neighbours and remount.
static void drop_capability_sources(void) {
    if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0) != 0 &&
        geteuid() == 0)
        die_in_program("securebits", NULL);
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break;  // past CAP_LAST_CAP
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/// After the uid change: empty effective, permitted and inheritable sets, checked.
static void clear_capabilities(void) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) die_in_program("capset", NULL);
    if (syscall(SYS_capget, &header, data) != 0) die_in_program("capget", NULL);
    for (int i = 0; i < 2; i++) {
        if (data[i].effective || data[i].permitted || data[i].inheritable) {
            errno = EPERM;
            die_in_program("capabilities left after dropping them", NULL);
        }
    }
    if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 1) {
        errno = EPERM;
        die_in_program("bounding set not empty", NULL);
    }
}

#if defined(__x86_64__)
#define HF_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define HF_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/// System calls a compiler (gcc, g++, clang, cc1, as, ld), Python (with pytest), a C/C++
/// test program and wine64 use, collected with `strace -f -c` on real verifications in the
/// jail. Everything else answers EPERM: io_uring, userfaultfd, perf, keyrings, bpf, kexec,
/// modules, the mount family, ptrace, kcmp, process_vm_*, pidfd_getfd, unshare/setns,
/// name_to_handle_at/open_by_handle_at, seccomp, NUMA and clock setting, swap, reboot; and
/// sync/syncfs (a loop of them flushes every disk of the host) and the mlock family.
static const int hf_allowed_syscalls[] = {
    /* files and descriptors */
    __NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64, __NR_pwrite64, __NR_preadv, __NR_pwritev,
    __NR_preadv2, __NR_pwritev2, __NR_openat, __NR_close, __NR_close_range, __NR_lseek, __NR_dup, __NR_dup3,
    __NR_fcntl, __NR_flock, __NR_fsync, __NR_fdatasync, __NR_sync_file_range, __NR_ftruncate, __NR_truncate,
    __NR_fallocate, __NR_fadvise64, __NR_readahead, __NR_sendfile, __NR_copy_file_range, __NR_splice, __NR_tee,
    __NR_pipe2, __NR_fstat, __NR_newfstatat, __NR_statx, __NR_statfs, __NR_fstatfs, __NR_faccessat,
    __NR_faccessat2, __NR_readlinkat, __NR_getdents64, __NR_getcwd, __NR_chdir, __NR_fchdir, __NR_mkdirat,
    __NR_renameat, __NR_renameat2, __NR_linkat, __NR_unlinkat, __NR_symlinkat, __NR_fchmod, __NR_fchmodat,
    __NR_fchown, __NR_fchownat, __NR_umask, __NR_utimensat, __NR_mknodat, __NR_getxattr, __NR_lgetxattr,
    __NR_fgetxattr, __NR_listxattr, __NR_llistxattr, __NR_flistxattr, __NR_ioctl, __NR_pselect6, __NR_ppoll,
    __NR_epoll_create1, __NR_epoll_ctl, __NR_epoll_pwait, __NR_epoll_pwait2, __NR_eventfd2, __NR_signalfd4,
    __NR_timerfd_create, __NR_timerfd_settime, __NR_timerfd_gettime, __NR_inotify_init1,
    __NR_inotify_add_watch, __NR_inotify_rm_watch, __NR_memfd_create,
    /* memory (a memfd's or System V segment's pages count in the run's cgroup) */
    __NR_brk, __NR_mmap, __NR_munmap, __NR_mprotect, __NR_mremap, __NR_madvise, __NR_msync, __NR_mincore,
    __NR_membarrier,
    /* processes, threads, signals (clone is checked below: no new namespaces) */
    __NR_execve, __NR_execveat, __NR_exit, __NR_exit_group, __NR_wait4, __NR_waitid, __NR_kill, __NR_tkill,
    __NR_tgkill, __NR_getpid, __NR_getppid, __NR_gettid, __NR_getuid, __NR_geteuid, __NR_getgid, __NR_getegid,
    __NR_getresuid, __NR_getresgid, __NR_getgroups, __NR_getpgid, __NR_getsid, __NR_setsid, __NR_setpgid,
    __NR_set_tid_address, __NR_set_robust_list, __NR_futex, __NR_futex_waitv, __NR_rseq, __NR_prctl,
    __NR_sched_yield, __NR_sched_getaffinity, __NR_sched_setaffinity, __NR_sched_getparam,
    __NR_sched_getscheduler, __NR_sched_get_priority_max, __NR_sched_get_priority_min,
    __NR_sched_rr_get_interval, __NR_getpriority, __NR_setpriority, __NR_getrlimit, __NR_setrlimit,
    __NR_prlimit64, __NR_getrusage, __NR_times, __NR_sysinfo, __NR_uname, __NR_capget, __NR_pidfd_open,
    __NR_pidfd_send_signal, __NR_sigaltstack, __NR_rt_sigaction, __NR_rt_sigprocmask, __NR_rt_sigreturn,
    __NR_rt_sigsuspend, __NR_rt_sigpending, __NR_rt_sigtimedwait, __NR_rt_sigqueueinfo,
    __NR_rt_tgsigqueueinfo, __NR_restart_syscall, __NR_nanosleep, __NR_clock_nanosleep, __NR_clock_gettime,
    __NR_clock_getres, __NR_gettimeofday, __NR_getitimer, __NR_setitimer, __NR_timer_create,
    __NR_timer_settime, __NR_timer_gettime, __NR_timer_getoverrun, __NR_timer_delete, __NR_getrandom,
    __NR_getcpu,
    /* System V IPC: the run has an IPC namespace of its own */
    __NR_shmget, __NR_shmat, __NR_shmdt, __NR_shmctl, __NR_semget, __NR_semop, __NR_semtimedop, __NR_semctl,
    __NR_msgget, __NR_msgsnd, __NR_msgrcv, __NR_msgctl,
    /* sockets (socket() is checked below): wineserver talks over unix sockets; the run's
       network namespace is empty */
    __NR_socketpair, __NR_bind, __NR_listen, __NR_accept, __NR_accept4, __NR_connect, __NR_getsockname,
    __NR_getpeername, __NR_sendto, __NR_recvfrom, __NR_sendmsg, __NR_recvmsg, __NR_sendmmsg, __NR_recvmmsg,
    __NR_shutdown, __NR_setsockopt, __NR_getsockopt,
#if defined(__x86_64__)
    /* the legacy x86_64 entry points of the same operations */
    __NR_open, __NR_creat, __NR_stat, __NR_lstat, __NR_access, __NR_readlink, __NR_getdents, __NR_mkdir,
    __NR_rmdir, __NR_rename, __NR_link, __NR_unlink, __NR_symlink, __NR_chmod, __NR_chown, __NR_lchown,
    __NR_utime, __NR_utimes, __NR_futimesat, __NR_mknod, __NR_pipe, __NR_dup2, __NR_select, __NR_poll,
    __NR_epoll_create, __NR_epoll_wait, __NR_eventfd, __NR_signalfd, __NR_inotify_init, __NR_fork, __NR_vfork,
    __NR_getpgrp, __NR_pause, __NR_alarm, __NR_time, __NR_arch_prctl,
#endif
};

/// Numbers from here on name interfaces newer than this list (Linux 6.3 and later: fchmodat2,
/// map_shadow_stack, mseal, …): they answer ENOSYS, as on an older kernel, so libc takes the
/// fallback it keeps for one. clone3 does too (its flags sit in memory a filter cannot read),
/// and glibc then uses clone, whose flags are checked.
#define HF_FIRST_NEW_SYSCALL 451

#define HF_CLONE_NAMESPACES \
    (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

#define HF_RET(action) BPF_STMT(BPF_RET | BPF_K, (action))
#define HF_ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define HF_ARG0_LOW offsetof(struct seccomp_data, args[0])

static struct sock_filter hf_filter[1024];
static unsigned short hf_filter_length;

/// Builds the filter once, in the parent: the jail's children only install it.
static void build_seccomp_filter(void) {
    struct sock_filter *f = hf_filter;
    unsigned short n = 0;
#define EMIT(insn) (f[n++] = (struct sock_filter)insn)
    // Another architecture's entry (i386's int 0x80 on x86_64, arm32 on aarch64) is killed.
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, HF_AUDIT_ARCH, 1, 0));
    EMIT(HF_RET(SECCOMP_RET_KILL_PROCESS));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#if defined(__x86_64__)
    // x32 system calls (bit 30) are another ABI into the same kernel: killed too.
    EMIT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
    EMIT(HF_RET(SECCOMP_RET_KILL_PROCESS));
#endif
    // clone: threads and forks, never with a CLONE_NEW* flag (arg 0 on both architectures).
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, HF_ARG0_LOW));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, HF_CLONE_NAMESPACES, 0, 1));
    EMIT(HF_RET(HF_ERRNO(EPERM)));
    EMIT(HF_RET(SECCOMP_RET_ALLOW));
    // socket: unix, IPv4 and IPv6 only (netlink, packet, AF_ALG, vsock… are kernel surface).
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 6));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, HF_ARG0_LOW));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 3, 0));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 2, 0));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 1, 0));
    EMIT(HF_RET(HF_ERRNO(EPERM)));
    EMIT(HF_RET(SECCOMP_RET_ALLOW));
    // personality: reading it, or the default PER_LINUX; no READ_IMPLIES_EXEC, no
    // ADDR_NO_RANDOMIZE, no other execution domain.
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, 0, 5));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, HF_ARG0_LOW));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU, 2, 0));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PER_LINUX, 1, 0));
    EMIT(HF_RET(HF_ERRNO(EPERM)));
    EMIT(HF_RET(SECCOMP_RET_ALLOW));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1));
    EMIT(HF_RET(HF_ERRNO(ENOSYS)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, HF_FIRST_NEW_SYSCALL, 0, 1));
    EMIT(HF_RET(HF_ERRNO(ENOSYS)));
    // The kernel caches "always allowed" per number, so the list's length costs nothing
    // after a system call's first use.
    for (size_t i = 0; i < sizeof hf_allowed_syscalls / sizeof hf_allowed_syscalls[0]; i++) {
        EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)hf_allowed_syscalls[i], 0, 1));
        EMIT(HF_RET(SECCOMP_RET_ALLOW));
    }
    EMIT(HF_RET(HF_ERRNO(EPERM)));
#undef EMIT
    hf_filter_length = n;
}

static pthread_once_t hf_filter_once = PTHREAD_ONCE_INIT;

static void install_seccomp(void) {
#ifdef HF_AUDIT_ARCH
    struct sock_fprog program = {hf_filter_length, hf_filter};
    if (hf_filter_length == 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0)
        die_in_program("seccomp", NULL);
#else
#error "halo-forge's seccomp filter knows x86_64 and aarch64 only"
#endif
}

struct hf_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/// Folders the caller made in the scratch (wine's prefix) become the program's, as they are
/// made as root: wine refuses a prefix its user does not own. Files stay the caller's, read-only
/// to the program. Only the caller's own folders (uid 0 here) are entered, never a link; raw
/// getdents64, as this copy of a multithreaded process must not call malloc (opendir).
static void hand_folders(int dirfd, uid_t uid, gid_t gid, int depth) {
    char buf[2048];
    for (;;) {
        long n = syscall(SYS_getdents64, dirfd, buf, sizeof buf);
        if (n <= 0) return;
        for (long off = 0; off < n;) {
            struct hf_dirent64 *d = (struct hf_dirent64 *)(buf + off);
            off += d->d_reclen;
            if (d->d_name[0] == '.' && (d->d_name[1] == 0 || (d->d_name[1] == '.' && d->d_name[2] == 0))) continue;
            struct stat st;
            if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0) continue;
            int sub = openat(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) continue;
            if (fchown(sub, uid, gid) == 0 && depth < 8) hand_folders(sub, uid, gid, depth + 1);
            close(sub);
        }
    }
}

/// Becomes the program: limits, descriptors, identity, exec. Never returns.
static void exec_program(const child_context *ctx) {
    const hf_spec *spec = ctx->spec;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    exec_status_fd = ctx->exec_write;

    move_fd(ctx->stdin_read, 0);
    move_fd(ctx->out_write, 1);
    move_fd(ctx->err_write, 2);
    int last_kept = 2;
    if (spec->report_fd >= 3 && ctx->report_write >= 0) {
        move_fd(ctx->report_write, spec->report_fd);
        if (spec->report_fd > 3) syscall(SYS_close_range, 3, spec->report_fd - 1, 0);
        last_kept = spec->report_fd;
    }
    // Everything else goes; the exec pipe (a high fd, above any report fd) closes at exec.
    if (exec_status_fd > last_kept) {
        if (exec_status_fd > last_kept + 1) syscall(SYS_close_range, last_kept + 1, exec_status_fd - 1, 0);
        syscall(SYS_close_range, exec_status_fd + 1, ~0U, 0);
    } else {
        syscall(SYS_close_range, last_kept + 1, ~0U, 0);
    }
    // After the descriptor moves: RLIMIT_NOFILE would forbid dup2 onto a high report fd.
    if (spec->cpu_seconds > 0) {
        rlim_t cpu = (rlim_t)(spec->cpu_seconds + 0.999);
        set_limit(RLIMIT_CPU, cpu, cpu + 1);
    }
    if (spec->memory_bytes > 0) set_limit(RLIMIT_AS, (rlim_t)spec->memory_bytes, (rlim_t)spec->memory_bytes);
    if (spec->file_size_bytes > 0)
        set_limit(RLIMIT_FSIZE, (rlim_t)spec->file_size_bytes, (rlim_t)spec->file_size_bytes);
    if (spec->open_files > 0) set_limit(RLIMIT_NOFILE, (rlim_t)spec->open_files, (rlim_t)spec->open_files);
    if (spec->processes > 0) set_limit(RLIMIT_NPROC, (rlim_t)spec->processes, (rlim_t)spec->processes);
    set_limit(RLIMIT_CORE, 0, 0);

    // The kernel's OOM killer should pick a sample before anything of the host's.
    int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (oom >= 0) {
        write_all(oom, "1000", 4);
        close(oom);
    }
    if (spec->isolate) drop_capability_sources();
    // Raw system calls: glibc's setuid() would try to sync the parent's other threads,
    // whose bookkeeping was copied into this single-threaded process, and can hang.
    if (spec->own_dir && spec->uid != 0 && (chown(spec->own_dir, (uid_t)-1, spec->gid) != 0 || chmod(spec->own_dir, 0770) != 0))
        die_in_program("cannot hand the scratch folder to the program", spec->own_dir);
    if (spec->own_dir && spec->uid != 0) {
        int own = open(spec->own_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (own >= 0) {
            hand_folders(own, spec->uid, spec->gid, 0);
            close(own);
        }
    }
    // Subordinate ids leave setgroups allowed: the caller's supplementary groups go too.
    int drop_groups = !spec->user_ns || spec->gid_map_helper != NULL;
    if (spec->uid != 0 && geteuid() == 0) {
        if ((drop_groups && syscall(SYS_setgroups, 0, NULL) != 0) || syscall(SYS_setgid, spec->gid) != 0 ||
            syscall(SYS_setuid, spec->uid) != 0) {
            die_in_program("cannot drop identity", NULL);
        }
    }
    if (spec->isolate) clear_capabilities();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die_in_program("no_new_privs", NULL);
    // Ignored signals and the blocked mask survive exec: hand the program a clean slate.
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (chdir(spec->workdir) != 0) die_in_program("cannot enter the working directory", spec->workdir);
    install_seccomp();
    execve(spec->argv[0], (char *const *)spec->argv, (char *const *)spec->envp);
    die_in_program("cannot execute", spec->argv[0]);
}

static int program_main(void *arg) {
    exec_program(arg);
    return 127;
}

/// Moves this process (and so everything it starts) into the run's own cgroups, while the
/// host's /sys/fs/cgroup is still in view.
/// Returns the file that refused us, or NULL.
static const char *join_cgroups(const child_context *ctx) {
    for (int i = 0; i < ctx->spec->cgroup_count; i++) {
        int fd = open(ctx->spec->cgroups[i], O_WRONLY | O_CLOEXEC);
        int ok = fd >= 0 && write(fd, "0", 1) == 1;
        if (fd >= 0) close(fd);
        if (!ok) return ctx->spec->cgroups[i];
    }
    return NULL;
}

/// Builds the private root: a read-only tmpfs holding only the listed mounts,
/// a fresh /proc for the new PID namespace and a minimal /dev.
static void build_root(const child_context *ctx) {
    const hf_spec *spec = ctx->spec;
    if (spec->net_ns_fd >= 0 && setns(spec->net_ns_fd, CLONE_NEWNET) != 0) fail_setup(ctx, "setns", "net");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail_setup(ctx, "private", "/");
    if (mount("tmpfs", spec->root_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755") != 0)
        fail_setup(ctx, "tmpfs", spec->root_dir);
    for (int i = 0; i < spec->link_count; i++) {
        if (symlink(spec->links[i].target, ctx->link_paths[i]) != 0) fail_setup(ctx, "symlink", ctx->link_paths[i]);
    }
    for (int i = 0; i < spec->mount_count; i++) {
        bind_path(ctx, spec->mounts[i].source, ctx->mount_targets[i], spec->mounts[i].writable ? 1 : 0);
    }
    if (make_dirs(ctx->proc_path) != 0) fail_setup(ctx, "mkdir", ctx->proc_path);
    if (mount("proc", ctx->proc_path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        fail_setup(ctx, "mount", ctx->proc_path);
    if (make_dirs(ctx->dev_path) != 0) fail_setup(ctx, "mkdir", ctx->dev_path);
    if (mount("tmpfs", ctx->dev_path, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=16k,mode=755") != 0)
        fail_setup(ctx, "tmpfs", ctx->dev_path);
    for (int i = 0; i < 5; i++) {
        char source[32] = "/dev/";
        append(source, sizeof source, dev_names[i]);
        bind_path(ctx, source, ctx->dev_nodes[i], 2);
    }
    // pivot_root, then detach the old root: after a chroot the host's whole mount table
    // stayed in the namespace, visible in /proc/self/mountinfo.
    if (chdir(spec->root_dir) != 0) fail_setup(ctx, "chdir", spec->root_dir);
    if (syscall(SYS_pivot_root, ".", ".") != 0) fail_setup(ctx, "pivot_root", spec->root_dir);
    if (umount2(".", MNT_DETACH) != 0) fail_setup(ctx, "detach the old root", NULL);
    if (chdir("/") != 0) fail_setup(ctx, "chdir", "/");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        fail_setup(ctx, "remount read-only", "/");
}

/// PID 1 of the jail: sets it up, starts the program, reports how it ended.
/// When it exits, the kernel kills every process left in the namespace.
/// A child of halo-forge must not keep halo-forge's signal handlers (the Swift runtime's
/// crash reporter among them): in the jail's init a handler is what lets a signal from inside
/// the pid namespace through at all, and a handler run in this copy of the process reports
/// on, and takes down, halo-forge itself.
static void default_signal_handlers(void) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
}

static int jail_init(void *arg) {
    const child_context *ctx = arg;
    default_signal_handlers();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // A session of its own: kill(0, ...) and killpg() reach process groups whatever the pid
    // namespace, and as an ordinary caller the program shares our uid, so it must not stay
    // in halo-forge's group.
    syscall(SYS_setsid);
    // Other threads' pipes were copied in by clone(): keep only ours, or their
    // readers would wait on us for end-of-file.
    int keep[9] = {ctx->stdin_read, ctx->out_write, ctx->err_write, ctx->report_write, ctx->status_write,
                   ctx->spec->net_ns_fd, ctx->go_read, ctx->exec_read, ctx->exec_write};
    close_all_except(keep, 9);
    if (ctx->spec->user_ns) {
        // Until the parent has written the id maps this process is nobody: wait for them.
        char go = 0;
        ssize_t n;
        do n = read(ctx->go_read, &go, 1); while (n < 0 && errno == EINTR);
        close(ctx->go_read);
        if (n != 1 || go != 1) _exit(120);
    }
    const char *refused = join_cgroups(ctx);
    if (refused) fail_setup(ctx, "join cgroup", refused);
    build_root(ctx);
    // As posix_spawn does: the program's process shares this one's memory until its exec
    // (this process waits), so no page table is copied. A fork here copied the whole of
    // halo-forge's address space a second time per run: 2.8 ms at 100 MiB resident, 23 ms at
    // 400 MiB. glibc's fork() is no option anyway: this process was cloned from a
    // multithreaded parent, and a glibc lock (malloc's, stdio's) may be held forever here.
    pid_t program = clone(program_main, ctx->program_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)ctx);
    if (program < 0) fail_setup(ctx, "fork", NULL);
    close(ctx->stdin_read);
    close(ctx->out_write);
    close(ctx->err_write);
    if (ctx->report_write >= 0) close(ctx->report_write);

    init_report report;
    memset(&report, 0, sizeof report);
    close(ctx->exec_write);
    // End of file: the program's exec succeeded. Anything else: why it never started.
    for (size_t got = 0;;) {
        ssize_t n = read(ctx->exec_read, report.message + got, sizeof report.message - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
        report.exec_failed = 1;
        if (got >= sizeof report.message - 1) break;
    }
    close(ctx->exec_read);
    for (;;) {
        int status;
        struct rusage usage;
        pid_t pid = wait4(-1, &status, 0, &usage);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) fail_setup(ctx, "wait", NULL);
        if (pid != program) continue;
        report.wait_status = status;
        report.utime_us = usage.ru_utime.tv_sec * 1000000L + usage.ru_utime.tv_usec;
        report.stime_us = usage.ru_stime.tv_sec * 1000000L + usage.ru_stime.tv_usec;
        report.max_rss_kb = usage.ru_maxrss;
        break;
    }
    write_all(ctx->status_write, &report, sizeof report);
    _exit(0);
}

/// Without namespaces: a process group, rlimits and a dedicated uid.
static void fallback_child(const child_context *ctx) {
    default_signal_handlers();
    setpgid(0, 0);
    exec_status_fd = ctx->exec_write;
    const char *refused = join_cgroups(ctx);
    if (refused) die_in_program("join cgroup", refused);
    exec_program(ctx);
}

/// Kills every process of a dedicated uid: catches daemons that left the process group.
static void kill_uid(uid_t uid) {
    if (uid == 0 || geteuid() != 0) return;
    pid_t killer = fork();
    if (killer == 0) {
        default_signal_handlers();
        if (syscall(SYS_setuid, uid) == 0) kill(-1, SIGKILL);
        _exit(0);
    }
    if (killer > 0) waitpid(killer, NULL, 0);
}

// --- parent side ---

typedef struct buffer {
    char *data;
    size_t len;
    size_t cap;
} buffer;

/// Appends up to `limit` bytes; returns 1 when the data did not fit.
static int buffer_append(buffer *b, const char *data, size_t n, size_t limit) {
    size_t room = limit > b->len ? limit - b->len : 0;
    size_t take = n < room ? n : room;
    if (take > 0) {
        if (b->len + take + 1 > b->cap) {
            size_t cap = b->cap ? b->cap : 4096;
            while (cap < b->len + take + 1) cap *= 2;
            char *grown = realloc(b->data, cap);
            if (!grown) return 1;
            b->data = grown;
            b->cap = cap;
        }
        memcpy(b->data + b->len, data, take);
        b->len += take;
        b->data[b->len] = 0;
    }
    return take < n;
}

static void free_context(child_context *ctx) {
    if (ctx->mount_targets) {
        for (int i = 0; i < ctx->spec->mount_count; i++) free(ctx->mount_targets[i]);
        free(ctx->mount_targets);
    }
    if (ctx->link_paths) {
        for (int i = 0; i < ctx->spec->link_count; i++) free(ctx->link_paths[i]);
        free(ctx->link_paths);
    }
    free(ctx->proc_path);
    free(ctx->dev_path);
    for (int i = 0; i < 5; i++) free(ctx->dev_nodes[i]);
}

static int prepare_paths(child_context *ctx) {
    const hf_spec *spec = ctx->spec;
    ctx->mount_targets = calloc((size_t)spec->mount_count + 1, sizeof(char *));
    ctx->link_paths = calloc((size_t)spec->link_count + 1, sizeof(char *));
    if (!ctx->mount_targets || !ctx->link_paths) return -1;
    for (int i = 0; i < spec->mount_count; i++) {
        if (!(ctx->mount_targets[i] = join_path(spec->root_dir, spec->mounts[i].target))) return -1;
    }
    for (int i = 0; i < spec->link_count; i++) {
        if (!(ctx->link_paths[i] = join_path(spec->root_dir, spec->links[i].path))) return -1;
    }
    ctx->proc_path = join_path(spec->root_dir, "proc");
    ctx->dev_path = join_path(spec->root_dir, "dev");
    if (!ctx->proc_path || !ctx->dev_path) return -1;
    for (int i = 0; i < 5; i++) {
        char rel[32] = "dev/";
        append(rel, sizeof rel, dev_names[i]);
        if (!(ctx->dev_nodes[i] = join_path(spec->root_dir, rel))) return -1;
    }
    return 0;
}

static int write_proc_file(pid_t pid, const char *name, const char *text, char *why, size_t why_size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));
    int saved = errno;
    if (fd >= 0) close(fd);
    if (n != (ssize_t)strlen(text)) {
        snprintf(why, why_size, "%s: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    return 0;
}

/// Runs newuidmap/newgidmap (setuid root: they check /etc/subuid and /etc/subgid) for `pid`.
static int run_map_helper(pid_t pid, const char *const *helper, char *why, size_t why_size) {
    int n = 0;
    while (helper[n]) n++;
    const char *argv[24];
    if (n < 1 || n + 2 > (int)(sizeof argv / sizeof argv[0])) {
        snprintf(why, why_size, "bad id map helper arguments");
        return -1;
    }
    char pid_text[16];
    snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
    argv[0] = helper[0];
    argv[1] = pid_text;
    for (int i = 1; i <= n; i++) argv[i + 1] = helper[i];
    int out[2];
    if (high_pipe(out) != 0) {
        snprintf(why, why_size, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    char *const no_env[] = {NULL};
    pid_t helper_pid;
    int rc = posix_spawn(&helper_pid, argv[0], &actions, NULL, (char *const *)argv, no_env);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        snprintf(why, why_size, "%s: %s", argv[0], strerror(rc));
        return -1;
    }
    char text[160] = "";
    size_t got = 0;
    for (;;) {
        ssize_t r = read(out[0], text + got, sizeof text - 1 - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
        if (got >= sizeof text - 1) break;
    }
    text[got] = 0;
    close(out[0]);
    int status = 0;
    while (waitpid(helper_pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    for (char *p = text; *p; p++) {
        if (*p == '\n') *p = ' ';
    }
    snprintf(why, why_size, "%s failed (status %d): %s", argv[0], status, text);
    return -1;
}

/// The caller becomes root of the jail's user namespace; setgroups is denied first, as
/// the kernel requires of an unprivileged writer of gid_map. With subordinate ids the
/// setuid helpers write both maps (and setgroups) instead.
static int write_id_maps(pid_t pid, const hf_spec *spec, char *why, size_t why_size) {
    if (spec->uid_map_helper && spec->gid_map_helper) {
        if (run_map_helper(pid, spec->uid_map_helper, why, why_size) != 0) return -1;
        return run_map_helper(pid, spec->gid_map_helper, why, why_size);
    }
    if (write_proc_file(pid, "setgroups", "deny", why, why_size) != 0 && errno != ENOENT) return -1;
    if (write_proc_file(pid, "uid_map", spec->uid_map, why, why_size) != 0) return -1;
    return write_proc_file(pid, "gid_map", spec->gid_map, why, why_size);
}

// One run, as it moves through spawn → pump → reap → classify.
typedef struct run_state {
    const hf_spec *spec;
    child_context ctx;
    // Pipes, parent's view: in[1] feeds stdin; out, err, rep (report channel), st (init's
    // status record) are read; go releases a user-namespace init once its ids are mapped;
    // ex carries a failed exec's reason in fallback mode.
    int in[2], out[2], err[2], rep[2], st[2], go[2], ex[2];
    char *stack;
    pid_t pid;
    double started;
    buffer bout, berr, brep, bstatus;
    // Fallback mode reaps the program inside the pump.
    int fallback_status, fallback_reaped;
    struct rusage usage;
} run_state;

static void close_pair(int fds[2]) {
    close_fd(&fds[0]);
    close_fd(&fds[1]);
}

// Makes the pipes and starts the jail's init (or, in fallback mode, a forked child).
// Returns 0, or -1 with result->error set.
static int run_spawn(run_state *r, hf_result *result) {
    const hf_spec *spec = r->spec;
    if (high_pipe(r->in) || high_pipe(r->out) || high_pipe(r->err) || high_pipe(r->st) ||
        (spec->report_fd >= 0 && high_pipe(r->rep)) || (spec->isolate && spec->user_ns && high_pipe(r->go)) || high_pipe(r->ex)) {
        snprintf(result->error, sizeof result->error, "pipe: %s", strerror(errno));
        return -1;
    }
    child_context *ctx = &r->ctx;
    ctx->stdin_read = r->in[0];
    ctx->out_write = r->out[1];
    ctx->err_write = r->err[1];
    ctx->report_write = r->rep[1];
    ctx->status_write = r->st[1];
    ctx->go_read = r->go[0];
    ctx->exec_read = r->ex[0];
    ctx->exec_write = r->ex[1];

    pthread_once(&hf_filter_once, build_seccomp_filter);
    r->started = now_seconds();
    if (spec->isolate) {
        // Two stacks: the jail's init, then the program's process until its exec.
        if (prepare_paths(ctx) != 0 || !(r->stack = malloc(2 * HF_STACK_SIZE))) {
            snprintf(result->error, sizeof result->error, "out of memory");
            return -1;
        }
        int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
        if (spec->net_ns_fd < 0) flags |= CLONE_NEWNET;
        if (spec->user_ns) flags |= CLONE_NEWUSER;
        ctx->program_stack = r->stack + 2 * HF_STACK_SIZE;
        r->pid = clone(jail_init, r->stack + HF_STACK_SIZE, flags, ctx);
        if (r->pid > 0 && spec->user_ns) {
            close_fd(&r->go[0]);
            char why[160] = "";
            if (write_id_maps(r->pid, spec, why, sizeof why) != 0) {
                kill(r->pid, SIGKILL);
                while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
                }
                snprintf(result->error, sizeof result->error, "cannot map ids into the user namespace: %s", why);
                result->ended_by = HF_END_INTERNAL_ERROR;
                return -1;
            }
            char one = 1;
            write_all(r->go[1], &one, 1);
            close_fd(&r->go[1]);
        }
    } else {
        r->pid = fork();
        if (r->pid == 0) fallback_child(ctx);
        if (r->pid > 0) setpgid(r->pid, r->pid);
    }
    if (r->pid < 0) {
        snprintf(result->error, sizeof result->error, "cannot start the sandbox (clone%s): %s",
                 spec->isolate && spec->user_ns ? " of a user namespace" : "", strerror(errno));
        return -1;
    }
    close_fd(&r->in[0]);
    close_fd(&r->out[1]);
    close_fd(&r->err[1]);
    close_fd(&r->rep[1]);
    close_fd(&r->st[1]);
    close_fd(&r->ex[1]);
    if (spec->isolate) close_fd(&r->ex[0]);  // the jail's init reads it
    fcntl(r->in[1], F_SETFL, O_NONBLOCK);
    if (spec->stdin_len == 0) close_fd(&r->in[1]);
    return 0;
}

// Feeds stdin and collects stdout, stderr, the report and init's status record until the
// pipes close, the wall time runs out or an output limit is passed. Returns HF_END_WALL_TIME
// or HF_END_OUTPUT_LIMIT when the run must be killed, else -1.
static int run_pump(run_state *r) {
    const hf_spec *spec = r->spec;
    size_t stdin_sent = 0;
    double deadline = r->started + (spec->wall_seconds > 0 ? spec->wall_seconds : 1e9);
    size_t report_limit = 1 << 20;
    double drain_until = 0;
    for (;;) {
        struct pollfd fds[5];
        int which[5];
        int n = 0;
        int sources[4] = {r->out[0], r->err[0], r->rep[0], r->st[0]};
        for (int i = 0; i < 4; i++) {
            if (sources[i] >= 0) {
                fds[n] = (struct pollfd){sources[i], POLLIN, 0};
                which[n++] = i;
            }
        }
        if (r->in[1] >= 0) {
            fds[n] = (struct pollfd){r->in[1], POLLOUT, 0};
            which[n++] = 4;
        }
        if (n == 0) return -1;
        double left = deadline - now_seconds();
        if (drain_until > 0) {
            // The program has ended: take what its pipes still hold, but do not wait on
            // a copy of a write end that some other process may have inherited.
            left = drain_until - now_seconds();
            if (left <= 0) return -1;
        } else if (left <= 0) {
            return HF_END_WALL_TIME;
        }
        int wait_ms = (int)(left * 1000) + 1;
        if (!spec->isolate && wait_ms > 20) wait_ms = 20;
        int ready = poll(fds, (nfds_t)n, wait_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return -1;
        int over = 0;
        for (int i = 0; i < n; i++) {
            if (!fds[i].revents) continue;
            if (which[i] == 4) {
                ssize_t w = write(r->in[1], spec->stdin_data + stdin_sent, spec->stdin_len - stdin_sent);
                if (w > 0) stdin_sent += (size_t)w;
                if (w < 0 && errno != EAGAIN && errno != EINTR) stdin_sent = spec->stdin_len;
                if (stdin_sent >= spec->stdin_len) close_fd(&r->in[1]);
                continue;
            }
            char chunk[65536];
            int *fd = which[i] == 0 ? &r->out[0] : which[i] == 1 ? &r->err[0] : which[i] == 2 ? &r->rep[0] : &r->st[0];
            ssize_t got = read(*fd, chunk, sizeof chunk);
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (got <= 0) {
                close_fd(fd);
                continue;
            }
            if (which[i] == 0) over |= buffer_append(&r->bout, chunk, (size_t)got, spec->output_limit);
            if (which[i] == 1) over |= buffer_append(&r->berr, chunk, (size_t)got, spec->output_limit);
            if (which[i] == 2) over |= buffer_append(&r->brep, chunk, (size_t)got, report_limit);
            if (which[i] == 3) {
                buffer_append(&r->bstatus, chunk, (size_t)got, sizeof(init_report));
                if (r->bstatus.len == sizeof(init_report) && drain_until == 0) {
                    drain_until = now_seconds() + 0.5;
                    close_fd(&r->in[1]);
                }
            }
        }
        if (over) return HF_END_OUTPUT_LIMIT;
        // Fallback mode has no init: the program's own exit ends the run even if
        // a child it left behind still holds the pipes open.
        if (!spec->isolate && wait4(r->pid, &r->fallback_status, WNOHANG, &r->usage) == r->pid) {
            r->fallback_reaped = 1;
            return -1;
        }
    }
}

// Kills the run when the pump said so, waits for it and clears up what fallback mode
// leaves behind. Returns the wait status.
static int run_reap(run_state *r, int ended_by, hf_result *result) {
    const hf_spec *spec = r->spec;
    if (ended_by >= 0) kill(spec->isolate ? r->pid : -r->pid, SIGKILL);
    int status = 0;
    if (r->fallback_reaped) {
        status = r->fallback_status;
    } else {
        while (wait4(r->pid, &status, 0, &r->usage) < 0 && errno == EINTR) {
        }
    }
    if (!spec->isolate) {
        kill(-r->pid, SIGKILL);
        kill_uid(spec->uid);
    }
    result->wall_seconds = now_seconds() - r->started;
    return status;
}

// Why the run ended, isolate-style: init's record (or the rusage in fallback mode) gives the
// program's wait status, CPU time and peak memory; a set-up or exec failure is the sandbox's.
static void run_classify(run_state *r, int ended_by, int status, hf_result *result) {
    const hf_spec *spec = r->spec;
    if (spec->isolate) {
        init_report report;
        memset(&report, 0, sizeof report);
        if (r->bstatus.len == sizeof report) memcpy(&report, r->bstatus.data, sizeof report);
        if (report.setup_failed) {
            snprintf(result->error, sizeof result->error, "sandbox set-up failed: %s", report.message);
            ended_by = HF_END_INTERNAL_ERROR;
        } else if (report.exec_failed) {
            snprintf(result->error, sizeof result->error, "the program did not start: %s", report.message);
            ended_by = HF_END_INTERNAL_ERROR;
        } else if (r->bstatus.len == sizeof report) {
            status = report.wait_status;
            result->cpu_seconds = (double)(report.utime_us + report.stime_us) / 1e6;
            result->max_rss_kb = report.max_rss_kb;
        } else if (ended_by < 0) {
            snprintf(result->error, sizeof result->error, "the sandbox's init ended without a report");
            ended_by = HF_END_INTERNAL_ERROR;
        }
    } else {
        // The program has exited, so its end of the exec pipe is closed (or still held
        // for a moment by a sibling thread's fork): read what is there without waiting.
        char why[200] = "";
        fcntl(r->ex[0], F_SETFL, O_NONBLOCK);
        ssize_t n = read(r->ex[0], why, sizeof why - 1);
        if (n > 0 && ended_by < 0) {
            why[n] = 0;
            snprintf(result->error, sizeof result->error, "the program did not start: %s", why);
            ended_by = HF_END_INTERNAL_ERROR;
        }
        result->cpu_seconds = (double)(r->usage.ru_utime.tv_sec + r->usage.ru_stime.tv_sec) +
                              (double)(r->usage.ru_utime.tv_usec + r->usage.ru_stime.tv_usec) / 1e6;
        result->max_rss_kb = r->usage.ru_maxrss;
    }
    if (ended_by < 0) {
        if (WIFSIGNALED(status)) {
            ended_by = HF_END_SIGNALED;
            result->term_signal = WTERMSIG(status);
        } else {
            ended_by = HF_END_EXITED;
            result->exit_code = WEXITSTATUS(status);
        }
    }
    result->ended_by = ended_by;
    // The buffers now belong to the result.
    result->out = r->bout.data;
    result->out_len = r->bout.len;
    result->err = r->berr.data;
    result->err_len = r->berr.len;
    result->report = r->brep.data;
    result->report_len = r->brep.len;
    r->bout = r->berr = r->brep = (buffer){0};
}

int hf_run(const hf_spec *spec, hf_result *result) {
    memset(result, 0, sizeof *result);
    // A program that exits without reading its stdin must not kill us with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    run_state r;
    memset(&r, 0, sizeof r);
    r.spec = spec;
    r.ctx.spec = spec;
    r.ctx.report_write = -1;
    r.ctx.go_read = -1;
    int *pairs[] = {r.in, r.out, r.err, r.rep, r.st, r.go, r.ex};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) pairs[i][0] = pairs[i][1] = -1;
    r.pid = -1;
    int rc = -1;
    if (run_spawn(&r, result) == 0) {
        int ended_by = run_pump(&r);
        int status = run_reap(&r, ended_by, result);
        run_classify(&r, ended_by, status, result);
        rc = result->ended_by == HF_END_INTERNAL_ERROR ? -1 : 0;
    }
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) close_pair(pairs[i]);
    free(r.bout.data);
    free(r.berr.data);
    free(r.brep.data);
    free(r.bstatus.data);
    free(r.stack);
    free_context(&r.ctx);
    if (rc != 0 && result->ended_by != HF_END_INTERNAL_ERROR) result->ended_by = HF_END_INTERNAL_ERROR;
    return rc;
}

void hf_result_free(hf_result *result) {
    free(result->out);
    free(result->err);
    free(result->report);
    result->out = result->err = result->report = NULL;
}
