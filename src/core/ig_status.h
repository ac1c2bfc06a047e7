/*-------------------------------------------------------------------------
 *
 * ig_status.h
 *	  Status codes shared by every function of the pure C core.
 *
 * The core never reports errors itself: it returns one of these codes and
 * the glue turns it into an ereport() with a suitable errcode.  Functions
 * that return IG_OK have filled their output; on any other code the output
 * is unspecified unless the function's comment says otherwise.
 *
 * IDENTIFICATION
 *	  src/core/ig_status.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_STATUS_H
#define INFRAGUARD_IG_STATUS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum IgStatus
{
	IG_OK = 0,
	IG_EPARSE,					/* input text is not in the expected format */
	IG_ERANGE,					/* argument out of range, or a counter went
								 * backwards */
	IG_EOVERFLOW,				/* result does not fit in 64 bits */
	IG_ENODATA					/* nothing to compute from (empty, zero
								 * interval, pseudo file system) */
} IgStatus;

#endif							/* INFRAGUARD_IG_STATUS_H */
