/* SPDX-License-Identifier: Proprietary
 * Responses the gateway generates itself (errors, refusals): a status
 * line, a fixed set of headers and a generic body that says nothing about
 * the backend or the gateway ("404 Not Found\n").
 */
#ifndef RAMPART_PROXY_RESPONSE_H
#define RAMPART_PROXY_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reason phrase of a status we generate ("Unknown" for others). */
const char *response_reason(unsigned status);

/* Write the response into buf (cap bytes): Content-Type text/plain,
 * Content-Length, X-Request-Id (when req_id is not NULL), Allow (405:
 * allow is a bit set of enum http_method), Connection: close when close;
 * the body is left out when head_only (HEAD requests) but Content-Length
 * still announces it (RFC 9110 9.3.2). Returns the length, or 0 when cap is
 * too small. */
size_t response_build(char *buf, size_t cap, unsigned status, const char *req_id,
		      bool close, bool head_only, uint16_t allow);

#endif
