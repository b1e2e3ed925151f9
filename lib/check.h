#ifndef HONK_CHECK_H
#define HONK_CHECK_H

#include "catalog.h"
#include "diag.h"

/*
 * Compare head with base (NULL: no base, every version is new) and add a
 * finding per released version edited in place and per new version that
 * breaks its dataset's policy. 0, or a negative error.
 */
int honk_check_catalogs(const struct honk_catalog *base,
			const struct honk_catalog *head,
			struct honk_diags *findings);

#endif
