#ifndef HALO_FORGE_CSANDBOX_H
#define HALO_FORGE_CSANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/// A path made visible inside the jail: `source` on the host appears at `target`.
typedef struct hf_mount {
    const char *source;
    const char *target;
    int writable;
} hf_mount;

/// A symbolic link created in the jail's root (Debian's /bin -> usr/bin and friends).
typedef struct hf_link {
    const char *target;
    const char *path;
} hf_link;

typedef struct hf_spec {
    const char *const *argv;      /* NULL-terminated; argv[0] is an absolute path */
    const char *const *envp;      /* NULL-terminated */
    const char *workdir;          /* working directory inside the jail */
    int isolate;                  /* 1: namespaces + private root; 0: rlimits + uid only */
    int user_ns;                  /* 1: enter a new user namespace first (an ordinary caller) */
    const char *uid_map;          /* written to the jail's /proc/PID/uid_map by the parent ("0 1000 1") */
    const char *gid_map;
    /* Subordinate ids: argv of newuidmap/newgidmap without the pid ("/usr/bin/newuidmap", "0",
       "1000", "1", "1000", "165536", "1", NULL); the parent runs them instead of writing the
       maps itself. NULL: uid_map/gid_map are written directly. */
    const char *const *uid_map_helper;
    const char *const *gid_map_helper;
    /* A folder inside the jail (the scratch) given to gid `gid`, mode 0770, before the program
       starts; it stays owned by the caller, so the program cannot take it from the caller.
       Folders the caller made in it become the program's (uid/gid); files stay the caller's. */
    const char *own_dir;
    const char *root_dir;         /* empty host folder that becomes the jail's root mount point */
    const hf_mount *mounts;
    int mount_count;
    const hf_link *links;
    int link_count;
    int net_ns_fd;                /* a network namespace to join; -1 creates one for the run */
    uid_t uid;                    /* identity of the program; 0 keeps the caller's (root inside a user namespace) */
    gid_t gid;
    double wall_seconds;
    double cpu_seconds;
    long long memory_bytes;       /* address-space limit */
    long long file_size_bytes;
    long processes;
    long open_files;
    size_t output_limit;          /* bytes kept per stream; more ends the run */
    const char *stdin_data;
    size_t stdin_len;
    int report_fd;                /* fd number (3..999) of the report pipe in the program, -1 none */
    const char *const *cgroups;   /* cgroup.procs files the run joins before it starts (its own cgroups) */
    int cgroup_count;
} hf_spec;

enum hf_end {
    HF_END_EXITED = 0,
    HF_END_SIGNALED = 1,
    HF_END_WALL_TIME = 2,
    HF_END_OUTPUT_LIMIT = 3,
    HF_END_INTERNAL_ERROR = 4,
};

typedef struct hf_result {
    int ended_by;                 /* enum hf_end */
    int exit_code;
    int term_signal;
    double wall_seconds;
    double cpu_seconds;
    long max_rss_kb;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    char *report;
    size_t report_len;
    char error[256];
} hf_result;

/// Runs one command under `spec`, filling `result`. Blocks until the program
/// and every process it started are gone. Returns 0, or -1 on an internal error
/// (described in result->error).
int hf_run(const hf_spec *spec, hf_result *result);

/// Frees the buffers of a result filled by hf_run.
void hf_result_free(hf_result *result);

#endif
