// libpq's header lives at <libpq-fe.h> when pkg-config supplies libpq's include
// path, and at <postgresql/libpq-fe.h> on Debian without it: accept either.
#ifndef MASH_CLIBPQ_SHIM_H
#define MASH_CLIBPQ_SHIM_H
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
#endif
