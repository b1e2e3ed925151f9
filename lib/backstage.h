#ifndef HONK_BACKSTAGE_H
#define HONK_BACKSTAGE_H

#include "buf.h"
#include "catalog.h"

/*
 * `honk-status export backstage`: the catalog as Backstage entities, one
 * YAML stream that Backstage's catalog model accepts as it is.
 *
 * - A Resource per dataset: spec.type `dataset`, spec.owner the
 *   dataset's owner as a group, spec.dependencyOf the consumers that read
 *   it, spec.dependsOn the consumers that produce it.
 * - A Component per consumer: spec.type `pipeline` when it produces a
 *   dataset, else `service`; spec.lifecycle `production`; spec.dependsOn
 *   what it reads, spec.dependencyOf what it produces.
 * - Owners are groups: `group:<owner>`, and `group:unknown` for a
 *   dataset or consumer whose file names no owner (Backstage requires an
 *   owner; one group to find and fix them all).
 * - Annotations say where each entity comes from: honk.dev/dataset or
 *   honk.dev/consumer (the honk name), honk.dev/source-path (the file in
 *   the catalog repository), and the versions, deprecations, reads and
 *   criticality. No backstage.io/managed-by-location: that needs a URL
 *   the catalog does not have; Backstage sets it when it ingests a file.
 *
 * Names: a honk name that is a valid Backstage name (at most 63
 * characters of [A-Za-z0-9._-], alphanumeric at both ends) is kept; any
 * other is cut to fit and given the first 8 hex digits of its SHA-1
 * ("<first 54 characters>-1a2b3c4d"), with the honk name in
 * metadata.title and in its annotation. Two entities of one kind that
 * would end with the same name are refused (HONK_EINVALID), never merged.
 *
 * Same catalog, same bytes: datasets by id, then consumers by name, keys
 * in a fixed order.
 */

/* The Backstage name for a honk name, appended to out. */
int honk_backstage_name(struct honk_buf *out, const char *name);

/* Append the whole stream (documents each introduced by ---). */
int honk_backstage_export(struct honk_buf *out, const struct honk_catalog *cat);

#endif
