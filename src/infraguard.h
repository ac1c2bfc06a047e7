/*-------------------------------------------------------------------------
 *
 * infraguard.h
 *	  Declarations shared by infraguard's backend glue files.
 *
 * src/infraguard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_INFRAGUARD_H
#define INFRAGUARD_INFRAGUARD_H

#ifndef INFRAGUARD_VERSION
#error "INFRAGUARD_VERSION must be defined by the Makefile from infraguard.control"
#endif

#endif							/* INFRAGUARD_INFRAGUARD_H */
