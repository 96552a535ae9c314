#ifndef IOPDDL_GLPK_GUARD_H
#define IOPDDL_GLPK_GUARD_H

/*
 * A small C shim between GLPK and the Swift module `GLPK`.
 *
 * 1. Fatal-error guard. GLPK reports invalid arguments and internal failures through
 *    glp_error, which prints a message and calls abort(). The guarded calls below install
 *    glp_error_hook with a setjmp/longjmp recovery point, so a fatal error inside them returns
 *    IOPDDL_GLPK_FATAL instead of killing the process. After a recovery the calling thread's
 *    GLPK environment has been freed with glp_free_env(): every problem object created on this
 *    thread is gone (its memory was released by GLPK) and must never be used or deleted again.
 *    iopddl_glpk_env_generation() changes whenever that happens.
 *
 * 2. Silence. GLPK writes to stdout, which carries the program's answer. Every entry point
 *    here calls iopddl_glpk_thread_setup(), which turns terminal output off for the calling
 *    thread and installs a terminal hook that swallows anything GLPK still tries to print
 *    (glp_error forces output back on to print its message); the last such text is kept per
 *    thread and returned by iopddl_glpk_last_error().
 *
 * 3. Branch-and-cut callback. iopddl_intopt_callback is written in C so that no Swift frame is
 *    ever between a GLPK fatal error and the recovery point (longjmp must not cross Swift
 *    frames). It injects a warm start, tracks the best bound and the tree size, and stops the
 *    search at a wall-clock deadline, on an absolute gap, or when the application's stop
 *    function (which must not call GLPK) returns non-zero.
 *
 * All state is per thread or per call; nothing here is shared between threads.
 */

#include <glpk.h>

/* Returned by the guarded calls when GLPK hit a fatal error (and the environment was freed). */
#define IOPDDL_GLPK_FATAL (-1)

/* Why iopddl_intopt_callback stopped the search (iopddl_intopt_ctx.stop_reason). */
#define IOPDDL_STOP_NONE 0
#define IOPDDL_STOP_DEADLINE 1
#define IOPDDL_STOP_REQUESTED 2
#define IOPDDL_STOP_ABS_GAP 3

/* Outcome of the warm-start injection (iopddl_intopt_ctx.warm_start_result). */
#define IOPDDL_WARM_NOT_TRIED 0
#define IOPDDL_WARM_ACCEPTED 1
#define IOPDDL_WARM_REJECTED 2

/* Context of one guarded glp_intopt call; passed to GLPK as the callback's `info` pointer. */
typedef struct iopddl_intopt_ctx {
    /* Inputs. */
    const double *warm_start; /* 1-based x[1..n] for glp_ios_heur_sol, or NULL */
    double deadline;          /* iopddl_monotonic_seconds() value; <= 0: no deadline */
    double abs_gap;           /* stop when |incumbent - bound| <= abs_gap; < 0: off */
    int (*stop)(void *stop_info); /* polled at every callback; non-zero stops. May be NULL. */
    void *stop_info;
    int test_fatal;           /* testing only: provoke a GLPK fatal error in the callback */
    /* Input and output: a known global bound (e.g. the root LP value), tightened by the best
       bound of the active nodes whenever a node is selected (problem's own direction). */
    int has_bound;
    double bound;
    /* Outputs. */
    int warm_start_result;    /* IOPDDL_WARM_* */
    int stop_reason;          /* IOPDDL_STOP_* */
    int nodes;                /* subproblems created so far (t_cnt of glp_ios_tree_size) */
} iopddl_intopt_ctx;

/* Silences GLPK on the calling thread (glp_term_out(GLP_OFF) plus a swallowing term hook). */
void iopddl_glpk_thread_setup(void);

/* Changes each time a fatal error freed the calling thread's GLPK environment. */
unsigned long iopddl_glpk_env_generation(void);

/*
 * Frees the calling thread's GLPK environment (glp_free_env) and advances the generation, so
 * that problem objects of this thread are known to be gone. For the end of a worker thread.
 */
void iopddl_glpk_free_thread_env(void);

/* Text GLPK tried to print during the last fatal error on this thread ("" if none). */
const char *iopddl_glpk_last_error(void);

/* CLOCK_MONOTONIC in seconds. */
double iopddl_monotonic_seconds(void);

/* glp_simplex under the fatal-error guard: its return code, or IOPDDL_GLPK_FATAL. */
int iopddl_guarded_simplex(glp_prob *P, const glp_smcp *parm);

/*
 * glp_intopt under the fatal-error guard: its return code, or IOPDDL_GLPK_FATAL.
 * When ctx is not NULL, parm->cb_func/cb_info are set to iopddl_intopt_callback/ctx.
 */
int iopddl_guarded_intopt(glp_prob *P, glp_iocp *parm, iopddl_intopt_ctx *ctx);

/* The branch-and-cut callback used by iopddl_guarded_intopt. */
void iopddl_intopt_callback(glp_tree *T, void *info);

/*
 * Testing only: provokes a GLPK fatal error (a column index out of range on a scratch problem)
 * under the guard. Returns IOPDDL_GLPK_FATAL when the guard recovered.
 */
int iopddl_glpk_guard_selftest(void);

#endif
