#include "glpk_guard.h"
int iopddl_glpk_guard_version(void) { return 1; }
