#ifndef IOPDDL_CGLPK_SHIM_H
#define IOPDDL_CGLPK_SHIM_H
#include <glpk.h>
#endif
