#ifndef IOPDDL_GLPK_GUARD_H
#define IOPDDL_GLPK_GUARD_H
/* Placeholder: the GLPK error guard is written in the GLPK issue. */
int iopddl_glpk_guard_version(void);
#endif
