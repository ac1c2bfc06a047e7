/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  PostgreSQL version shims, collected in one place (pg_wait_sampling style).
 *
 * PostgreSQL 15 is the tested target.  Anything that differs between major
 * versions is wrapped here as a static inline function or macro so the rest
 * of the code has no #if.
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_COMPAT_H
#define INFRAGUARD_COMPAT_H

#include "portability/instr_time.h"
#include "storage/proc.h"

#if PG_VERSION_NUM < 150000
#error "infraguard requires PostgreSQL 15 or later"
#endif

/* This backend's index into per-process arrays. */
static inline int
ig_my_proc_number(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProcNumber;
#else
	return MyProc->pgprocno;
#endif
}

/* An instr_time interval in nanoseconds (INSTR_TIME_GET_NANOSEC is 16+). */
static inline uint64
ig_instr_time_ns(instr_time t)
{
#if PG_VERSION_NUM >= 160000
	return INSTR_TIME_GET_NANOSEC(t);
#else
	return (uint64) t.tv_sec * UINT64CONST(1000000000) + (uint64) t.tv_nsec;
#endif
}

#endif							/* INFRAGUARD_COMPAT_H */
