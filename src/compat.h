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

#if PG_VERSION_NUM < 150000
#error "infraguard requires PostgreSQL 15 or later"
#endif

#endif							/* INFRAGUARD_COMPAT_H */
