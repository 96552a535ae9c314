/* clock_gettime and CLOCK_MONOTONIC under strict C modes. */
#define _POSIX_C_SOURCE 200809L

#include "glpk_guard.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>

/* ---- per-thread state -------------------------------------------------------------------- */

static _Thread_local unsigned long env_generation = 0;
static _Thread_local char last_error[1024];
static _Thread_local size_t last_error_len = 0;

/*
 * Terminal hook: GLPK only calls it while terminal output is on, which after
 * iopddl_glpk_thread_setup() happens only inside glp_error (it forces output on to print the
 * fatal message). Keep the text for the Swift error and tell GLPK not to print it.
 */
static int swallow_output(void *info, const char *s)
{
    (void)info;
    size_t room = sizeof(last_error) - 1 - last_error_len;
    size_t n = strlen(s);
    if (n > room) n = room;
    memcpy(last_error + last_error_len, s, n);
    last_error_len += n;
    last_error[last_error_len] = '\0';
    return 1;
}

void iopddl_glpk_thread_setup(void)
{
    glp_term_out(GLP_OFF);
    glp_term_hook(swallow_output, NULL);
}

unsigned long iopddl_glpk_env_generation(void) { return env_generation; }

void iopddl_glpk_free_thread_env(void)
{
    glp_free_env();
    env_generation++;
}

const char *iopddl_glpk_last_error(void) { return last_error; }

double iopddl_monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- fatal-error guard ------------------------------------------------------------------- */

typedef struct { jmp_buf point; } recovery_point;

static void on_fatal_error(void *info)
{
    /* Called by glp_error just before it would abort(). */
    longjmp(((recovery_point *)info)->point, 1);
}

/*
 * Runs body(arg) with glp_error_hook pointing at a recovery point on this stack frame. The
 * hook is removed again before returning, so a later fatal error outside a guarded call can
 * never jump into a dead frame. Guarded calls must not be nested.
 */
static int run_guarded(int (*body)(void *), void *arg)
{
    recovery_point recover;
    iopddl_glpk_thread_setup();
    last_error_len = 0;
    last_error[0] = '\0';
    if (setjmp(recover.point) == 0) {
        glp_error_hook(on_fatal_error, &recover);
        int rc = body(arg);
        glp_error_hook(NULL, NULL);
        return rc;
    }
    /*
     * Recovered from a fatal error. GLPK's state is inconsistent: per its manual the only safe
     * step is glp_free_env(), which releases every GLPK allocation of this thread (so the
     * abandoned frames leak nothing of GLPK's) and invalidates every problem object of this
     * thread. A fresh, silenced environment is created on the next call.
     */
    glp_free_env();
    env_generation++;
    iopddl_glpk_thread_setup();
    return IOPDDL_GLPK_FATAL;
}

typedef struct { glp_prob *P; const glp_smcp *parm; } simplex_args;

static int simplex_body(void *arg)
{
    simplex_args *a = arg;
    return glp_simplex(a->P, a->parm);
}

int iopddl_guarded_simplex(glp_prob *P, const glp_smcp *parm)
{
    simplex_args a = { P, parm };
    return run_guarded(simplex_body, &a);
}

typedef struct { glp_prob *P; const glp_iocp *parm; } intopt_args;

static int intopt_body(void *arg)
{
    intopt_args *a = arg;
    return glp_intopt(a->P, a->parm);
}

int iopddl_guarded_intopt(glp_prob *P, glp_iocp *parm, iopddl_intopt_ctx *ctx)
{
    if (ctx != NULL) {
        parm->cb_func = iopddl_intopt_callback;
        parm->cb_info = ctx;
    }
    intopt_args a = { P, parm };
    return run_guarded(intopt_body, &a);
}

static int selftest_body(void *arg)
{
    (void)arg;
    glp_prob *P = glp_create_prob();
    glp_set_col_bnds(P, 1, GLP_FX, 0.0, 0.0); /* no column 1: fatal error */
    glp_delete_prob(P);                      /* not reached */
    return 0;
}

int iopddl_glpk_guard_selftest(void) { return run_guarded(selftest_body, NULL); }

/* ---- branch-and-cut callback ------------------------------------------------------------- */

/* Records the tree size and the best bound of the active subproblems. */
static void note_tree(glp_tree *T, iopddl_intopt_ctx *ctx)
{
    int active = 0, alive = 0, total = 0;
    glp_ios_tree_size(T, &active, &alive, &total);
    ctx->nodes = total;
    int p = glp_ios_best_node(T);
    if (p == 0) return;
    double b = glp_ios_node_bound(T, p);
    if (!(fabs(b) < DBL_MAX)) return; /* the root before its LP is solved: no bound yet */
    int minimise = glp_get_obj_dir(glp_ios_get_prob(T)) == GLP_MIN;
    /* The global bound only ever tightens; keep the tightest one seen. */
    if (!ctx->has_bound || (minimise ? b > ctx->bound : b < ctx->bound)) {
        ctx->bound = b;
        ctx->has_bound = 1;
    }
}

void iopddl_intopt_callback(glp_tree *T, void *info)
{
    iopddl_intopt_ctx *ctx = info;
    if (ctx->test_fatal) glp_ios_select_node(T, -1); /* invalid reference number: fatal */

    int reason = glp_ios_reason(T);
    if (reason == GLP_ISELECT) note_tree(T, ctx);

    /* First opportunity the manual allows: the first GLP_IHEUR request. */
    if (reason == GLP_IHEUR && ctx->warm_start != NULL &&
        ctx->warm_start_result == IOPDDL_WARM_NOT_TRIED) {
        ctx->warm_start_result =
            glp_ios_heur_sol(T, ctx->warm_start) == 0 ? IOPDDL_WARM_ACCEPTED : IOPDDL_WARM_REJECTED;
    }

    int stop = IOPDDL_STOP_NONE;
    if (ctx->deadline > 0 && iopddl_monotonic_seconds() >= ctx->deadline) {
        stop = IOPDDL_STOP_DEADLINE;
    } else if (ctx->stop != NULL && ctx->stop(ctx->stop_info) != 0) {
        stop = IOPDDL_STOP_REQUESTED;
    } else if (ctx->abs_gap >= 0 && ctx->has_bound) {
        glp_prob *P = glp_ios_get_prob(T);
        if (glp_mip_status(P) == GLP_FEAS &&
            fabs(glp_mip_obj_val(P) - ctx->bound) <= ctx->abs_gap) {
            stop = IOPDDL_STOP_ABS_GAP;
        }
    }
    if (stop != IOPDDL_STOP_NONE) {
        note_tree(T, ctx);
        ctx->stop_reason = stop;
        glp_ios_terminate(T);
    }
}
