/* ibuild's syscall probe: a static program a sandbox test runs inside a step.
 * Each argument names one probe; each runs in a child of its own (so an unshare that
 * works cannot change the next probe) and prints "name=ok" or "name=<ERRNO NAME>".
 *   keyctl add_key request_key  the kernel keyrings (Docker's profile blocks all three)
 *   unshare_user clone_user     a new user namespace, by unshare(2) and by clone(2)
 *   clone3                      clone3(2) (the profile answers ENOSYS, so libc falls back)
 *   vsock                       socket(AF_VSOCK) (blocked by argument)
 *   mount chroot ptrace         mount a tmpfs on a directory of its own (and undo it);
 *                               chroot("/"); PTRACE_ATTACH to a child
 *   personality                 personality(0xffffffff) (a query the profile allows)
 *   euid                        prints "euid=<effective uid>" (a setuid-root probe says 0)
 * Build: gcc -static -O1 -o syscall-probe syscall-probe.c */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_THREAD_KEYRING -1
#define KEY_SPEC_USER_KEYRING -4
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* A child that ends at once, from a raw clone or clone3: 0 (ok) or errno. */
static int reap(long pid) {
    if (pid == 0) syscall(SYS_exit, 0);
    if (pid < 0) return errno;
    waitpid((pid_t)pid, NULL, __WALL);
    return 0;
}

static int run(const char *name) {
    if (!strcmp(name, "keyctl"))
        return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0) < 0 ? errno : 0;
    if (!strcmp(name, "add_key"))
        return syscall(SYS_add_key, "user", "ibuild-probe", "x", 1, KEY_SPEC_THREAD_KEYRING) < 0 ? errno : 0;
    if (!strcmp(name, "request_key"))
        return syscall(SYS_request_key, "user", "ibuild-probe-absent", NULL, KEY_SPEC_THREAD_KEYRING) < 0 ? errno : 0;
    if (!strcmp(name, "unshare_user"))
        return unshare(CLONE_NEWUSER) != 0 ? errno : 0;
    if (!strcmp(name, "clone_user"))
        return reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
    if (!strcmp(name, "clone3")) {
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.exit_signal = SIGCHLD;
        return reap(syscall(SYS_clone3, &args, sizeof args));
    }
    if (!strcmp(name, "vsock")) {
        int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
        if (fd < 0) return errno;
        close(fd);
        return 0;
    }
    if (!strcmp(name, "mount")) {
        /* On a directory of its own, undone at once: harmless wherever the probe runs. */
        const char *target = "/.ibuild-probe-mount";
        if (mkdir(target, 0700) != 0 && errno != EEXIST) return errno;
        int error = mount("none", target, "tmpfs", 0, NULL) != 0 ? errno : 0;
        if (error == 0) umount2(target, MNT_DETACH);
        rmdir(target);
        return error;
    }
    if (!strcmp(name, "chroot"))
        return chroot("/") != 0 ? errno : 0;
    if (!strcmp(name, "ptrace")) {
        pid_t child = fork();
        if (child == 0) for (;;) pause();
        if (child < 0) return errno;
        int error = ptrace(PTRACE_ATTACH, child, 0, 0) != 0 ? errno : 0;
        if (error == 0) waitpid(child, NULL, 0);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return error;
    }
    if (!strcmp(name, "personality"))
        return personality(0xffffffff) == -1 ? errno : 0;
    return -1;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "euid")) {
            printf("euid=%d\n", (int)geteuid());
            continue;
        }
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            int error = run(argv[i]);
            if (error < 0) printf("%s=unknown-probe\n", argv[i]);
            else if (error == 0) printf("%s=ok\n", argv[i]);
            else printf("%s=%s\n", argv[i], strerrorname_np(error));
            fflush(stdout);
            _exit(0);
        }
        waitpid(child, NULL, 0);
    }
    return 0;
}
