/*-------------------------------------------------------------------------
 *
 * ig_status.c
 *	  Descriptions of the core's status codes.
 *
 * Kept in its own file so that every core module can return IgStatus
 * without depending on another module.
 *
 * IDENTIFICATION
 *	  src/core/ig_status.c
 *
 *-------------------------------------------------------------------------
 */
#include "ig_status.h"

const char *
ig_status_name(IgStatus status)
{
	switch (status)
	{
		case IG_OK:
			return "ok";
		case IG_EPARSE:
			return "parse error";
		case IG_ERANGE:
			return "value out of range";
		case IG_EOVERFLOW:
			return "arithmetic overflow";
		case IG_ENODATA:
			return "no data";
	}
	/* not a default: label, so that -Wswitch flags a new enum member */
	return "unknown status";
}
