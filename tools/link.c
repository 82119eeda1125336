/* The .so link step: runs the system compiler driver on the code generator's object. The driver
 * (not ld directly) knows the crt files and libgcc; --as-needed keeps libm out of NEEDED unless the
 * object calls it, -static-libgcc keeps libgcc_s out for compiler runtime helpers, and -Bsymbolic
 * binds the module's own references (hloc_module_info → NAME_metadata) inside it even when a
 * program links several models that each export hloc_module_info. The child is spawned without a
 * shell and its output is captured for the error message. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aot.h"

extern char **environ;

hloc_status *hloc_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return hloc_status_new(HLOC_STATUS_IO, "%s: cannot write: %s", path, strerror(errno));
    size_t n = fwrite(data, 1, len, f);
    int err = ferror(f);
    if (fclose(f) != 0 || n != len || err)
        return hloc_status_new(HLOC_STATUS_IO, "%s: write failed: %s", path, strerror(errno));
    return NULL;
}

/* Runs |argv| (NULL-terminated) and returns NULL if it exits with 0, else a status quoting the
 * command and its output (stdout and stderr together). */
static hloc_status *run_command(char *const *argv) {
    hloc_strbuf cmd = {0};
    for (int i = 0; argv[i]; i++) hloc_strbuf_printf(&cmd, "%s%s", i ? " " : "", argv[i]);
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        hloc_strbuf_free(&cmd);
        return hloc_status_new(HLOC_STATUS_IO, "link: pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    hloc_strbuf out = {0};
    hloc_status *st = NULL;
    if (err) {
        st = hloc_status_new(HLOC_STATUS_NOT_FOUND, "link: cannot run '%s': %s (set CC)", argv[0],
                             strerror(err));
    } else {
        char buf[4096];
        ssize_t n;
        while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0) hloc_strbuf_putn(&out, buf, (size_t)n);
        int ws;
        while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            st = hloc_status_new(HLOC_STATUS_INTERNAL, "link failed (%s %d): %s\n%s",
                                 WIFEXITED(ws) ? "exit status" : "signal",
                                 WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws),
                                 cmd.data ? cmd.data : "", out.data ? out.data : "");
    }
    close(pipefd[0]);
    hloc_strbuf_free(&out);
    hloc_strbuf_free(&cmd);
    return st;
}

enum { MAX_CC_WORDS = 32, FIXED_ARGS = 16 };

hloc_status *hloc_link_shared(const char *obj_path, const char *so_path,
                              const char *const *externs, size_t n_externs) {
    const char *cc = getenv("HLOC_CC");
    if (!cc || !*cc) cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    /* $CC may carry words ("ccache gcc"); split on blanks, no quoting. */
    char *ccbuf = strdup(cc);
    char **argv = malloc((MAX_CC_WORDS + FIXED_ARGS + n_externs + 1) * sizeof *argv);
    char **defsyms = calloc(n_externs + 1, sizeof *defsyms);
    hloc_status *st = NULL;
    if (!ccbuf || !argv || !defsyms) {
        st = hloc_status_oom();
        goto done;
    }
    int argc = 0;
    for (char *save = NULL, *w = strtok_r(ccbuf, " \t", &save); w && argc < MAX_CC_WORDS;
         w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    if (!argc) argv[argc++] = (char *)"cc";
    const char *fixed[] = {"-shared", "-o", so_path, obj_path, "-static-libgcc", "-Wl,-Bsymbolic",
                           "-Wl,-z,noexecstack", "-Wl,--as-needed", "-lm", NULL};
    for (const char **a = fixed; *a; a++) argv[argc++] = (char *)*a;
    int base = argc;
    /* Every symbol must resolve, except the custom-call targets the loader binds at dlopen: a
     * checking link defines those as absolutes (--defsym) under --no-undefined, so any other
     * undefined symbol fails here instead of at load time; the real link then leaves them
     * undefined. Without such symbols the one link is the checking one. */
    argv[argc++] = (char *)"-Wl,--no-undefined";
    for (size_t i = 0; i < n_externs; i++) {
        hloc_strbuf b = {0};
        hloc_strbuf_printf(&b, "-Wl,--defsym=%s=0", externs[i]);
        if (!(defsyms[i] = hloc_strbuf_take(&b))) {
            st = hloc_status_oom();
            goto done;
        }
        argv[argc++] = defsyms[i];
    }
    argv[argc] = NULL;
    st = run_command(argv);
    if (!st && n_externs) {
        argv[base] = NULL;
        st = run_command(argv);
    }
done:
    for (size_t i = 0; defsyms && i < n_externs; i++) free(defsyms[i]);
    free(defsyms);
    free(argv);
    free(ccbuf);
    return st;
}
